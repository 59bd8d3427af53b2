/*
 * test_api.c - include/tether.h in a cmocka suite, as a project's own
 * tests would use it: a clean test case passes tether_check(), one that
 * loses a block is caught, tether_check_repeat() fails a body that leaks
 * on every call and passes one that only fills a cache once.
 *
 * It needs the library: `make check-under-tether` runs it under tether
 * check; without tether (plain make check, the ASan build), where tether.h
 * is a no-op, the whole program is a TAP skip.  What the
 * leaking cases lose is kept out of sight (pointers stored inverted, so no
 * word points at the block) and freed before the program ends: the gate
 * around this program must still pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "include/tether.h"

#define HIDDEN_MAX 64

/* Blocks lost on purpose, as ~address: unreachable to a scan. */
static uintptr_t hidden[HIDDEN_MAX];
static size_t nhidden;

static __attribute__((noinline)) void
lose(size_t size)
{
	char *p = malloc(size);

	assert_non_null(p);
	memset(p, 7, size);
	assert_true(nhidden < HIDDEN_MAX);
	hidden[nhidden++] = ~(uintptr_t)p;
}

/* Clear the dead stack below, where the lost pointers were. */
static __attribute__((noinline)) void
scrub(void)
{
	volatile char pad[8192];

	memset((char *)pad, 0, sizeof(pad));
}

static void
free_hidden(void)
{
	while (nhidden > 0)
		free((void *)~hidden[--nhidden]);
}

static void
clean_case_passes(void **state)
{
	tether_mark_t m;
	char *p;

	(void)state;
	m = tether_mark();
	p = malloc(100);
	memset(p, 1, 100);
	free(p);
	assert_int_equal(tether_check(m), 0);
}

static void
lost_block_is_caught(void **state)
{
	tether_mark_t m;

	(void)state;
	m = tether_mark();
	lose(48);
	scrub();
	/* one block lost since the mark; the report goes to stderr */
	assert_int_equal(tether_check(m), 1);
	free_hidden();
}

static void
leaky_body(void *arg)
{
	(void)arg;
	lose(16);
}

static void
leak_growing_with_repetitions_fails(void **state)
{
	(void)state;
	/* lost or kept, the bytes each call leaves live grow */
	assert_true(tether_check_repeat(8, leaky_body, NULL) > 0);
	free_hidden();
}

static void *cache;

static void
lazy_body(void *arg)
{
	(void)arg;
	if (cache == NULL)
		cache = calloc(1, 4096);	/* built once, on first use */
}

static void
one_time_cache_passes(void **state)
{
	(void)state;
	assert_int_equal(tether_check_repeat(8, lazy_body, NULL), 0);
	free(cache);
	cache = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean_case_passes),
		cmocka_unit_test(lost_block_is_caught),
		cmocka_unit_test(leak_growing_with_repetitions_fails),
		cmocka_unit_test(one_time_cache_passes),
	};

	if (!tether_loaded()) {
		/* cmocka's TAP marks a skipped case "not ok": skip it whole */
		printf("1..0 # SKIP tether.h needs libtether.so: make check-under-tether runs this\n");
		return 0;
	}
	return cmocka_run_group_tests_name("tether.h", tests, NULL, NULL);
}
