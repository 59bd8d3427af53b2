/*
 * model.h - what every report shows, computed once from dumps: per process,
 * the allocation sites (stacks) with their live and total counts, sorted
 * largest first, and a symbolizer for its frames.
 *
 * Context: the tether tool only.
 */
#ifndef TT_MODEL_H
#define TT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "format/tdump_read.h"
#include "tools/symbolize.h"

struct tt_site {
	const struct tt_dump_stack *stack;
	uint64_t live_blocks;
	uint64_t live_bytes;
};

struct tt_proc_model {
	struct tt_dump *dump;
	struct tt_sym *sym;
	int *module_index;	/* dump module i -> symbolizer module */
	struct tt_site *sites;	/* live bytes, then allocated bytes, largest first */
	size_t nsites;
	uint64_t live_blocks, live_bytes;
	uint64_t alloc_blocks, alloc_bytes;
	uint64_t free_blocks, free_bytes;
	uint64_t sample_rate;	/* 0, or the dump's sampling: counts above are
				   estimates, scaled up from the samples */
};

struct tt_model {
	struct tt_proc_model *procs;	/* by start time, then pid */
	size_t nprocs;
};

struct tt_model_opts {
	const char *sysroot;	/* NULL = / */
	const char *debug_dir;	/* NULL = defaults only */
	bool every_dump;	/* keep every dump, in the order read (tether
				   diff), not just the newest of each process */
};

/*
 * tt_model_load() - read the dumps named by paths (files, or directories
 * whose *.tdump files are read, keeping the newest dump of each process,
 * or with opts->every_dump every dump, unsorted: files in the order given,
 * a directory's dumps in the order listed).
 * Return: 0, or -1 after printing what was wrong.
 */
int tt_model_load(struct tt_model *m, char *const *paths, int npaths,
		  const struct tt_model_opts *opts);
void tt_model_free(struct tt_model *m);

/* One displayed frame: a source line, possibly an inlined function. */
struct tt_frame {
	uint64_t pc;		/* return address as recorded */
	const char *function;	/* NULL when unknown */
	const char *mangled;
	const char *file;	/* NULL when unknown */
	int line;
	bool inlined;		/* inlined into the next frame */
	const char *module;	/* module path, NULL when none */
	uint64_t offset;	/* pc - module bias */
};

/*
 * tt_model_frames() - the frames of a stack, innermost first, inline frames
 * expanded.  Return: a malloc'd array of *n frames (strings borrowed).
 */
struct tt_frame *tt_model_frames(struct tt_proc_model *p,
				 const struct tt_dump_stack *s, size_t *n);

#endif /* TT_MODEL_H */
