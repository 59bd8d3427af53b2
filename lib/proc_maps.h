/*
 * proc_maps.h - /proc/self/maps, read line by line with raw system calls:
 * no stdio and no allocation, so it may run inside the process's first
 * malloc (at start) and in a signal handler.
 */
#ifndef TT_PROC_MAPS_H
#define TT_PROC_MAPS_H

#include <stddef.h>
#include <stdint.h>

struct tt_maps_line {
	uint64_t lo, hi;	/* [lo, hi) */
	uint8_t r, w, x;	/* permissions */
	const char *name;	/* the path or [heap], [stack], ...; "" when anonymous */
};

/*
 * tt_proc_maps_each() - call fn for each mapping, lowest first, until fn
 * returns nonzero.  buf (n bytes) holds the text being read; a line longer
 * than that is skipped.  Context: any; buf must not be shared with a
 * concurrent caller.  Return: what fn last returned, or -1 when the file
 * cannot be read.
 */
int tt_proc_maps_each(char *buf, size_t n, int (*fn)(const struct tt_maps_line *, void *),
		      void *arg);

#endif /* TT_PROC_MAPS_H */
