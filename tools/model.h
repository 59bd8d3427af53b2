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

/* A site's verdict, joining what the dumps say (tether-report(1), VERDICTS). */
enum tt_site_verdict {
	TT_VERDICT_NONE = 0,
	TT_VERDICT_UNREACHABLE,	/* a scan found blocks of it lost */
	TT_VERDICT_GROWING,	/* reachable, grew at every dump of a series, old */
	TT_VERDICT_CACHE,	/* reachable, bounded, turning over, young */
};

const char *tt_verdict_name(int v);

struct tt_site {
	const struct tt_dump_stack *stack;
	uint64_t live_blocks;
	uint64_t live_bytes;
	/* Lifetimes and ownership (counts of recorded blocks). */
	const struct tt_rec_site_life *life;	/* NULL: dump older than 1.5 */
	uint64_t life_median_ns, life_p99_ns;	/* bucket upper bounds; 0 = none freed */
	uint64_t age_min_ns, age_median_ns, age_max_ns;	/* of its live blocks */
	uint64_t orphan_blocks, orphan_bytes;	/* live, their allocating thread ended */
	uint32_t orphan_thread;		/* one such thread (the first found) */
	uint64_t orphan_routine;	/* its start routine, 0 = unknown */
	uint32_t orphan_threads;	/* distinct ended threads that left blocks */
	uint64_t lost_blocks, lost_bytes;	/* definitely or indirectly lost (scan) */
	int verdict;			/* enum tt_site_verdict, from this dump alone */
};

/* Upper bound (ns) of lifetime bucket k of TT_REC_SITE_LIFE; UINT64_MAX
 * for the last, open bucket. */
uint64_t tt_life_bucket_limit(unsigned k);
/* The bucket limit below which a fraction q of the freed blocks lived. */
uint64_t tt_life_quantile(const struct tt_rec_site_life *l, double q);
/* Whether thread num had ended when dump d was written: not among its
 * threads, or there as exited.  *routine: its start routine if known. */
bool tt_thread_ended(const struct tt_dump *d, uint32_t num, uint64_t *routine);

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
