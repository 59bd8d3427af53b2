/*
 * test_options.c - the TETHER_* value parser shared by the library and the
 * tool: accepted forms, ranges, error messages, misspelling hints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/io.h"
#include "lib/options.h"

static void
test_options_defaults(void **state)
{
	struct tt_opts o;

	(void)state;
	tt_opt_defaults(&o);
	assert_string_equal(o.output, ".");
	assert_int_equal(o.stack_depth, 64);
	assert_int_equal(o.max_blocks, 64ull << 20);
	assert_int_equal(o.follow_fork, 1);
	assert_int_equal(o.verbose, 0);
}

static void
test_options_bool_forms(void **state)
{
	static const char *const yes[] = { "1", "yes", "YES", "on", "true", "True" };
	static const char *const no[] = { "0", "no", "off", "false", "FALSE" };
	struct tt_opts o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		o.verbose = 0;
		assert_int_equal(tt_opt_parse(TT_OPT_VERBOSE, yes[i], &o, err, sizeof(err)), 0);
		assert_int_equal(o.verbose, 1);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
		o.verbose = 1;
		assert_int_equal(tt_opt_parse(TT_OPT_VERBOSE, no[i], &o, err, sizeof(err)), 0);
		assert_int_equal(o.verbose, 0);
	}
	assert_int_equal(tt_opt_parse(TT_OPT_VERBOSE, "maybe", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "TETHER_VERBOSE=maybe: expected yes or no "
			    "(1/0, on/off, true/false)");
}

static void
test_options_uint_range(void **state)
{
	struct tt_opts o;
	char err[256];

	(void)state;
	assert_int_equal(tt_opt_parse(TT_OPT_STACK_DEPTH, "1", &o, err, sizeof(err)), 0);
	assert_int_equal(o.stack_depth, 1);
	assert_int_equal(tt_opt_parse(TT_OPT_STACK_DEPTH, "256", &o, err, sizeof(err)), 0);
	assert_int_equal(o.stack_depth, 256);
	assert_int_equal(tt_opt_parse(TT_OPT_STACK_DEPTH, "257", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "TETHER_STACK_DEPTH=257: expected a whole number from 1 to 256");
	assert_int_equal(tt_opt_parse(TT_OPT_STACK_DEPTH, "0", &o, err, sizeof(err)), -1);
	assert_int_equal(tt_opt_parse(TT_OPT_STACK_DEPTH, "12x", &o, err, sizeof(err)), -1);
	assert_int_equal(tt_opt_parse(TT_OPT_STACK_DEPTH, "", &o, err, sizeof(err)), -1);
	assert_int_equal(tt_opt_parse(TT_OPT_STACK_DEPTH, "-3", &o, err, sizeof(err)), -1);
	assert_int_equal(tt_opt_parse(TT_OPT_STACK_DEPTH, "99999999999999999999999",
				      &o, err, sizeof(err)), -1);
}

static void
test_options_size_suffixes(void **state)
{
	uint64_t v;
	struct tt_opts o;
	char err[256];

	(void)state;
	assert_int_equal(tt_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(tt_parse_size("64M", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(tt_parse_size("2k", &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(tt_parse_size("1GiB", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(tt_parse_size("1MB", &v), 0);
	assert_int_equal(v, 1ull << 20);
	assert_int_equal(tt_parse_size("M", &v), -1);
	assert_int_equal(tt_parse_size("1X", &v), -1);
	assert_int_equal(tt_parse_size("99999999999T", &v), -1);
	assert_int_equal(tt_opt_parse(TT_OPT_MAX_BLOCKS, "10", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "TETHER_MAX_BLOCKS=10: expected a count from 1024"));
}

static void
test_options_lookup_and_hint(void **state)
{
	(void)state;
	assert_int_equal(tt_opt_lookup("TETHER_OUTPUT=/tmp"), TT_OPT_OUTPUT);
	assert_int_equal(tt_opt_lookup("TETHER_OUTPUT"), TT_OPT_OUTPUT);
	assert_int_equal(tt_opt_lookup("TETHER_OUTPUTS=x"), -1);
	assert_string_equal(tt_opt_suggest("TETHER_OUPTUT=x"), "TETHER_OUTPUT");
	assert_string_equal(tt_opt_suggest("TETHER_STACKDEPTH=3"), "TETHER_STACK_DEPTH");
	assert_null(tt_opt_suggest("TETHER_SOMETHING_ELSE_ENTIRELY=1"));
}

static void
test_options_empty_string(void **state)
{
	struct tt_opts o;
	char err[256];

	(void)state;
	assert_int_equal(tt_opt_parse(TT_OPT_OUTPUT, "", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "TETHER_OUTPUT is empty: expected a value");
}

static void
test_io_fmt_forms(void **state)
{
	char buf[64];

	(void)state;
	tt_fmt(buf, sizeof(buf), "%s|%.*s|%d|%u|%x|%zu|%lld|%c|%%", "ab", 3,
	       "NAME=value", -42, 42u, 255u, (size_t)7, -5ll, 'z');
	assert_string_equal(buf, "ab|NAM|-42|42|ff|7|-5|z|%");
	assert_int_equal(tt_fmt(buf, 5, "%s", "truncated"), 4);
	assert_string_equal(buf, "trun");
	tt_fmt(buf, sizeof(buf), "%p", (void *)0x1234);
	assert_string_equal(buf, "0x1234");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_options_bool_forms),
		cmocka_unit_test(test_options_uint_range),
		cmocka_unit_test(test_options_size_suffixes),
		cmocka_unit_test(test_options_lookup_and_hint),
		cmocka_unit_test(test_options_empty_string),
		cmocka_unit_test(test_io_fmt_forms),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
