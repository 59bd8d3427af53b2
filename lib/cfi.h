/*
 * cfi.h - unwind rules per return address, read from the modules' own
 * call-frame information (.eh_frame_hdr, .eh_frame), kept in a lock-free,
 * insert-only hash table in tether's memory.  doc/internals.md, "Stacks",
 * says what is handled, what is left to libunwind and why it is safe.
 *
 * A rule tells how to get from a frame whose return address is pc to its
 * caller's frame, in the common x86-64 shapes only:
 *   CFA = RSP + off or RBP + off, the return address at CFA - 8,
 *   RBP saved at CFA + n or unchanged, RSP of the caller = CFA.
 * Anything else (DWARF expressions, other CFA registers, signal frames,
 * no FDE, code outside every module) gets TT_CFI_SLOW: that stack is
 * unwound by libunwind.
 *
 * Concurrency: any thread, any time; lookups are lock-free, a miss computes
 * the rule (dl_iterate_phdr, which libunwind calls on the same path) and
 * inserts it with one compare-and-swap.  Entries carry the module
 * generation, bumped around every dlclose(), so a rule read from an
 * unloaded module is never used again.
 */
#ifndef TT_CFI_H
#define TT_CFI_H

#include <stdatomic.h>
#include <stdint.h>

/* Rule word: kind in bits 0-1, flags, RBP's offset, CFA's offset. */
#define TT_CFI_STEP 1u		/* a standard frame: step with the rule */
#define TT_CFI_END 2u		/* the outermost frame (return address undefined) */
#define TT_CFI_SLOW 3u		/* not handled here: use libunwind */
#define TT_CFI_KIND(r) ((unsigned)(r) & 3u)
#define TT_CFI_CFA_RBP 0x4u	/* CFA is RBP + off (else RSP + off) */
#define TT_CFI_RBP_SAVED 0x8u	/* caller's RBP is at CFA + rbp_off */
#define TT_CFI_RBP_OFF(r) ((int64_t)(int16_t)(uint16_t)((r) >> 16))
#define TT_CFI_CFA_OFF(r) ((int64_t)(int32_t)(uint32_t)((r) >> 32))

struct tt_cfi_entry {
	_Atomic uint64_t key;	/* pc | gen << 47 | TT_CFI_BUSY while filled */
	_Atomic uint64_t rule;
};

#define TT_CFI_BITS 18
#define TT_CFI_SIZE (1u << TT_CFI_BITS)
#define TT_CFI_MASK (TT_CFI_SIZE - 1)
#define TT_CFI_PROBES 32
#define TT_CFI_PC_MAX (1ull << 47)
#define TT_CFI_GEN_MAX 0xffffu

extern struct tt_cfi_entry tt_cfi_table[TT_CFI_SIZE];
extern _Atomic uint32_t tt_cfi_gen;

/* What the fast walker did, for TETHER_VERBOSE and TETHER_UNWIND=check. */
struct tt_cfi_stats {
	_Atomic uint64_t rules;		/* rules computed (table misses) */
	_Atomic uint64_t slow_rules;	/* of which TT_CFI_SLOW */
	_Atomic uint64_t uncached;	/* rules not inserted (table crowded) */
};
extern struct tt_cfi_stats tt_cfi_stats;

/*
 * tt_cfi_compute() - the rule for return address pc, from the CFI of the
 * module that holds pc - 1, and insert it.  Context: recorder (may take
 * the loader's lock through dl_iterate_phdr; never allocates).
 */
uint64_t tt_cfi_compute(uintptr_t pc, uint32_t gen);

/* tt_cfi_invalidate() - forget every rule: around dlclose(). */
void tt_cfi_invalidate(void);

/*
 * The first slot for pc's rule: pc itself, in 16-byte steps, so that the
 * return addresses of one 4 KiB page of code share one 4 KiB page of the
 * table (256 slots) and the table wraps every 4 MiB of code.  A process
 * touches a page of the table per page of code it allocates from, not one
 * per return address: a multiplicative hash of pc made a short git command
 * fault in 700 pages (2.8 MiB) of it.  It is also two instructions.
 */
static inline uint64_t
tt_cfi_hash(uintptr_t pc)
{
	return (pc >> 4) & TT_CFI_MASK;
}

/* tt_cfi_rule() - the rule for pc in generation gen (from tt_cfi_gen). */
static inline uint64_t
tt_cfi_rule(uintptr_t pc, uint32_t gen)
{
	uint64_t key = (uint64_t)pc | (uint64_t)gen << 47;
	uint64_t i = tt_cfi_hash(pc);

	for (unsigned n = 0; n < TT_CFI_PROBES; n++, i = (i + 1) & TT_CFI_MASK) {
		uint64_t k = atomic_load_explicit(&tt_cfi_table[i].key, memory_order_acquire);

		if (k == key)
			return atomic_load_explicit(&tt_cfi_table[i].rule, memory_order_relaxed);
		if (k == 0)
			break;
	}
	return tt_cfi_compute(pc, gen);
}

#endif /* TT_CFI_H */
