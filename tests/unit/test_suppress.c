/*
 * test_suppress.c - suppression files of tether check: the glob matcher
 * (anchors, stars, empty strings), the parser (comments, blanks, CRLF,
 * every error with its line number), loading files, and matching leaks
 * and threads against frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/suppress.h"

/* Parse a NUL-terminated text as "supp.txt" into s; 0 or -1. */
static int
parse(struct tt_supps *s, const char *text, char *err, size_t errlen)
{
	return tt_supps_parse(s, "supp.txt", text, strlen(text), err, errlen);
}

/* The error text gives, from a fresh struct; no entry must survive it. */
static void
assert_parse_error(const char *text, size_t len, const char *want)
{
	struct tt_supps s = { 0 };
	char err[256];

	strcpy(err, "unset");
	assert_int_equal(tt_supps_parse(&s, "supp.txt", text, len, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	tt_supps_free(&s);
}

/* For a literal: its length, embedded NULs included. */
#define PARSE_ERROR(text, want) assert_parse_error(text, sizeof(text) - 1, want)

static void
test_supp_match_substring(void **state)
{
	(void)state;
	assert_true(tt_supp_pattern_match("foo", "foo"));
	assert_true(tt_supp_pattern_match("foo", "xfoo"));
	assert_true(tt_supp_pattern_match("foo", "foox"));
	assert_true(tt_supp_pattern_match("oo", "xfoox"));
	assert_true(tt_supp_pattern_match("libfoo.so", "/usr/lib/libfoo.so.1"));
	assert_false(tt_supp_pattern_match("foo", "fo"));
	assert_false(tt_supp_pattern_match("foo", "f_oo"));
	/* Case-sensitive. */
	assert_false(tt_supp_pattern_match("Foo", "foo"));
	assert_false(tt_supp_pattern_match("foo", "FOO"));
	/* A partial match followed by the real one. */
	assert_true(tt_supp_pattern_match("aab", "aaab"));
	assert_true(tt_supp_pattern_match("abab", "abaabab"));
}

static void
test_supp_match_anchors(void **state)
{
	(void)state;
	assert_true(tt_supp_pattern_match("^foo", "foobar"));
	assert_false(tt_supp_pattern_match("^foo", "xfoobar"));
	assert_true(tt_supp_pattern_match("bar$", "foobar"));
	assert_false(tt_supp_pattern_match("bar$", "foobarx"));
	assert_true(tt_supp_pattern_match("^foobar$", "foobar"));
	assert_false(tt_supp_pattern_match("^foobar$", "foobarx"));
	assert_false(tt_supp_pattern_match("^foobar$", "xfoobar"));
	assert_false(tt_supp_pattern_match("^foo$", "foofoo"));
	/* Only a leading '^' and a trailing '$' anchor; elsewhere literal. */
	assert_true(tt_supp_pattern_match("a^b", "xa^bx"));
	assert_false(tt_supp_pattern_match("a^b", "ab"));
	assert_true(tt_supp_pattern_match("a$b", "xa$bx"));
	assert_false(tt_supp_pattern_match("a$b", "ab"));
	assert_true(tt_supp_pattern_match("^^a", "^ab"));
	assert_false(tt_supp_pattern_match("^^a", "a"));
	assert_true(tt_supp_pattern_match("a$$", "xa$"));
	assert_false(tt_supp_pattern_match("a$$", "a$x"));
	assert_false(tt_supp_pattern_match("a$$", "a"));
	assert_true(tt_supp_pattern_match("$a", "x$a"));
	assert_false(tt_supp_pattern_match("a^", "a"));
	/* No other glob syntax: '?', '[' and '\\' are plain characters. */
	assert_true(tt_supp_pattern_match("a?c", "a?c"));
	assert_false(tt_supp_pattern_match("a?c", "abc"));
	assert_true(tt_supp_pattern_match("[ab]", "x[ab]"));
	assert_false(tt_supp_pattern_match("[ab]", "a"));
	assert_false(tt_supp_pattern_match("a\\*", "a*"));
	assert_true(tt_supp_pattern_match("a\\*", "a\\"));
}

static void
test_supp_match_stars(void **state)
{
	(void)state;
	assert_true(tt_supp_pattern_match("a*c", "abc"));
	assert_true(tt_supp_pattern_match("a*c", "ac"));
	assert_true(tt_supp_pattern_match("a*c", "xxabbbcxx"));
	assert_false(tt_supp_pattern_match("a*c", "ca"));
	assert_true(tt_supp_pattern_match("^a*c$", "abbbc"));
	assert_false(tt_supp_pattern_match("^a*c$", "abbbcd"));
	/* The star must backtrack past a first 'c'. */
	assert_true(tt_supp_pattern_match("^a*cd$", "acxcd"));
	assert_false(tt_supp_pattern_match("^a*cd$", "acxc"));
	assert_true(tt_supp_pattern_match("^*$", "anything"));
	assert_true(tt_supp_pattern_match("a**b", "ab"));
	assert_true(tt_supp_pattern_match("^a*b*c$", "aXbYc"));
	assert_true(tt_supp_pattern_match("^a*b*c$", "abc"));
	assert_false(tt_supp_pattern_match("^a*b*c$", "acb"));
	assert_true(tt_supp_pattern_match("^*foo*$", "xfoox"));
	assert_true(tt_supp_pattern_match("*::parse*", "std::vector<int> ns::parse(int)"));
	assert_true(tt_supp_pattern_match("^std::*::~*$", "std::map<int>::~map()"));
	assert_false(tt_supp_pattern_match("^std::*::~*$", "ns::std::map::~map()"));
	assert_true(tt_supp_pattern_match("^/usr/lib/*.so", "/usr/lib/x86_64/libc.so.6"));
	assert_true(tt_supp_pattern_match("*.c$", "src/lexer.c"));
	assert_false(tt_supp_pattern_match("*.c$", "src/lexer.cc"));
}

/* A never-matching many-star pattern on a long string ends fast. */
static void
test_supp_match_no_blowup(void **state)
{
	size_t n = 200000;
	char *s = malloc(n + 1);

	(void)state;
	assert_non_null(s);
	memset(s, 'a', n);
	s[n] = '\0';
	assert_false(tt_supp_pattern_match("*a*a*a*a*a*b", s));
	assert_false(tt_supp_pattern_match("^a*a*a*a*a*a*b$", s));
	assert_true(tt_supp_pattern_match("a*a*a*a*a*a", s));
	s[n - 1] = 'b';
	assert_true(tt_supp_pattern_match("*a*a*a*a*a*b", s));
	assert_true(tt_supp_pattern_match("^a*a*a*a*a*a*b$", s));
	free(s);
}

static void
test_supp_match_empty(void **state)
{
	(void)state;
	assert_true(tt_supp_pattern_match("", ""));
	assert_true(tt_supp_pattern_match("", "x"));
	assert_true(tt_supp_pattern_match("*", ""));
	assert_true(tt_supp_pattern_match("**", ""));
	assert_true(tt_supp_pattern_match("^", ""));
	assert_true(tt_supp_pattern_match("^", "x"));
	assert_true(tt_supp_pattern_match("$", ""));
	assert_true(tt_supp_pattern_match("$", "x"));
	assert_true(tt_supp_pattern_match("^$", ""));
	assert_false(tt_supp_pattern_match("^$", "x"));
	assert_true(tt_supp_pattern_match("^*$", ""));
	assert_false(tt_supp_pattern_match("x", ""));
	assert_false(tt_supp_pattern_match("^x", ""));
	assert_false(tt_supp_pattern_match("x$", ""));
	assert_false(tt_supp_pattern_match("*x*", ""));
	assert_false(tt_supp_pattern_match(NULL, "x"));
	assert_false(tt_supp_pattern_match("x", NULL));
	assert_false(tt_supp_pattern_match("", NULL));
}

static void
test_supp_parse_entries(void **state)
{
	struct tt_supps s = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(parse(&s, "leak:foo\nthread:^worker_main$\nleak:libx.so\n",
			       err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.nfiles, 1);
	assert_string_equal(s.files[0], "supp.txt");
	assert_int_equal(s.v[0].kind, TT_SUPP_LEAK);
	assert_string_equal(s.v[0].pattern, "foo");
	assert_int_equal(s.v[0].line, 1);
	assert_int_equal(s.v[1].kind, TT_SUPP_THREAD);
	assert_string_equal(s.v[1].pattern, "^worker_main$");
	assert_int_equal(s.v[1].line, 2);
	assert_int_equal(s.v[2].kind, TT_SUPP_LEAK);
	assert_string_equal(s.v[2].pattern, "libx.so");
	assert_int_equal(s.v[2].line, 3);
	for (size_t i = 0; i < s.n; i++) {
		/* The entries borrow the struct's own copy of the name. */
		assert_ptr_equal(s.v[i].file, s.files[0]);
		assert_int_equal(s.v[i].hit_count, 0);
		assert_int_equal(s.v[i].hit_bytes, 0);
	}
	/* A second file appends, with its own name and line numbers. */
	assert_int_equal(tt_supps_parse(&s, "more.supp", "\nthread:t", 9, err, sizeof(err)), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.nfiles, 2);
	assert_string_equal(s.v[3].file, "more.supp");
	assert_ptr_equal(s.v[3].file, s.files[1]);
	assert_int_equal(s.v[3].line, 2);
	assert_ptr_equal(s.v[0].file, s.files[0]);
	tt_supps_free(&s);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
	assert_null(s.files);
	assert_int_equal(s.nfiles, 0);
	/* Freeing twice, or an empty struct, is harmless. */
	tt_supps_free(&s);
}

static void
test_supp_parse_blanks_comments(void **state)
{
	static const char text[] =
		"# a comment\n"
		"   # an indented comment\n"
		"\t#leak:commented_out\n"
		"\n"
		"  \t \n"
		"  leak:  foo bar  \t\n"
		"leak:a#b # not a comment\n"
		"thread:#1\n"
		"\tthread:\tname with\ttab\t\n"
		"leak:x:y\n"
		"leak:*\n";
	struct tt_supps s = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(parse(&s, text, err, sizeof(err)), 0);
	assert_int_equal(s.n, 6);
	assert_string_equal(s.v[0].pattern, "foo bar");
	assert_int_equal(s.v[0].line, 6);
	assert_string_equal(s.v[1].pattern, "a#b # not a comment");
	assert_int_equal(s.v[1].line, 7);
	assert_string_equal(s.v[2].pattern, "#1");
	assert_int_equal(s.v[2].kind, TT_SUPP_THREAD);
	assert_string_equal(s.v[3].pattern, "name with\ttab");
	assert_int_equal(s.v[3].line, 9);
	/* Only the first ':' ends the kind. */
	assert_string_equal(s.v[4].pattern, "x:y");
	assert_string_equal(s.v[5].pattern, "*");
	assert_int_equal(s.v[5].line, 11);
	tt_supps_free(&s);

	/* Nothing but comments and blanks, or nothing at all. */
	assert_int_equal(parse(&s, "#\n\n   \n# leak:x", err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(tt_supps_parse(&s, "empty", NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.nfiles, 2);
	tt_supps_free(&s);
}

static void
test_supp_parse_crlf(void **state)
{
	struct tt_supps s = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(parse(&s, "# dos\r\n\r\nleak:foo\r\nthread:bar \r\r\nleak:last\r",
			       err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].pattern, "foo");
	assert_int_equal(s.v[0].line, 3);
	assert_string_equal(s.v[1].pattern, "bar");
	assert_int_equal(s.v[1].line, 4);
	assert_string_equal(s.v[2].pattern, "last");
	assert_int_equal(s.v[2].line, 5);
	tt_supps_free(&s);
	/* A '\r' inside a line is no line break. */
	assert_int_equal(parse(&s, "leak:a\rb\n", err, sizeof(err)), 0);
	assert_string_equal(s.v[0].pattern, "a\rb");
	tt_supps_free(&s);
	PARSE_ERROR("leak:ok\r\nleak:\r\n", "supp.txt:2: empty pattern");
}

static void
test_supp_parse_errors(void **state)
{
	(void)state;
	PARSE_ERROR("leak:a\n#\n\ncalled_from_lib:libfoo.so\n",
			   "supp.txt:4: unknown kind 'called_from_lib' "
			   "(expected leak: or thread:)");
	/* The kind is taken exactly. */
	PARSE_ERROR("leak :foo",
			   "supp.txt:1: unknown kind 'leak ' (expected leak: or thread:)");
	PARSE_ERROR("Leak:foo",
			   "supp.txt:1: unknown kind 'Leak' (expected leak: or thread:)");
	PARSE_ERROR("threads:foo",
			   "supp.txt:1: unknown kind 'threads' (expected leak: or thread:)");
	/* A long or unprintable kind is cut and cleaned in the message. */
	PARSE_ERROR("abcdefghijklmnopqrstuvwxyz0123456789:x",
			   "supp.txt:1: unknown kind 'abcdefghijklmnopqrstuvwxyz012345...' "
			   "(expected leak: or thread:)");
	PARSE_ERROR("le\033[1mak:x",
			   "supp.txt:1: unknown kind 'le?[1mak' (expected leak: or thread:)");

	PARSE_ERROR("\n\n\n\nleak:\n", "supp.txt:5: empty pattern");
	PARSE_ERROR("thread: \t ", "supp.txt:1: empty pattern");
	/* An unknown kind is reported before an empty pattern. */
	PARSE_ERROR("race:",
			   "supp.txt:1: unknown kind 'race' (expected leak: or thread:)");

	PARSE_ERROR("leak:a\nleak:b\n\n\n\n\nfoo\n",
			   "supp.txt:7: line has no kind (expected leak:PATTERN or "
			   "thread:PATTERN)");
	PARSE_ERROR("leak",
			   "supp.txt:1: line has no kind (expected leak:PATTERN or "
			   "thread:PATTERN)");
	PARSE_ERROR("  :foo",
			   "supp.txt:1: line has no kind (expected leak:PATTERN or "
			   "thread:PATTERN)");

	PARSE_ERROR("leak:a\nleak:b\0c\n",
			   "supp.txt:2: NUL byte in the line (not a text file?)");
	PARSE_ERROR("leak:a\n\0",
			   "supp.txt:2: NUL byte in the line (not a text file?)");
	/* Even in a comment. */
	PARSE_ERROR("# \0\n", "supp.txt:1: NUL byte in the line (not a text file?)");
}

static void
test_supp_parse_long_lines(void **state)
{
	size_t n = TT_SUPP_LINE_MAX + 16;
	char *text = malloc(n);
	struct tt_supps s = { 0 };
	char err[256];

	(void)state;
	assert_non_null(text);
	/* Line 2 is exactly TT_SUPP_LINE_MAX bytes, '\n' not counted. */
	memcpy(text, "#\n", 2);
	memcpy(text + 2, "leak:", 5);
	memset(text + 7, 'x', TT_SUPP_LINE_MAX - 5);
	text[2 + TT_SUPP_LINE_MAX] = '\n';
	assert_int_equal(tt_supps_parse(&s, "supp.txt", text, TT_SUPP_LINE_MAX + 3, err,
					sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(strlen(s.v[0].pattern), TT_SUPP_LINE_MAX - 5);
	tt_supps_free(&s);
	/* Without its '\n' too. */
	assert_int_equal(tt_supps_parse(&s, "supp.txt", text, TT_SUPP_LINE_MAX + 2, err,
					sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	tt_supps_free(&s);
	/* One byte more, even a blank or a '\r', is too long. */
	text[2 + TT_SUPP_LINE_MAX] = '\r';
	text[3 + TT_SUPP_LINE_MAX] = '\n';
	assert_parse_error(text, TT_SUPP_LINE_MAX + 4,
			   "supp.txt:2: line longer than 4096 bytes");
	/* A NUL past the limit: the length is what is wrong first. */
	text[2 + TT_SUPP_LINE_MAX] = '\0';
	assert_parse_error(text, TT_SUPP_LINE_MAX + 4,
			   "supp.txt:2: line longer than 4096 bytes");
	/* A NUL within it comes first. */
	text[100] = '\0';
	assert_parse_error(text, TT_SUPP_LINE_MAX + 4,
			   "supp.txt:2: NUL byte in the line (not a text file?)");
	/* A long comment is too long as well. */
	memset(text, '#', n);
	assert_parse_error(text, n, "supp.txt:1: line longer than 4096 bytes");
	free(text);
}

static void
test_supp_parse_too_many(void **state)
{
	size_t per = strlen("leak:x\n"), n = (size_t)TT_SUPP_MAX + 1;
	char *text = malloc(n * per + 1);
	struct tt_supps s = { 0 };
	char err[256];

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * per, "leak:x\n", per);
	assert_int_equal(tt_supps_parse(&s, "supp.txt", text, (n - 1) * per, err,
					sizeof(err)), 0);
	assert_int_equal(s.n, TT_SUPP_MAX);
	tt_supps_free(&s);
	assert_int_equal(tt_supps_parse(&s, "supp.txt", text, n * per, err, sizeof(err)), -1);
	assert_string_equal(err, "supp.txt:100001: more than 100000 entries");
	/* What came before the error stays, for the caller to free. */
	assert_int_equal(s.n, TT_SUPP_MAX);
	tt_supps_free(&s);

	/* The limit is on the whole struct, across files. */
	assert_int_equal(tt_supps_parse(&s, "a", text, (n - 3) * per, err, sizeof(err)), 0);
	assert_int_equal(tt_supps_parse(&s, "b", "#\nthread:y\nleak:z\nleak:w\n", 25, err,
					sizeof(err)), -1);
	assert_string_equal(err, "b:4: more than 100000 entries");
	assert_int_equal(s.n, TT_SUPP_MAX);
	assert_string_equal(s.v[TT_SUPP_MAX - 1].pattern, "z");
	tt_supps_free(&s);
	free(text);
}

static void
test_supp_parse_error_keeps_earlier(void **state)
{
	struct tt_supps s = { 0 };
	char err[256], small[12];

	(void)state;
	assert_int_equal(parse(&s, "leak:a\nthread:b\nbogus\nleak:c\n", err, sizeof(err)), -1);
	assert_string_equal(err, "supp.txt:3: line has no kind (expected leak:PATTERN or "
			    "thread:PATTERN)");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[1].pattern, "b");
	tt_supps_free(&s);
	/* A small buffer gets the start of the message; none gets nothing. */
	assert_int_equal(parse(&s, "leak:a\nleak:\n", small, sizeof(small)), -1);
	assert_string_equal(small, "supp.txt:2:");
	tt_supps_free(&s);
	assert_int_equal(parse(&s, "leak:a\nleak:\n", small, 4), -1);
	assert_string_equal(small, "sup");
	tt_supps_free(&s);
	assert_int_equal(parse(&s, "leak:\n", NULL, 0), -1);
	tt_supps_free(&s);
}

/* A fresh directory under $TMPDIR or /tmp; *dir is malloc'd. */
static void
make_dir(char **dir)
{
	const char *tmp = getenv("TMPDIR");

	*dir = malloc(4096);
	assert_non_null(*dir);
	snprintf(*dir, 4096, "%s/test_suppress.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(*dir));
}

static char *
write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = malloc(4096);
	FILE *f;

	assert_non_null(path);
	snprintf(path, 4096, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
test_supp_load(void **state)
{
	struct tt_supps s = { 0 };
	char err[512], want[512];
	char *dir, *a, *b, *missing;

	(void)state;
	make_dir(&dir);
	a = write_file(dir, "a.supp", "# a\nleak:foo\r\n", 14);
	b = write_file(dir, "b.supp", "thread:bar", 10);
	assert_int_equal(tt_supps_load(&s, a, err, sizeof(err)), 0);
	assert_int_equal(tt_supps_load(&s, b, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.nfiles, 2);
	assert_string_equal(s.v[0].file, a);
	assert_int_equal(s.v[0].line, 2);
	assert_string_equal(s.v[0].pattern, "foo");
	assert_string_equal(s.v[1].file, b);
	assert_string_equal(s.v[1].pattern, "bar");
	assert_int_equal(s.v[1].kind, TT_SUPP_THREAD);
	/* The names are copies: the caller's strings may go. */
	assert_ptr_not_equal(s.v[0].file, a);

	/* Unreadable: "PATH: <strerror>", nothing added. */
	missing = malloc(4096);
	assert_non_null(missing);
	snprintf(missing, 4096, "%s/missing.supp", dir);
	assert_int_equal(tt_supps_load(&s, missing, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", missing);
	assert_string_equal(err, want);
	assert_int_equal(tt_supps_load(&s, dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: Is a directory", dir);
	assert_string_equal(err, want);
	assert_int_equal(s.n, 2);

	/* A bad line: "PATH:LINE: ...". */
	unlink(b);
	free(b);
	b = write_file(dir, "b.supp", "leak:ok\n\nleak:\n", 15);
	assert_int_equal(tt_supps_load(&s, b, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: empty pattern", b);
	assert_string_equal(err, want);
	assert_int_equal(s.n, 3);
	tt_supps_free(&s);

	unlink(a);
	unlink(b);
	rmdir(dir);
	free(a);
	free(b);
	free(missing);
	free(dir);
}

/*
 * A file bigger than the reader's chunks gives what tt_supps_parse() gives
 * for the same bytes, wherever a line or a bad byte falls.
 */
static void
test_supp_load_chunks(void **state)
{
	size_t n = 200000;
	char *text = malloc(n), *dir, *path;
	char err[512], err2[512], want[512];
	struct tt_supps s = { 0 }, s2 = { 0 };
	size_t len = 0, k = 0, last = 0;

	(void)state;
	assert_non_null(text);
	make_dir(&dir);
	/* Lines of growing length, up to the limit, so they straddle chunks. */
	while (len + TT_SUPP_LINE_MAX + 1 < n - 64) {
		size_t l = 6 + (k * 331) % (TT_SUPP_LINE_MAX - 5);

		last = len;
		memcpy(text + len, "leak:", 5);
		memset(text + len + 5, 'a' + k % 26, l - 5);
		text[len + l] = '\n';
		len += l + 1;
		k++;
	}
	path = write_file(dir, "big.supp", text, len);
	assert_int_equal(tt_supps_load(&s, path, err, sizeof(err)), 0);
	assert_int_equal(tt_supps_parse(&s2, path, text, len, err, sizeof(err)), 0);
	assert_int_equal(s.n, k);
	assert_int_equal(s2.n, k);
	for (size_t i = 0; i < k; i++) {
		assert_string_equal(s.v[i].pattern, s2.v[i].pattern);
		assert_int_equal(s.v[i].line, i + 1);
	}
	tt_supps_free(&s);
	tt_supps_free(&s2);
	unlink(path);
	free(path);

	/* A NUL, then an over-long line, far into the file. */
	text[last + 5] = '\0';
	path = write_file(dir, "nul.supp", text, len);
	assert_int_equal(tt_supps_load(&s, path, err, sizeof(err)), -1);
	assert_int_equal(tt_supps_parse(&s2, path, text, len, err2, sizeof(err2)), -1);
	snprintf(want, sizeof(want), "%s:%zu: NUL byte in the line (not a text file?)",
		 path, k);
	assert_string_equal(err, want);
	assert_string_equal(err2, want);
	assert_int_equal(s.n, k - 1);
	tt_supps_free(&s);
	tt_supps_free(&s2);
	unlink(path);
	free(path);

	memset(text + len - TT_SUPP_LINE_MAX - 100, 'z', TT_SUPP_LINE_MAX + 100);
	path = write_file(dir, "long.supp", text, len);
	assert_int_equal(tt_supps_load(&s, path, err, sizeof(err)), -1);
	assert_int_equal(tt_supps_parse(&s2, path, text, len, err2, sizeof(err2)), -1);
	assert_string_equal(err, err2);
	assert_non_null(strstr(err, ": line longer than 4096 bytes"));
	assert_int_equal(s.n, s2.n);
	tt_supps_free(&s);
	tt_supps_free(&s2);
	unlink(path);
	free(path);

	rmdir(dir);
	free(dir);
	free(text);
}

static void
test_supp_match_leak(void **state)
{
	struct tt_supps s = { 0 };
	char err[256];
	const struct tt_supp_frame stack[] = {
		{ "malloc", NULL, "/usr/lib/libtether.so" },
		{ "token_new", "src/lexer.c", "/usr/bin/calc" },
		{ "main", "src/main.c", "/usr/bin/calc" },
		{ NULL, NULL, NULL },
	};
	const struct tt_supp_frame lib[] = {
		{ NULL, NULL, "/usr/lib/x86_64-linux-gnu/libfontconfig.so.1" },
	};

	(void)state;
	assert_int_equal(parse(&s,
			       "thread:token_new\n"	/* 0: threads only */
			       "leak:^token_new$\n"	/* 1: a function */
			       "leak:lexer.c\n"		/* 2: a file */
			       "leak:libfontconfig.so\n"	/* 3: a module */
			       "leak:^main\n",		/* 4 */
			       err, sizeof(err)), 0);
	/* The first entry in file order wins, whatever the frame. */
	assert_ptr_equal(tt_supps_match_leak(&s, stack, 4), &s.v[1]);
	assert_ptr_equal(tt_supps_match_leak(&s, stack + 2, 2), &s.v[4]);
	assert_ptr_equal(tt_supps_match_leak(&s, lib, 1), &s.v[3]);
	assert_null(tt_supps_match_leak(&s, stack, 1));
	assert_null(tt_supps_match_leak(&s, stack + 3, 1));
	assert_null(tt_supps_match_leak(&s, NULL, 0));
	/* Matching leaves the counts to the caller. */
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.v[i].hit_count, 0);
	tt_supps_free(&s);

	assert_int_equal(parse(&s, "leak:src/*.c$\n", err, sizeof(err)), 0);
	assert_ptr_equal(tt_supps_match_leak(&s, stack + 1, 1), &s.v[0]);
	tt_supps_free(&s);
	assert_int_equal(parse(&s, "leak:calc$\n", err, sizeof(err)), 0);
	assert_ptr_equal(tt_supps_match_leak(&s, stack + 2, 1), &s.v[0]);
	assert_null(tt_supps_match_leak(&s, stack, 1));
	tt_supps_free(&s);
	assert_null(tt_supps_match_leak(&s, stack, 4));
	assert_null(tt_supps_match_leak(NULL, stack, 4));
}

static void
test_supp_match_thread(void **state)
{
	struct tt_supps s = { 0 };
	char err[256];
	const struct tt_supp_frame create[] = {
		{ "pthread_create", NULL, "/usr/lib/libtether.so" },
		{ "pool_start", "src/pool.c", "/usr/lib/libpool.so.2" },
		{ "main", "src/main.c", "/usr/bin/srv" },
	};
	const struct tt_supp_frame worker = { "worker", NULL, NULL };

	(void)state;
	assert_int_equal(parse(&s,
			       "leak:^worker$\n"	/* 0: leaks only */
			       "thread:^worker$\n"	/* 1: a name */
			       "thread:^io_loop$\n"	/* 2: a start routine */
			       "thread:pool.c\n"	/* 3: a creation frame's file */
			       "thread:libpool.so\n"	/* 4: its module */
			       "thread:^main$\n",	/* 5: a function */
			       err, sizeof(err)), 0);
	assert_ptr_equal(tt_supps_match_thread(&s, "worker", "io_loop", create, 3), &s.v[1]);
	assert_ptr_equal(tt_supps_match_thread(&s, "workers", "io_loop", create, 3), &s.v[2]);
	assert_ptr_equal(tt_supps_match_thread(&s, NULL, NULL, create, 3), &s.v[3]);
	assert_ptr_equal(tt_supps_match_thread(&s, "x", "y", create + 2, 1), &s.v[5]);
	assert_ptr_equal(tt_supps_match_thread(&s, "worker", NULL, NULL, 0), &s.v[1]);
	assert_ptr_equal(tt_supps_match_thread(&s, NULL, "io_loop", NULL, 0), &s.v[2]);
	assert_null(tt_supps_match_thread(&s, "x", "y", create, 1));
	assert_null(tt_supps_match_thread(&s, NULL, NULL, NULL, 0));
	/* leak: entries never match a thread, thread: ones never a leak. */
	assert_null(tt_supps_match_leak(&s, create, 3));
	assert_ptr_equal(tt_supps_match_leak(&s, &worker, 1), &s.v[0]);
	assert_ptr_equal(tt_supps_match_thread(&s, "x", "y", &worker, 1), &s.v[1]);
	tt_supps_free(&s);

	assert_int_equal(parse(&s, "thread:libpool.so\n", err, sizeof(err)), 0);
	assert_ptr_equal(tt_supps_match_thread(&s, NULL, NULL, create + 1, 1), &s.v[0]);
	assert_ptr_equal(tt_supps_match_thread(&s, NULL, NULL, create, 2), &s.v[0]);
	assert_null(tt_supps_match_leak(&s, create, 3));
	tt_supps_free(&s);
}

/* The caller bumps the entry it is given; every other count stays. */
static void
test_supp_hits_per_entry(void **state)
{
	struct tt_supps s = { 0 };
	struct tt_supp *e;
	char err[256];
	const struct tt_supp_frame a = { "alloc_a", NULL, NULL };
	const struct tt_supp_frame b = { "alloc_b", NULL, NULL };

	(void)state;
	assert_int_equal(parse(&s, "leak:alloc_a\nleak:alloc_b\nthread:t\n",
			       err, sizeof(err)), 0);
	e = tt_supps_match_leak(&s, &a, 1);
	assert_ptr_equal(e, &s.v[0]);
	e->hit_count += 3;
	e->hit_bytes += 96;
	e = tt_supps_match_leak(&s, &a, 1);
	e->hit_count += 1;
	e->hit_bytes += 8;
	e = tt_supps_match_leak(&s, &b, 1);
	assert_ptr_equal(e, &s.v[1]);
	e->hit_count += 2;
	e->hit_bytes += 10;
	e = tt_supps_match_thread(&s, "t", NULL, NULL, 0);
	assert_ptr_equal(e, &s.v[2]);
	e->hit_count++;

	/* Appending another file keeps them, and starts its own at zero. */
	assert_int_equal(tt_supps_parse(&s, "more", "leak:alloc_a\n", 13, err, sizeof(err)), 0);
	assert_int_equal(s.v[0].hit_count, 4);
	assert_int_equal(s.v[0].hit_bytes, 104);
	assert_int_equal(s.v[1].hit_count, 2);
	assert_int_equal(s.v[1].hit_bytes, 10);
	assert_int_equal(s.v[2].hit_count, 1);
	assert_int_equal(s.v[2].hit_bytes, 0);
	assert_int_equal(s.v[3].hit_count, 0);
	assert_int_equal(s.v[3].hit_bytes, 0);
	/* The earlier entry still wins for the same frame. */
	assert_ptr_equal(tt_supps_match_leak(&s, &a, 1), &s.v[0]);
	tt_supps_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supp_match_substring),
		cmocka_unit_test(test_supp_match_anchors),
		cmocka_unit_test(test_supp_match_stars),
		cmocka_unit_test(test_supp_match_no_blowup),
		cmocka_unit_test(test_supp_match_empty),
		cmocka_unit_test(test_supp_parse_entries),
		cmocka_unit_test(test_supp_parse_blanks_comments),
		cmocka_unit_test(test_supp_parse_crlf),
		cmocka_unit_test(test_supp_parse_errors),
		cmocka_unit_test(test_supp_parse_long_lines),
		cmocka_unit_test(test_supp_parse_too_many),
		cmocka_unit_test(test_supp_parse_error_keeps_earlier),
		cmocka_unit_test(test_supp_load),
		cmocka_unit_test(test_supp_load_chunks),
		cmocka_unit_test(test_supp_match_leak),
		cmocka_unit_test(test_supp_match_thread),
		cmocka_unit_test(test_supp_hits_per_entry),
	};

	return cmocka_run_group_tests_name("suppress", tests, NULL, NULL);
}
