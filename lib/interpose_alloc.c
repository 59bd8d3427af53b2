/*
 * interpose_alloc.c - the only definitions of the malloc family in
 * libtether.so, and of jemalloc's extended API.  Each wrapper asks the
 * private jemalloc for the block plus a 16-byte header (block.h), and, if
 * this thread may record, calls one out-of-line recorder.  Nothing else.
 * In sampled mode (TT_ALLOC_LEAN, internal.h) only the sampled blocks get
 * a header, in the sample arena (sample_arena.h); the others are asked of
 * jemalloc as the program asked for them.
 *
 * Budget: the layout test (one load, one branch); then, when not
 * recording, one TLS load and one branch on top of jemalloc; when
 * recording, the recorder's cost (record.c).  Sampled, an unsampled
 * allocation adds the thread's countdown, an unsampled free a range test.
 *
 * Order of record and call:
 *  - free forgets the block before the real free (its header, and the
 *    thread's free queue, which every reader of the table honours), so the
 *    address cannot be handed to another thread while the old record counts;
 *  - allocations are recorded after they succeed;
 *  - realloc forgets the old block before the call and puts its record back
 *    if the call fails, for the same reason as free.
 *
 * Semantics follow glibc: errno ENOMEM on failure, calloc and reallocarray
 * overflow checks, realloc(p, 0) frees p and returns NULL, memalign and
 * (before glibc 2.38) aligned_alloc round an alignment up to a power of two,
 * posix_memalign returns EINVAL or ENOMEM (and, like glibc, sets errno on
 * ENOMEM).
 *
 * Context: any thread, any time, including before main, inside the dynamic
 * loader, in signal handlers and during exit.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "block.h"
#include "internal.h"
#include "io.h"
#include "je.h"
#include "record.h"
#include "sample_arena.h"
#include "tls.h"

/* jemalloc's extended API, as jemalloc.h declares it. */
void *mallocx(size_t size, int flags);
void *rallocx(void *p, size_t size, int flags);
size_t xallocx(void *p, size_t size, size_t extra, int flags);
size_t sallocx(const void *p, int flags);
void dallocx(void *p, int flags);
void sdallocx(void *p, size_t size, int flags);
size_t nallocx(size_t size, int flags);
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
int mallctlnametomib(const char *name, size_t *mibp, size_t *miblenp);
int mallctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp,
		 void *newp, size_t newlen);
void malloc_stats_print(void (*write_cb)(void *, const char *), void *cbopaque,
			const char *opts);

/* Whether this thread may record now: not inside tether, not disabled. */
static inline bool
may_record(void)
{
	return tt_tls.busy == 0 &&
	       atomic_load_explicit(&tt_state, memory_order_relaxed) != TT_STATE_OFF;
}

static inline void *
finish(char *real, uint32_t offset)
{
	struct tt_hdr *h = (struct tt_hdr *)(real + offset - TT_HDR_SIZE);

	h->magic = TT_HDR_LIVE;
	h->offset = offset;
	h->slot = 0;
	return real + offset;
}

/*
 * A block of size bytes aligned to align (a power of two, or 0), with its
 * header in front; flags 0, or the sample arena's (sample_arena.h).
 * Return: the block, or NULL, errno untouched.
 */
static inline void *
header_alloc(size_t size, size_t align, int zero, int flags)
{
	size_t offset = align > TT_HDR_SIZE ? align : TT_HDR_SIZE;
	char *real;

	if (tt_unlikely(size > PTRDIFF_MAX - offset || offset > UINT32_MAX))
		return NULL;
	if (align > TT_HDR_SIZE)
		flags |= __builtin_ctzl(align);
	if (flags != 0)
		real = tt_je_mallocx(size + offset, flags | (zero ? TT_MALLOCX_ZERO : 0));
	else if (zero)
		real = tt_je_calloc(1, size + offset);
	else
		real = tt_je_malloc(size + offset);
	return tt_likely(real != NULL) ? finish(real, (uint32_t)offset) : NULL;
}

