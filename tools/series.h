/*
 * series.h - several dumps of one program side by side: each allocation
 * site matched across the dumps (by allocation function and, per frame,
 * module and offset, so it matches across processes too), with its
 * in-use bytes and blocks at each dump.  tether diff and the timeline
 * report read it.
 *
 * Context: the tether tool only.
 */
#ifndef TT_SERIES_H
#define TT_SERIES_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/model.h"

struct tt_series_site {
	char *key;
	struct tt_proc_model *proc;	/* the last dump that has the site */
	const struct tt_dump_stack *stack;	/* its stack there */
	uint64_t *bytes, *blocks;	/* in use at each dump (0 = absent) */
	uint64_t *alloc_bytes, *alloc_blocks;	/* allocated so far, each dump */
	int64_t growth;			/* bytes at the last dump - at the first */
	int64_t growth_blocks;
	bool suspect;			/* grew at every dump (3 dumps or more) */
	const struct tt_site **at;	/* the site in each dump, NULL = absent */
	int verdict;			/* enum tt_site_verdict over the series */
	/* Its blocks lost at the last dump with a scan, grouped by when:
	 * the last dump (seq) where each was still reachable, 0 = none seen,
	 * and the first where it was not. */
	struct tt_lost_when {
		uint32_t last_reachable, first_lost;
		uint64_t blocks, bytes;
	} *lost;
	size_t nlost;
};

struct tt_series {
	struct tt_model model;		/* procs[i] = dump i, in series order */
	size_t n;			/* dumps */
	struct tt_series_site *sites;	/* suspects, then by growth, largest first */
	size_t nsites;
	size_t nsuspects;
	bool several_pids;		/* dumps of several processes */
};

/*
 * tt_series_load() - read the dumps named by paths: directories stand for
 * every *.tdump in them.  With keep_order (two files: tether diff A B) the
 * dumps are taken in the order given, otherwise by process start time, pid
 * and dump number.  pid > 0 keeps only that process's dumps.  Refuses
 * (with a message naming both dumps) dumps of different programs: another
 * executable path or main build id.
 * Return: 0, or -1 after printing what was wrong.
 */
int tt_series_load(struct tt_series *s, char *const *paths, int npaths,
		   const struct tt_model_opts *opts, bool keep_order, long pid);
void tt_series_free(struct tt_series *s);

/* tt_series_main_build_id() - hex build id of a dump's executable, "" if
 * none; buf holds at least 2 * 64 + 1 bytes. */
const char *tt_series_main_build_id(const struct tt_dump *d, char *buf, size_t n);

#endif /* TT_SERIES_H */
