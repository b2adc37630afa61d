/*
 * tests/fault-workload.h: the NVRAM workload of the reliability tests.
 *
 * Three TPM-like entries (permall: values up to 64 KiB; volatilestate and
 * savestate: up to 16 KiB) receive a seeded stream of synchronous writes,
 * batches of asynchronous writes in flight together, and reads. Every
 * value is self-describing: a sequence number unique across the whole
 * test, the entry's index and a length and contents derived from the
 * sequence number, so a read can tell a true value from garbage or from
 * another entry's value. The workload tracks, per entry, the last
 * acknowledged value and the one being written, which is all a check after
 * a crash may accept.
 */
#ifndef TESTS_FAULT_WORKLOAD_H
#define TESTS_FAULT_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "nvram/nvram.h"

#define WORKLOAD_N_ENTRIES 3

typedef struct Workload Workload;

/* One entry and what the workload knows about it. */
typedef struct WorkloadEntry {
    Workload *workload;
    unsigned index;
    NVRAMEntryName name;
    uint64_t max_value;       /* largest value payload, bytes */
    uint64_t acked;           /* last acknowledged sequence number, 0: none */
    uint64_t inflight;        /* submitted, not acknowledged, 0: none */
    uint64_t to_write;        /* what the WRITE callback encodes next */
    /* Result of the last READ callback. */
    bool read_done;
    uint64_t read_seq;
} WorkloadEntry;

struct Workload {
    WorkloadEntry entries[WORKLOAD_N_ENTRIES];
    uint64_t next_seq;        /* the next sequence number to hand out */
    uint64_t rng;
    unsigned outstanding;     /* asynchronous requests not yet completed */
    int first_error;          /* first failure seen (negative code), or 0 */
    char *first_error_msg;
    bool stopped;             /* an error stopped the workload */
    /* Counters. */
    uint64_t writes_acked;
    uint64_t reads_checked;
    uint64_t async_submitted;
    /* A READ callback met a value that is not a true value of its entry. */
    char *bad_value;
};

/* Initialise @w for a fresh image; sequence numbers start at @first_seq. */
void workload_init(Workload *w, uint64_t seed, uint64_t first_seq);

/*
 * Make the workload's images encrypted with @key (NVRAM_KEY_SIZE bytes,
 * kept by reference) from now on; NULL: plain images (the default).
 */
void workload_use_key(const uint8_t *key);

/* The options every NVRAM of the workload is set up with. */
const NVRAMOptions *workload_options(void);

/* Release what @w holds (not the NVRAM). */
void workload_cleanup(Workload *w);

/* The specs to format an image for the workload's entries. */
void workload_specs(NVRAMEntrySpec specs[WORKLOAD_N_ENTRIES]);

/*
 * Put the workload's images on the NBD export @uri from now on (each new
 * image overwrites its start); NULL: in memory (the default).
 */
void workload_use_backend(const char *uri);

/*
 * A storage holding a freshly formatted workload image: a memory storage,
 * or a connection to the export of workload_use_backend(). Aborts the
 * test on failure.
 */
NVRAMStorage *workload_new_image(void);

/* Register the workload's entries with @nvram (before nvram_start). */
int workload_register(Workload *w, NVRAM *nvram, Error **errp);

/*
 * Run @steps steps against the started @nvram: synchronous writes,
 * batches of asynchronous writes and verifying reads. Stops at the first
 * error (recorded in first_error) after draining the completions of the
 * requests in flight. Returns true if every step succeeded.
 */
bool workload_run(Workload *w, NVRAM *nvram, unsigned steps);

/*
 * Read every entry of the started @nvram. *@seq[i] gets the value's
 * sequence number, 0 if the entry is absent; returns 0, or the first
 * failing read's error code (negative) with @errp set. A value that is not
 * a true value of its entry is an error (reported in @errp, code
 * -NVRAM_ERR_DEVICE).
 */
int workload_read_all(Workload *w, NVRAM *nvram,
                      uint64_t seq[WORKLOAD_N_ENTRIES], Error **errp);

/*
 * Check the values @seq read after a crash against what @w knows: each
 * entry holds its last acknowledged value or the one in flight; "absent"
 * only if no value was ever acknowledged. Returns NULL when all is right,
 * else a g_malloc'd description of the first violation.
 */
char *workload_check(const Workload *w, const uint64_t seq[WORKLOAD_N_ENTRIES]);

/*
 * After a check: take the values found as the acknowledged state (nothing
 * in flight), so that a workload can continue on the recovered image.
 */
void workload_adopt(Workload *w, const uint64_t seq[WORKLOAD_N_ENTRIES]);

/*
 * Open a NVRAM over a private copy (in memory) of the bytes of @disk, a
 * storage of workload_new_image(), with @w's entries registered and
 * started. Returns NULL with @errp set (and *@code the error) if it fails.
 */
NVRAM *workload_open_copy(Workload *w, NVRAMStorage *disk, int *code,
                          Error **errp);

/* The length and byte @i of the value with sequence number @seq. */
uint64_t workload_value_len(const WorkloadEntry *e, uint64_t seq);
uint8_t workload_value_byte(uint64_t seq, uint64_t i);

#endif /* TESTS_FAULT_WORKLOAD_H */