/* The same, from the default arenas, errno ENOMEM on failure. */
static void *
block_alloc(size_t size, size_t align, int zero)
{
	void *p = header_alloc(size, align, zero, 0);

	if (tt_unlikely(p == NULL))
		errno = ENOMEM;
	return p;
}

static inline char *
real_of(void *p)
{
	return (char *)p - tt_hdr_of(p)->offset;
}

/*
 * Forget p and return its jemalloc pointer, or NULL when p is not a live
 * block of ours (a double free, or a pointer tether never gave out): such a
 * free is reported once and ignored, rather than corrupting the heap.
 */
static char *
block_release(void *p, struct tt_block_copy *old)
{
	struct tt_hdr *h = tt_hdr_of(p);
	static int said;

	if (tt_unlikely(h->magic != TT_HDR_LIVE)) {
		if (!said++)
			tt_say("free(%p): %s; ignored", p,
			       h->magic == TT_HDR_FREED ? "block already freed"
							: "not a block from malloc");
		return NULL;
	}
	if (h->slot != 0)
		tt_record_free(p, old);
	else if (old != NULL)
		old->addr = 0;
	h->magic = TT_HDR_FREED;
	return (char *)p - h->offset;
}

static inline void *
tracked(void *p, size_t size, unsigned fn)
{
	if (tt_likely(p != NULL) && may_record() && tt_sampled(size))
		tt_record_alloc(p, size, fn);
	return p;
}

/* The alignment a jemalloc flags word asks for, or 0. */
static size_t
flag_align(int flags)
{
	int lg = flags & TT_MALLOCX_LG_ALIGN_MASK;

	return lg ? (size_t)1 << lg : 0;
}

/* The block layout (internal.h), decided by the first allocation. */
static inline bool
lean(void)
{
	int m = atomic_load_explicit(&tt_alloc_mode, memory_order_relaxed);

	if (tt_likely(m == TT_ALLOC_HEADERS))
		return false;
	if (tt_unlikely(m == TT_ALLOC_UNDECIDED))
		m = tt_alloc_mode_decide();
	return m == TT_ALLOC_LEAN;
}

/* The same, where no block can exist yet if it is undecided (a free). */
static inline bool
lean_now(void)
{
	return atomic_load_explicit(&tt_alloc_mode, memory_order_relaxed) == TT_ALLOC_LEAN;
}

/*
 * Sampled mode without headers (TT_ALLOC_LEAN): a sample is taken before
 * the block is made, in the sample arena, with a header; every other block
 * is jemalloc's, as the program asked for it.  free() tells them apart by
 * address (tt_in_sarena).  A free of a pointer that is no block, or a
 * double free, is then caught only for the sampled blocks.
 */

/* Whether this allocation is a sample. */
static inline bool
lean_sampled(size_t size)
{
	return may_record() && tt_sampled(size) && tt_sample_take(size);
}

/* A sampled block, recorded; NULL when the arena cannot make it. */
static __attribute__((noinline)) void *
sampled_alloc(size_t size, size_t align, int zero, unsigned fn)
{
	void *p = header_alloc(size, align, zero, tt_sarena_flags);

	if (p != NULL)
		tt_record_alloc(p, size, fn | TT_RECORD_TAKEN);
	return p;
}

/* A block of size bytes aligned to align (a power of two, or 0). */
static inline void *
lean_alloc(size_t size, size_t align, int zero, unsigned fn)
{
	void *p;

	if (tt_unlikely(lean_sampled(size)) && (p = sampled_alloc(size, align, zero, fn)) != NULL)
		return p;
	if (align != 0)
		p = tt_je_mallocx(size ? size : 1,
				  __builtin_ctzl(align) | (zero ? TT_MALLOCX_ZERO : 0));
	else if (zero)
		p = tt_je_calloc(1, size);
	else
		p = tt_je_malloc(size);
	if (tt_unlikely(p == NULL))
		errno = ENOMEM;
	return p;
}

static inline void
lean_free(void *p)
{
	char *real;

	if (tt_likely(!tt_in_sarena(p))) {
		tt_je_free(p);
		return;
	}
	real = block_release(p, NULL);
	if (real != NULL)
		tt_je_dallocx(real, TT_MALLOCX_TCACHE_NONE);
}

