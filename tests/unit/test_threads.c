/*
 * test_threads.c - the thread registry's stack bounds: every thread's
 * bounds, as tt_threads_started() records them, are the ones
 * pthread_getattr_np gives, for default stacks (first and reused ones from
 * glibc's cache), other sizes and guards, and a stack the program supplies;
 * and on glibc every thread after the first gets them from the thread
 * descriptor without asking pthread_getattr_np; the main thread's come
 * from the maps, read raw, and are glibc's too whatever RLIMIT_STACK says.
 */
#include <pthread.h>
#include <sys/resource.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/threads.h"

struct seen {
	uintptr_t lo, hi;		/* recorded by tt_threads_started */
	uintptr_t want_lo, want_hi;	/* pthread_getattr_np's */
};

static int
setup(void **state)
{
	static int done;

	(void)state;
	if (!done) {
		assert_int_equal(tt_threads_init(256), 0);
		done = 1;
	}
	return 0;
}

static void *
worker(void *p)
{
	struct seen *s = p;
	struct tt_thread *t = tt_threads_take();
	pthread_attr_t attr;
	void *addr;
	size_t size;

	if (t == NULL)
		return NULL;
	tt_threads_started(t);
	s->lo = t->stack_lo;
	s->hi = t->stack_hi;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
			s->want_lo = (uintptr_t)addr;
			s->want_hi = (uintptr_t)addr + size;
		}
		pthread_attr_destroy(&attr);
	}
	tt_threads_give(t);
	return NULL;
}

static void
run_checked(const pthread_attr_t *attr, int n)
{
	pthread_t th[8];
	struct seen s[8];

	assert_true(n <= 8);
	memset(s, 0, sizeof(s));
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_create(&th[i], attr, worker, &s[i]), 0);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < n; i++) {
		assert_int_not_equal(s[i].want_hi, 0);
		assert_int_equal(s[i].lo, s[i].want_lo);
		assert_int_equal(s[i].hi, s[i].want_hi);
	}
}

static void
test_default_stacks_first_and_reused(void **state)
{
	uint64_t asks, asks_after;

	(void)state;
	run_checked(NULL, 4);
	/* learnt from the first thread: glibc's descriptor has the bounds */
	assert_true(tt_threads_stack_word(&asks) >= 0);
	for (int wave = 0; wave < 4; wave++)	/* these reuse cached stacks */
		run_checked(NULL, 4);
	/* and no later thread asked pthread_getattr_np for them */
	tt_threads_stack_word(&asks_after);
	assert_int_equal(asks_after, asks);
}

static void
test_other_sizes_and_guards(void **state)
{
	pthread_attr_t attr;
	size_t sizes[] = { 64 << 10, 1 << 20, 256 << 10, 64 << 10 };

	uint64_t asks, asks_after;

	(void)state;
	tt_threads_stack_word(&asks);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, sizes[i]);
		pthread_attr_setguardsize(&attr, (i % 2) ? 0 : (size_t)(i + 1) * 16384);
		run_checked(&attr, 3);
		pthread_attr_destroy(&attr);
	}
	tt_threads_stack_word(&asks_after);
	assert_int_equal(asks_after, asks);
}

static void
test_program_supplied_stack(void **state)
{
	pthread_attr_t attr;
	size_t size = 256 << 10;
	void *stack = NULL;
	uint64_t asks, asks_after;

	(void)state;
	assert_int_equal(posix_memalign(&stack, 65536, size), 0);
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, size);
	tt_threads_stack_word(&asks);
	run_checked(&attr, 1);
	tt_threads_stack_word(&asks_after);
	assert_int_equal(asks_after, asks);
	pthread_attr_destroy(&attr);
	free(stack);
}

/* The main thread's bounds under three stack limits, against glibc's. */
static void
test_main_thread(void **state)
{
	rlim_t limits[] = { 8 << 20, 1 << 20, RLIM_INFINITY };
	struct rlimit old;
	uint64_t asks, asks_after;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_STACK, &old), 0);
	tt_threads_stack_word(&asks);
	for (unsigned i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit rl = { limits[i], old.rlim_max };
		struct tt_thread *t = tt_threads_take();
		pthread_attr_t attr;
		void *addr;
		size_t size;
		uintptr_t lo, hi;

		if (limits[i] > old.rlim_max)
			continue;	/* not raisable here */
		assert_int_equal(setrlimit(RLIMIT_STACK, &rl), 0);
		assert_non_null(t);
		atomic_store(&t->flags, TT_THR_MAIN);
		tt_threads_started(t);
		lo = t->stack_lo;
		hi = t->stack_hi;
		tt_threads_give(t);
		assert_int_equal(pthread_getattr_np(pthread_self(), &attr), 0);
		assert_int_equal(pthread_attr_getstack(&attr, &addr, &size), 0);
		pthread_attr_destroy(&attr);
		assert_int_equal(lo, (uintptr_t)addr);
		assert_int_equal(hi, (uintptr_t)addr + size);
	}
	assert_int_equal(setrlimit(RLIMIT_STACK, &old), 0);
	tt_threads_stack_word(&asks_after);
	assert_int_equal(asks_after, asks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_default_stacks_first_and_reused, setup),
		cmocka_unit_test_setup(test_other_sizes_and_guards, setup),
		cmocka_unit_test_setup(test_program_supplied_stack, setup),
		cmocka_unit_test_setup(test_main_thread, setup),
	};

	return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
