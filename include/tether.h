/*
 * tether.h - per-test leak checks with tether, for test suites.
 *
 * Header only: nothing to link.  When the program runs under tether
 * (tether check, tether run, or LD_PRELOAD=libtether.so) the calls reach
 * the library; otherwise they do nothing and report no leaks.
 *
 *	tether_mark_t m = tether_mark();
 *	run_one_test();
 *	assert(tether_check(m) == 0);	// no memory or threads leaked since m
 *
 * tether_check() stops the other threads for a reachability scan (as at
 * exit), prints a report of what leaked since the mark on stderr, writes
 * a dump, and returns how many blocks were lost (definitely or indirectly)
 * plus how many threads started since the mark are still unjoined or can
 * never wake (blocked on a lock, condition variable or semaphore that no
 * thread able to run can reach).
 *
 * tether_dump() writes a heap snapshot now, while the program runs, next
 * to the other dumps (TETHER_OUTPUT), and returns its number; see
 * "On a long-running process" in tether(1).
 *
 * tether_check_repeat() runs a test body once to warm up, takes a mark,
 * runs it n more times, and fails (returns nonzero) only when the memory
 * still live from those runs keeps growing in the second half of them:
 * one-time initialisation (a lazily built table, a first-use cache) is not
 * a leak, a per-call leak or an unbounded cache is.  See tether-check(1).
 */
#ifndef TETHER_H
#define TETHER_H

#include <dlfcn.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned long long tether_mark_t;

/* What libtether.so exports for this header (libtether(7)). */
typedef tether_mark_t (*tether_mark_fn_)(void);
typedef long (*tether_check_fn_)(tether_mark_t mark, unsigned flags,
				 unsigned long long *live_bytes);
typedef long (*tether_dump_fn_)(char *path, unsigned long len);

static inline void *
tether_sym_(const char *name)
{
	return dlsym((void *)0 /* RTLD_DEFAULT */, name);
}

/* tether_loaded() - whether the program runs under tether. */
static inline int
tether_loaded(void)
{
	return tether_sym_("tether_lib_mark") != (void *)0;
}

/* tether_mark() - a point to check from; 0 when tether is not loaded. */
static inline tether_mark_t
tether_mark(void)
{
	tether_mark_fn_ f = (tether_mark_fn_)tether_sym_("tether_lib_mark");

	return f ? f() : 0;
}

/*
 * tether_check() - scan now; report and count what leaked since mark:
 * lost blocks allocated since it, and threads started since it that are
 * neither joined nor detached, or that can never wake.  Return: that
 * count (0 = clean, or tether not loaded), -1 if the scan failed.
 */
static inline long
tether_check(tether_mark_t mark)
{
	tether_check_fn_ f = (tether_check_fn_)tether_sym_("tether_lib_check");

	return f ? f(mark, 0, (unsigned long long *)0) : 0;
}

/*
 * tether_dump_path() - write a dump now (the calling thread writes it,
 * after a dump in progress, if any; other threads go on allocating) and
 * put its file name in path (len bytes at most, NUL-terminated; path may
 * be NULL).  The dump counts among the TETHER_KEEP_DUMPS kept.  Not for
 * signal handlers.  Return: the dump's number in this process (1, 2, ...),
 * 0 when tether is not loaded (path is then ""), -1 when the dump failed
 * (said on stderr) or tether is disabled.
 */
static inline long
tether_dump_path(char *path, unsigned long len)
{
	tether_dump_fn_ f = (tether_dump_fn_)tether_sym_("tether_lib_dump");

	if (f == 0 && path != (char *)0 && len > 0)
		path[0] = '\0';
	return f ? f(path, len) : 0;
}

/* tether_dump() - tether_dump_path() without the name. */
static inline long
tether_dump(void)
{
	return tether_dump_path((char *)0, 0);
}

/*
 * tether_check_repeat() - run fn(arg) once, then n more times (n >= 2),
 * and say whether the memory it leaves live grows with the repetitions:
 * the bytes still allocated since the warm-up, measured after n/2 runs and
 * after n, must not grow.  Return: 0 = no growth (or tether not loaded),
 * else the bytes gained in the second half; the report is printed.
 */
static inline long
tether_check_repeat(unsigned n, void (*fn)(void *), void *arg)
{
	tether_check_fn_ f = (tether_check_fn_)tether_sym_("tether_lib_check");
	tether_mark_t m;
	unsigned long long half = 0, end = 0;

	fn(arg);
	if (f == 0) {
		for (unsigned i = 0; i < n; i++)
			fn(arg);
		return 0;
	}
	m = tether_mark();
	for (unsigned i = 0; i < n; i++) {
		fn(arg);
		if (i + 1 == n / 2)
			f(m, 1, &half);		/* 1: measure quietly */
	}
	f(m, 1, &end);
	if (end <= half)
		return 0;
	f(m, 0, (unsigned long long *)0);	/* the report, for the reader */
	return (long)(end - half);
}

#ifdef __cplusplus
}
#endif

#endif /* TETHER_H */