/*
 * Resize p (not NULL) to size (not 0): in place by jemalloc when neither
 * block is a sample, else by a new block, a copy and a free.  flags are
 * jemalloc's (rallocx), or -1 for realloc.
 */
static void *
lean_resize(void *p, size_t size, int flags, unsigned fn)
{
	bool was_sampled = tt_in_sarena(p);
	size_t old;
	void *q = NULL;

	if (tt_unlikely(lean_sampled(size)))
		q = sampled_alloc(size, flags < 0 ? 0 : flag_align(flags),
				  flags > 0 && (flags & TT_MALLOCX_ZERO), fn);
	if (q == NULL && !was_sampled) {
		q = flags < 0 ? tt_je_realloc(p, size) : tt_je_rallocx(p, size, flags);
		if (tt_unlikely(q == NULL))
			errno = ENOMEM;
		return q;
	}
	if (q == NULL) {
		q = flags < 0 ? tt_je_malloc(size) : tt_je_mallocx(size, flags);
		if (q == NULL) {
			errno = ENOMEM;
			return NULL;
		}
	}
	old = malloc_usable_size(p);
	memcpy(q, p, old < size ? old : size);
	lean_free(p);
	return q;
}

TT_EXPORT void *
malloc(size_t size)
{
	if (lean())
		return lean_alloc(size, 0, 0, TT_FN_MALLOC);
	return tracked(block_alloc(size, 0, 0), size, TT_FN_MALLOC);
}

TT_EXPORT void
free(void *p)
{
	char *real;

	if (p == NULL)
		return;
	if (lean_now()) {
		lean_free(p);
		return;
	}
	real = block_release(p, NULL);
	if (real != NULL)
		tt_je_free(real);
}

TT_EXPORT void *
calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (lean())
		return lean_alloc(total, 0, 1, TT_FN_CALLOC);
	return tracked(block_alloc(total, 0, 1), total, TT_FN_CALLOC);
}

/* Resize p to size; the realloc, reallocarray and rallocx core. */
static void *
block_resize(void *p, size_t size, size_t align, unsigned fn)
{
	struct tt_block_copy old;
	struct tt_hdr *h = tt_hdr_of(p);
	uint32_t offset = h->offset;
	char *real, *moved;
	void *q;

	if (tt_unlikely(h->magic != TT_HDR_LIVE)) {
		(void)block_release(p, NULL);	/* reports it */
		errno = ENOMEM;
		return NULL;
	}
	if (offset != TT_HDR_SIZE || align > TT_HDR_SIZE) {
		/* Aligned blocks move by hand: the header offset changes. */
		size_t old_size = tt_je_malloc_usable_size(real_of(p)) - offset;

		q = block_alloc(size, align, 0);
		if (q == NULL)
			return NULL;
		memcpy(q, p, old_size < size ? old_size : size);
		free(p);
		return tracked(q, size, fn);
	}
	if (tt_unlikely(size > PTRDIFF_MAX - TT_HDR_SIZE)) {
		errno = ENOMEM;
		return NULL;
	}
	real = block_release(p, &old);
	moved = tt_je_realloc(real, size + TT_HDR_SIZE);
	if (tt_unlikely(moved == NULL)) {
		h->magic = TT_HDR_LIVE;
		tt_record_restore(p, &old);
		errno = ENOMEM;
		return NULL;
	}
	return tracked(finish(moved, TT_HDR_SIZE), size, fn);
}

TT_EXPORT void *
realloc(void *p, size_t size)
{
	bool l = lean();

	if (p == NULL)
		return l ? lean_alloc(size, 0, 0, TT_FN_REALLOC)
			 : tracked(block_alloc(size, 0, 0), size, TT_FN_REALLOC);
	if (size == 0) {
		free(p);
		return NULL;
	}
	return l ? lean_resize(p, size, -1, TT_FN_REALLOC)
		 : block_resize(p, size, 0, TT_FN_REALLOC);
}

