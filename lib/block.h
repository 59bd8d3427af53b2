/*
 * block.h - the 16-byte header tether puts in front of every block it hands
 * out (in sampled mode, of every sampled block: sample_arena.h).  It
 * carries the block's slot in the block table, so free() reaches the
 * record without any lookup, and the offset back to the start of the
 * jemalloc allocation, so aligned blocks free correctly.  The header holds
 * small integers only: it can never look like a pointer to a scan.
 */
#ifndef TT_BLOCK_H
#define TT_BLOCK_H

#include <stdint.h>

#define TT_HDR_SIZE 16u
#define TT_HDR_LIVE 0x54544852u		/* "TTHR": a live block */
#define TT_HDR_FREED 0x46524545u	/* "FREE": freed through tether */

struct tt_hdr {
	uint32_t magic;		/* TT_HDR_LIVE or TT_HDR_FREED */
	uint32_t offset;	/* user pointer - jemalloc pointer, >= 16 */
	uint32_t slot;		/* block table slot, 0 = not tracked */
	uint32_t reserved;
};

static inline struct tt_hdr *
tt_hdr_of(void *user)
{
	return (struct tt_hdr *)((char *)user - TT_HDR_SIZE);
}

#endif /* TT_BLOCK_H */
