/*
 * bench/malloc-count.h: peak heap accounting for the benchmark (see
 * bench/malloc-count.c for how it works and when it is unavailable).
 */
#ifndef BENCH_MALLOC_COUNT_H
#define BENCH_MALLOC_COUNT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct MallocCount {
    /* highest bytes in use since malloc_count_start(), relative to it */
    int64_t peak;
    /* bytes in use at malloc_count_stop(), relative to the start */
    int64_t end;
} MallocCount;

/* True when this build can count (false under sanitizers). */
bool malloc_count_available(void);
/*
 * Start counting from zero. Blocks allocated before the start and freed
 * while counting lower the figures: measure operations that free nothing
 * older than themselves.
 */
void malloc_count_start(void);
/* Stop counting and return the figures (zeros when unavailable). */
MallocCount malloc_count_stop(void);

#endif /* BENCH_MALLOC_COUNT_H */