TT_EXPORT void *
reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (lean()) {
		if (p == NULL)
			return lean_alloc(total, 0, 0, TT_FN_REALLOCARRAY);
		if (total == 0) {
			lean_free(p);
			return NULL;
		}
		return lean_resize(p, total, -1, TT_FN_REALLOCARRAY);
	}
	if (p == NULL)
		return tracked(block_alloc(total, 0, 0), total, TT_FN_REALLOCARRAY);
	if (total == 0) {
		free(p);
		return NULL;
	}
	return block_resize(p, total, 0, TT_FN_REALLOCARRAY);
}

/* glibc's memalign rule: round up to a power of two; absurd alignments fail. */
static void *
memalign_impl(size_t align, size_t size, unsigned fn)
{
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (align & (align - 1))
		align = (size_t)1 << (64 - __builtin_clzl(align));
	if (lean())
		return lean_alloc(size, align, 0, fn);
	return tracked(block_alloc(size, align, 0), size, fn);
}

TT_EXPORT void *
memalign(size_t align, size_t size)
{
	return memalign_impl(align, size, TT_FN_MEMALIGN);
}

TT_EXPORT void *
aligned_alloc(size_t align, size_t size)
{
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 38)
	if (align == 0 || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
#endif
	return memalign_impl(align, size, TT_FN_ALIGNED_ALLOC);
}

TT_EXPORT int
posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (align == 0 || (align & (align - 1)) || align % sizeof(void *) != 0)
		return EINVAL;
	/* Like glibc, a failure also leaves errno set to ENOMEM. */
	if (lean())
		p = lean_alloc(size, align, 0, TT_FN_POSIX_MEMALIGN);
	else
		p = tracked(block_alloc(size, align, 0), size, TT_FN_POSIX_MEMALIGN);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

TT_EXPORT void *
valloc(size_t size)
{
	return memalign_impl((size_t)sysconf(_SC_PAGESIZE), size, TT_FN_VALLOC);
}

TT_EXPORT void *
pvalloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), rounded;

	if (__builtin_add_overflow(size, page - 1, &rounded)) {
		errno = ENOMEM;
		return NULL;
	}
	rounded &= ~(page - 1);
	if (lean())
		return lean_alloc(rounded, page, 0, TT_FN_PVALLOC);
	return tracked(block_alloc(rounded, page, 0), size, TT_FN_PVALLOC);
}

TT_EXPORT size_t
malloc_usable_size(void *p)
{
	if (p == NULL)
		return 0;
	if (lean_now() && !tt_in_sarena(p))
		return tt_je_malloc_usable_size(p);
	if (tt_hdr_of(p)->magic != TT_HDR_LIVE)
		return 0;
	return tt_je_malloc_usable_size(real_of(p)) - tt_hdr_of(p)->offset;
}

/* glibc's internal names, which some programs and libraries call directly.
 * (The aliases need not repeat the targets' attributes.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
TT_EXPORT void *__libc_malloc(size_t) __attribute__((alias("malloc")));
TT_EXPORT void __libc_free(void *) __attribute__((alias("free")));
TT_EXPORT void *__libc_calloc(size_t, size_t) __attribute__((alias("calloc")));
TT_EXPORT void *__libc_realloc(void *, size_t) __attribute__((alias("realloc")));
TT_EXPORT void *__libc_memalign(size_t, size_t) __attribute__((alias("memalign")));
TT_EXPORT void *__libc_valloc(size_t) __attribute__((alias("valloc")));
TT_EXPORT void *__libc_pvalloc(size_t) __attribute__((alias("pvalloc")));

/*
 * jemalloc's extended API, for programs built against jemalloc (Debian's
 * redis).  Alignment flags are honoured through the header offset; the
 * other flags (zero, tcache, arena) pass through.  (flag_align: above.)
 */
static size_t
flag_offset(int flags)
{
	size_t align = flag_align(flags);

	return align > TT_HDR_SIZE ? align : TT_HDR_SIZE;
}

