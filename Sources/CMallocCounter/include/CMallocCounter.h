#ifndef DARWAZA_MALLOC_COUNTER_H
#define DARWAZA_MALLOC_COUNTER_H

/// The number of heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc)
/// made by the process so far. Linked only into the benchmark executable.
unsigned long darwaza_allocation_count(void);

#endif
