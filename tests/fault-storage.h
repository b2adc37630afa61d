/*
 * tests/fault-storage.h: a crash and fault-injection layer under the NVRAM.
 *
 * In the style of SQLite's src/test6.c: a FaultStorage wraps another
 * NVRAMStorage (the "disk") and models a volatile write cache in front of
 * it. Writes since the last flush are held pending; reads see them. A
 * flush makes them durable (applies them to the disk, then flushes it).
 * At a chosen point the layer "crashes": each pending write is applied,
 * dropped, or every sector it touches is filled with garbage, as chosen by
 * a generator seeded from the configuration, so every failure replays from
 * its seed. After a crash every operation fails, as on a machine that lost
 * power; the test then reopens the disk and checks what survived.
 *
 * It also injects I/O errors: the Nth read, write or flush fails.
 *
 * Thread-safety: the NVRAM serializes storage operations; the query
 * functions below may be called from any thread.
 */
#ifndef TESTS_FAULT_STORAGE_H
#define TESTS_FAULT_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "nvram/storage.h"

/* The fate of a pending write (or of one sector of it) at a crash. */
typedef enum FaultFate {
    FAULT_FATE_APPLY,     /* the write reached the disk */
    FAULT_FATE_DROP,      /* the write never reached the disk */
    FAULT_FATE_GARBAGE,   /* every sector it touches holds random bytes */
    FAULT_FATE__MAX
} FaultFate;

/* What the layer does; a zeroed struct means "no faults, 512-byte sectors". */
typedef struct FaultConfig {
    /* Seeds every random choice (fates, garbage bytes). */
    uint64_t seed;
    /* The unit a torn write damages: 512 or 4096 (0 means 512). */
    uint32_t sector_size;
    /*
     * Crash when the Nth mutating operation (pwrite or flush, counted from
     * 1 together) is issued: a pwrite is first queued (it was in flight),
     * then the pending writes meet their fate and the operation fails.
     * 0: never.
     */
    uint64_t crash_at_op;
    /*
     * Choose the fate of each sector of a pending write separately (a
     * write torn along sector boundaries) instead of one fate per write.
     */
    bool per_sector;
    /* Fail the Nth pread / pwrite / flush (counted from 1); 0: never. */
    uint64_t fail_read_at;
    uint64_t fail_write_at;
    uint64_t fail_flush_at;
    /*
     * A failed pwrite normally writes nothing. When set, it becomes a
     * pending write whose fate is drawn at the next flush or crash, as a
     * write whose error came too late to know how much of it landed.
     */
    bool failed_write_lands_randomly;
    /*
     * A broken disk, for the tests of the tests: flush reports success but
     * leaves the writes pending, so a crash can lose acknowledged data.
     */
    bool lying_flush;
} FaultConfig;

/* Counters of what the layer saw and did. */
typedef struct FaultStats {
    uint64_t reads;           /* pread calls */
    uint64_t writes;          /* pwrite calls */
    uint64_t flushes;         /* flush calls */
    uint64_t ops;             /* pwrite + flush calls (crash_at_op counts these) */
    uint64_t faults;          /* I/O errors injected (crash excluded) */
    bool crashed;
    uint64_t applied;         /* pending writes (sectors) applied at a crash */
    uint64_t dropped;         /* ... dropped */
    uint64_t garbled;         /* ... filled with garbage */
} FaultStats;

/*
 * Wrap @inner with the fault layer configured by @config (NULL: no
 * faults). When @own_inner, closing the layer closes @inner; otherwise
 * @inner stays open for the caller to inspect after the NVRAM above is
 * gone. Never fails; returns the new storage.
 */
NVRAMStorage *fault_storage_new(NVRAMStorage *inner, bool own_inner,
                                const FaultConfig *config);

/*
 * Crash now (from any thread): pending writes meet their fate and every
 * later operation fails. Does nothing if already crashed.
 */
void fault_storage_crash(NVRAMStorage *s);

/* A snapshot of the counters of the fault layer @s. */
FaultStats fault_storage_get_stats(NVRAMStorage *s);

/* The storage wrapped by @s. */
NVRAMStorage *fault_storage_inner(NVRAMStorage *s);

/*
 * A small seeded generator (splitmix64), shared by the tests so that each
 * run is reproducible from one number.
 */
uint64_t fault_rand_next(uint64_t *state);
/* A uniform value in [0, @n) (@n > 0). */
uint64_t fault_rand_below(uint64_t *state, uint64_t n);
/* Mix two numbers into a seed (for per-case seeds derived from a base). */
uint64_t fault_seed_mix(uint64_t a, uint64_t b);

/*
 * The iteration scale of the reliability tests: 1 by default (bounded for
 * CI, also under sanitizers), larger when QVISIT_SOAK is set (its value, if
 * a number above 1, else 20).
 */
unsigned fault_test_scale(void);

/*
 * True when built with AddressSanitizer: the slowest loops then thin out
 * their least interesting cases (each test says which) to stay bounded.
 */
bool fault_under_sanitizer(void);

#endif /* TESTS_FAULT_STORAGE_H */
