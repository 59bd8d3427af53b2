/*
 * je.h - the private jemalloc inside libtether.so.  The build renames the
 * public symbols of Debian's libjemalloc_pic.a to tt_je_* (lib/je.redefine)
 * and hides them, so tether's allocator never clashes with a jemalloc the
 * program links itself, and the program's malloc calls reach only tether's
 * wrappers.
 */
#ifndef TT_JE_H
#define TT_JE_H

#include <stddef.h>

void *tt_je_malloc(size_t size);
void *tt_je_calloc(size_t n, size_t size);
void *tt_je_realloc(void *p, size_t size);
void tt_je_free(void *p);
void *tt_je_mallocx(size_t size, int flags);
void *tt_je_rallocx(void *p, size_t size, int flags);
size_t tt_je_xallocx(void *p, size_t size, size_t extra, int flags);
size_t tt_je_sallocx(const void *p, int flags);
void tt_je_dallocx(void *p, int flags);
void tt_je_sdallocx(void *p, size_t size, int flags);
size_t tt_je_nallocx(size_t size, int flags);
size_t tt_je_malloc_usable_size(const void *p);
int tt_je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
		  size_t newlen);
int tt_je_mallctlnametomib(const char *name, size_t *mibp, size_t *miblenp);
int tt_je_mallctlbymib(const size_t *mib, size_t miblen, void *oldp,
		       size_t *oldlenp, void *newp, size_t newlen);
void tt_je_malloc_stats_print(void (*write_cb)(void *, const char *),
			      void *cbopaque, const char *opts);

/* jemalloc's flag bits (jemalloc.h): alignment in the low 6 bits. */
#define TT_MALLOCX_LG_ALIGN_MASK 0x3f
#define TT_MALLOCX_ZERO 0x40
#define TT_MALLOCX_TCACHE_NONE (1 << 8)
#define TT_MALLOCX_ARENA(a) ((int)(((unsigned)(a) + 1) << 20))

#include <stdbool.h>

/* jemalloc's extent_hooks_t (jemalloc.h, 5.x): how an arena gets memory.
 * Each returns false on success, except alloc (the memory, or NULL). */
struct tt_je_extent_hooks {
	void *(*alloc)(struct tt_je_extent_hooks *, void *new_addr, size_t size,
		       size_t align, bool *zero, bool *commit, unsigned arena);
	bool (*dalloc)(struct tt_je_extent_hooks *, void *addr, size_t size,
		       bool committed, unsigned arena);
	void (*destroy)(struct tt_je_extent_hooks *, void *addr, size_t size,
			bool committed, unsigned arena);
	bool (*commit)(struct tt_je_extent_hooks *, void *addr, size_t size,
		       size_t offset, size_t length, unsigned arena);
	bool (*decommit)(struct tt_je_extent_hooks *, void *addr, size_t size,
			 size_t offset, size_t length, unsigned arena);
	bool (*purge_lazy)(struct tt_je_extent_hooks *, void *addr, size_t size,
			   size_t offset, size_t length, unsigned arena);
	bool (*purge_forced)(struct tt_je_extent_hooks *, void *addr, size_t size,
			     size_t offset, size_t length, unsigned arena);
	bool (*split)(struct tt_je_extent_hooks *, void *addr, size_t size,
		      size_t size_a, size_t size_b, bool committed, unsigned arena);
	bool (*merge)(struct tt_je_extent_hooks *, void *addr_a, size_t size_a,
		      void *addr_b, size_t size_b, bool committed, unsigned arena);
};

#endif /* TT_JE_H */
