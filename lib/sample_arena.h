/*
 * sample_arena.h - where the sampled blocks live in sampled mode
 * (TETHER_SAMPLE_RATE): a jemalloc arena of their own whose memory comes
 * from one address range reserved at start.  Only those blocks carry the
 * 16-byte header (block.h); every other block is jemalloc's own, with no
 * header, so free() tells the two apart by the address alone.  See
 * doc/internals.md, "Sampled mode: headers on the samples only".
 */
#ifndef TT_SAMPLE_ARENA_H
#define TT_SAMPLE_ARENA_H

#include <stdbool.h>
#include <stdint.h>

extern uintptr_t tt_sarena_lo, tt_sarena_len;	/* 0, 0 until reserved */
extern int tt_sarena_flags;	/* mallocx flags: the arena, no thread cache */

/* Whether p points into the reserved range: a sampled block. */
static inline bool
tt_in_sarena(const void *p)
{
	return (uintptr_t)p - tt_sarena_lo < tt_sarena_len;
}

/*
 * tt_sarena_reserve() - reserve the address range (lazily backed); no
 * jemalloc call.  Return: 0, or -1 when no range of at least 1 GiB could
 * be had (RLIMIT_AS, overcommit_memory=2).
 */
int tt_sarena_reserve(void);

/*
 * tt_sarena_open() - the arena over the reserved range, created at the
 * first call (a mallctl that may initialise jemalloc); a thread calling
 * while another creates it waits for it.  Made at the first sample rather
 * than at start: most short processes never take one, and creating an
 * arena costs them a tenth of their run.  Return: 0, or -1 (it cannot be
 * made, or nothing was reserved).
 * Context: with tt_tls.busy raised: an allocation made meanwhile by a
 * signal handler of the creating thread must not come back here.
 */
int tt_sarena_open(void);

/* In a fork child: a creation the fork cut short is started again. */
void tt_sarena_postfork_child(void);

/* Whether the arena exists (tt_sarena_flags are set). */
static inline bool
tt_sarena_ready(void)
{
	return __atomic_load_n(&tt_sarena_flags, __ATOMIC_ACQUIRE) != 0;
}

#endif /* TT_SAMPLE_ARENA_H */
