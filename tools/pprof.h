/*
 * pprof.h - build a pprof profile (profile.proto) in memory and write it
 * gzipped.  Strings, functions, mappings and locations are deduplicated
 * here, so callers just describe what they have.  Ids are nonzero.
 *
 * Context: the tether tool only (uses malloc).
 */
#ifndef TT_PPROF_H
#define TT_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tt_pprof;

struct tt_pprof *tt_pprof_new(void);
void tt_pprof_free(struct tt_pprof *p);

/* Append a sample type ("alloc_objects", "count"); order = value order. */
void tt_pprof_sample_type(struct tt_pprof *p, const char *type, const char *unit);
/* The sample type pprof shows by default (e.g. "inuse_space"). */
void tt_pprof_default_sample_type(struct tt_pprof *p, const char *type);
/* period_type and period (e.g. "space", "bytes", 1). */
void tt_pprof_period(struct tt_pprof *p, const char *type, const char *unit,
		     int64_t period);
void tt_pprof_time(struct tt_pprof *p, int64_t time_nanos, int64_t duration_nanos);
void tt_pprof_comment(struct tt_pprof *p, const char *comment);

/*
 * tt_pprof_mapping() - add (or find) a mapping.  build_id is a hex string or
 * NULL.  The first mapping added should be the main executable.
 * Return: the mapping id.
 */
uint64_t tt_pprof_mapping(struct tt_pprof *p, uint64_t start, uint64_t limit,
			  uint64_t offset, const char *file, const char *build_id,
			  bool has_functions, bool has_filenames,
			  bool has_line_numbers, bool has_inline_frames);

/* One source line of a location; function NULL = unknown. */
struct tt_pprof_line {
	const char *function;	 /* demangled name */
	const char *system_name; /* mangled name, or NULL = same as function */
	const char *file;	 /* NULL = unknown */
	int64_t line;		 /* 0 = unknown */
};

/*
 * tt_pprof_location() - add (or find, by mapping and address) a location.
 * lines[0] is the innermost inlined function, lines[n-1] the function the
 * code physically belongs to (profile.proto's order).  mapping_id 0 = none.
 * Return: the location id.
 */
uint64_t tt_pprof_location(struct tt_pprof *p, uint64_t mapping_id,
			   uint64_t address, const struct tt_pprof_line *lines,
			   size_t nlines);

/* A sample label: a string label when str != NULL, else a number. */
struct tt_pprof_label {
	const char *key;
	const char *str;
	int64_t num;
	const char *num_unit;	/* NULL = none */
};

/*
 * tt_pprof_sample() - add a sample: location ids leaf first, one value per
 * sample type.
 */
void tt_pprof_sample(struct tt_pprof *p, const uint64_t *locs, size_t nlocs,
		     const int64_t *values, const struct tt_pprof_label *labels,
		     size_t nlabels);

/*
 * tt_pprof_write() - serialize, gzip, and write to path ("-" = stdout);
 * a file is written to a temporary name and renamed into place.
 * Return: 0, or -errno.
 */
int tt_pprof_write(struct tt_pprof *p, const char *path);

#endif /* TT_PPROF_H */
