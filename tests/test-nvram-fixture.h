/*
 * tests/test-nvram-fixture.h: what the libvnvram tests share: a storage
 * layer that fails, tears or drops writes on demand, formatted images with
 * the three TPM-like entries, plain and encrypted, an NVRAM opened over
 * them, and temporary image files.
 */
#ifndef TEST_NVRAM_FIXTURE_H
#define TEST_NVRAM_FIXTURE_H

#include "test-nvram-common.h"

#define ENTRY_A "permall"
#define ENTRY_B "volatilestate"
#define ENTRY_C "savestate"

/* A storage layer with failures, over an in-memory storage (not owned). */
typedef struct FaultStorage {
    NVRAMStorage common;
    NVRAMStorage *inner;
    bool fail_flush;       /* every flush fails */
    bool fail_write;       /* every pwrite fails */
    long tear_write;       /* >= 0: the next pwrite stores only this many
                            * bytes, then fails (a crash mid-write) */
    unsigned fail_read_at; /* > 0: the Nth pread (from 1) fails */
    unsigned reads;
    bool drop_out_of_range; /* pwrites past the end succeed, storing nothing */
} FaultStorage;

/* A fault layer over @inner, with no failure set. */
FaultStorage *fault_new(NVRAMStorage *inner);

/* The three entries: A of 8 KiB, B and C of 2 KiB. */
extern const NVRAMEntrySpec three_specs[3];

/* A formatted in-memory storage with the three entries. */
NVRAMStorage *formatted_memory(void);

/*
 * An NVRAM over @storage (not owned: under a fault layer, returned in
 * *@fault when not NULL) with entry A registered to @dev, started.
 */
NVRAM *open_with(NVRAMStorage *storage, TestDevice *dev,
                 const NVRAMOptions *opts, FaultStorage **fault);

/* A new memory storage with the bytes of @s. */
NVRAMStorage *memory_clone(NVRAMStorage *s);

/* Register @entry on @inner (not owned) and return nvram_start()'s result. */
int start_on(NVRAMStorage *inner, const char *entry, Error **errp);

/* The path of file @name in a new temporary directory. */
char *temp_image_new(const char *name);

/* Delete the file of temp_image_new() and its directory; free @path. */
void temp_image_remove(char *path);

/*
 * Write @dev's state as entry @name through @nvram, clear it, and read it
 * back into @dev: both calls must succeed (the caller checks the state).
 */
void assert_write_read(NVRAM *nvram, const NVRAMEntryName *name,
                       TestDevice *dev);

/* The key of the encrypted fixtures. */
extern const uint8_t test_key[NVRAM_KEY_SIZE];

/* A formatted in-memory storage with the three entries, encrypted. */
NVRAMStorage *encrypted_memory(void);

/* As start_on() for entry A, with @key. */
int start_with_key(NVRAMStorage *inner, const uint8_t *key, Error **errp);

/* The whole memory storage @s is one valid DER value (no warning). */
void assert_image_is_der(NVRAMStorage *s);

/*
 * The checked fixture (tcase_add_checked_fixture(tc, fx_setup,
 * fx_teardown)): before each test, fx.s is formatted_memory(), fx.nvram
 * an NVRAM over it opened by open_with() (fx.fault its fault layer) with
 * entry A (fx.name) registered to fx.dev; after it, all of it is freed.
 */
typedef struct NVRAMFixture {
    NVRAMStorage *s;
    TestDevice dev;
    NVRAMEntryName name;
    FaultStorage *fault;
    NVRAM *nvram;          /* NULL after fx_nvram_close() */
} NVRAMFixture;

extern NVRAMFixture fx;

void fx_setup(void);
void fx_teardown(void);

/*
 * Delete fx.nvram now (delivering its pending completions, which may
 * point into the test's locals) and return nvram_delete()'s result.
 */
int fx_nvram_close(void);

/* fx_nvram_close(), then open fx.s again as fx_setup() did. */
void fx_nvram_reopen(void);

#endif /* TEST_NVRAM_FIXTURE_H */