TT_EXPORT void *
mallocx(size_t size, int flags)
{
	size_t offset = flag_offset(flags);
	char *real;

	if (lean()) {
		void *p;

		if (tt_unlikely(lean_sampled(size)) &&
		    (p = sampled_alloc(size, flag_align(flags), flags & TT_MALLOCX_ZERO,
				       TT_FN_MALLOCX)) != NULL)
			return p;
		return tt_je_mallocx(size, flags);
	}
	if (size > PTRDIFF_MAX - offset)
		return NULL;
	real = tt_je_mallocx(size + offset, flags);
	if (real == NULL)
		return NULL;
	return tracked(finish(real, (uint32_t)offset), size, TT_FN_MALLOCX);
}

TT_EXPORT void *
rallocx(void *p, size_t size, int flags)
{
	int saved = errno;
	void *q;

	if (lean()) {
		q = lean_resize(p, size, flags, TT_FN_RALLOCX);
		errno = saved;
		return q;
	}
	if (tt_hdr_of(p)->offset != TT_HDR_SIZE || flag_align(flags) > TT_HDR_SIZE ||
	    (flags & ~TT_MALLOCX_LG_ALIGN_MASK) != 0) {
		q = mallocx(size, flags);
		if (q != NULL) {
			size_t old = malloc_usable_size(p);

			memcpy(q, p, old < size ? old : size);
			free(p);
		}
		return q;
	}
	q = block_resize(p, size, 0, TT_FN_RALLOCX);
	errno = saved;
	return q;
}

TT_EXPORT size_t
xallocx(void *p, size_t size, size_t extra, int flags)
{
	struct tt_hdr *h = tt_hdr_of(p);
	size_t offset, before, after;

	if (lean_now() && !tt_in_sarena(p))
		return tt_je_xallocx(p, size, extra, flags);
	offset = h->offset;
	before = malloc_usable_size(p);

	after = tt_je_xallocx(real_of(p), size + offset, extra,
			      flags & ~TT_MALLOCX_LG_ALIGN_MASK) - offset;
	if (after != before && h->slot != 0) {
		size_t asked = size + extra < after ? size + extra : after;

		tt_record_free(p, NULL);
		tracked(p, asked, TT_FN_XALLOCX);
	}
	return after;
}

TT_EXPORT size_t
sallocx(const void *p, int flags)
{
	(void)flags;
	return malloc_usable_size((void *)p);
}

TT_EXPORT void
dallocx(void *p, int flags)
{
	char *real;

	if (lean_now()) {
		if (!tt_in_sarena(p))
			tt_je_dallocx(p, flags);
		else
			lean_free(p);
		return;
	}
	real = block_release(p, NULL);
	if (real != NULL)
		tt_je_dallocx(real, flags & ~TT_MALLOCX_LG_ALIGN_MASK);
}

TT_EXPORT void
sdallocx(void *p, size_t size, int flags)
{
	if (lean_now() && !tt_in_sarena(p)) {
		tt_je_sdallocx(p, size, flags);
		return;
	}
	/* A header changes the real size; let jemalloc look. */
	dallocx(p, flags);
}

TT_EXPORT size_t
nallocx(size_t size, int flags)
{
	size_t offset = flag_offset(flags);
	size_t n;

	if (lean())
		return tt_je_nallocx(size, flags);
	if (size > PTRDIFF_MAX - offset)
		return 0;
	n = tt_je_nallocx(size + offset, flags);
	return n ? n - offset : 0;
}

TT_EXPORT int
mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
	return tt_je_mallctl(name, oldp, oldlenp, newp, newlen);
}

TT_EXPORT int
mallctlnametomib(const char *name, size_t *mibp, size_t *miblenp)
{
	return tt_je_mallctlnametomib(name, mibp, miblenp);
}

TT_EXPORT int
mallctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp,
	     void *newp, size_t newlen)
{
	return tt_je_mallctlbymib(mib, miblen, oldp, oldlenp, newp, newlen);
}

TT_EXPORT void
malloc_stats_print(void (*write_cb)(void *, const char *), void *cbopaque,
		   const char *opts)
{
	tt_je_malloc_stats_print(write_cb, cbopaque, opts);
}
