/*
 * tdump_read.h - reading a dump file into memory, checking every length and
 * reference, so that a truncated, corrupt or wrong-version file gives an
 * error naming the byte where it broke, never a crash.
 *
 * Context: the tether tool and the tests; uses malloc.
 */
#ifndef TT_TDUMP_READ_H
#define TT_TDUMP_READ_H

#include <stddef.h>
#include <stdint.h>

#include "format/tdump.h"

struct tt_dump_module {
	struct tt_rec_module rec;
	char *path;
	uint8_t *build_id;
	size_t build_id_len;
};

struct tt_dump_stack {
	struct tt_rec_stack rec;
	const uint64_t *frames;	/* rec.depth return addresses, innermost first */
	const struct tt_rec_site_life *life;	/* from 1.5; NULL = none */
};

struct tt_dump_thread {
	struct tt_rec_thread rec;
	char *name;
	char *wait_target;	/* "" when none */
};

struct tt_dump {
	char *path;		/* the file read */
	uint16_t minor;		/* format minor version of the file */
	struct tt_rec_process proc;
	char *exe;
	char **argv;		/* command line, NULL-terminated */
	char *version;		/* libtether version that wrote it */
	struct tt_dump_module *modules;
	size_t nmodules;
	struct tt_dump_stack *stacks;
	size_t nstacks;
	struct tt_rec_block *blocks;
	size_t nblocks;
	size_t stale_blocks;	/* records dropped: an address freed and given
				   out again while the dump was written (the
				   later record, the live block, is kept) */
	struct tt_dump_thread *threads;	/* from format 1.1 on */
	size_t nthreads;
	struct tt_rec_long_wait *long_waits;	/* oldest first (1.1) */
	size_t nlong_waits;
	uint64_t long_waits_dropped;
	struct tt_rec_stats stats;
	/* From format 1.2, when the dump was taken with a reachability scan:
	 * leaks[i] is the verdict on blocks[i] (the reader checks it). */
	int has_scan;
	struct tt_rec_scan scan;
	struct tt_rec_leak *leaks;
	size_t nleaks;
	/* From 1.5: lifetimes per site (linked from stacks[].life) and the
	 * threads the registry forgot (joined, or ended detached). */
	struct tt_rec_site_life *lives;
	size_t nlives;
	struct tt_rec_ended_thread *ended;
	size_t nended;
	uint64_t ended_dropped;
	/* private */
	uint32_t *id_keys;	/* open addressing: stack id, 0 = empty slot */
	uint32_t *id_vals;	/*   its index in stacks */
	size_t id_cap;		/*   slots, a power of two */
	size_t stacks_cap;	/* room in stacks */
	void *data;
	size_t size;
};

/*
 * tt_dump_read() - read and check the dump at path.
 * Return: the dump, or NULL with a message in err ("PATH: at byte N: ...").
 */
struct tt_dump *tt_dump_read(const char *path, char *err, size_t errlen);

/* tt_dump_parse() - the same, from memory (takes ownership of malloc'd data). */
struct tt_dump *tt_dump_parse(const char *name, void *data, size_t size,
			      char *err, size_t errlen);

void tt_dump_free(struct tt_dump *d);

/* tt_dump_stack() - the stack with this id, or NULL. */
const struct tt_dump_stack *tt_dump_stack(const struct tt_dump *d, uint32_t id);

/* Names for enum values, for reports. */
const char *tt_dump_trigger_name(uint32_t trigger);
const char *tt_dump_alloc_fn_name(uint32_t fn);
const char *tt_dump_wait_name(uint32_t call);

#endif /* TT_TDUMP_READ_H */
