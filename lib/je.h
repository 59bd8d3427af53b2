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

#endif /* TT_JE_H */
