/*
 * own_maps.h - the memory tether maps for itself: the private jemalloc's
 * extents and metadata (its mmap and munmap calls are renamed to the ones
 * here, see je.redefine) and tether's own tables (tt_map_reserve).  A
 * reachability scan must not take any of it for a root: free heap memory
 * holds stale pointers, and the tables hold the addresses of every block.
 *
 * Context: mmap/munmap paths only, never malloc's fast path; a spinlock
 * orders writers; the scan reads while the writers are stopped.
 */
#ifndef TT_OWN_MAPS_H
#define TT_OWN_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "scan.h"

/* tt_own_add() / tt_own_del() - [p, p + n) became / stopped being ours. */
void tt_own_add(const void *p, size_t n);
void tt_own_del(const void *p, size_t n);

/*
 * tt_own_ranges() - copy the ranges, sorted, into out (room for max).
 * Return: how many; more than max means some were left out (and the scan
 * must say it is incomplete).
 */
size_t tt_own_ranges(struct tt_range *out, size_t max);

/*
 * tt_stack_seen() - a thread ran on [lo, hi) (its whole stack mapping, TLS
 * and thread descriptor included) with thread pointer tp (its pthread_t,
 * where glibc's thread descriptor starts); tt_stacks_seen() - those seen
 * so far, and their thread pointers.
 */
void tt_stack_seen(uint64_t lo, uint64_t hi, uint64_t tp);
size_t tt_stacks_seen(const struct tt_range **out, const uint64_t **tp);

#endif /* TT_OWN_MAPS_H */
