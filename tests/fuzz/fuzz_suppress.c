/*
 * fuzz_suppress.c - libFuzzer harness for the suppression-file parser and
 * glob matcher of tether check (tools/suppress.c).  Each input is parsed
 * as a suppression file, twice (the second time into a small error buffer
 * whose size comes from the input's length); an accepted file is checked
 * line by line against the format, and each of its entries is matched
 * against frames made of the input's own lines, the answer compared with
 * a slow, obviously right matcher here (when the input is small enough to
 * afford it).  The glob matcher alone gets the input split at its first
 * NUL (pattern, then string), or else at its first '\n'.  Built and run
 * by run.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/suppress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounds on the matching checks, which cost entries * frames * lengths. */
#define MAX_CHECKED_ENTRIES 64
#define MAX_FRAMES 16
/* Beyond this many pattern * string bytes, the reference is too slow to
 * keep the fuzzer fast: tt_supp_pattern_match() then runs alone, where a
 * blow-up still shows as a timeout. */
#define MAX_REF_CELLS (1u << 18)

/* Stop the run: libFuzzer saves the input as a crash. */
static void __attribute__((noreturn))
broken(const char *what)
{
	fprintf(stderr, "fuzz_suppress: %s\n", what);
	abort();
}

/* A heap copy of n bytes with a NUL added, so overreads hit ASan. */
static char *
cstr(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * ref_match() - the format's glob by dynamic programming over every
 * prefix pair: quadratic, but plainly right.  Unanchored ends are an
 * implicit '*'.
 */
static bool
ref_match(const char *pattern, const char *str)
{
	size_t pn = strlen(pattern), sn = strlen(str), qn = 0;
	bool lead = true, trail = true, *row, *next, r;
	char *q;

	if (pn > 0 && pattern[0] == '^') {
		lead = false;
		pattern++;
		pn--;
	}
	if (pn > 0 && pattern[pn - 1] == '$') {
		trail = false;
		pn--;
	}
	q = malloc(pn + 2);
	row = calloc(sn + 1, sizeof(*row));
	next = calloc(sn + 1, sizeof(*next));
	if (q == NULL || row == NULL || next == NULL)
		abort();
	if (lead)
		q[qn++] = '*';
	memcpy(q + qn, pattern, pn);
	qn += pn;
	if (trail)
		q[qn++] = '*';
	/* row[j]: the pattern so far matches the first j bytes of str. */
	row[0] = true;
	for (size_t i = 0; i < qn; i++) {
		bool *t;

		next[0] = row[0] && q[i] == '*';
		for (size_t j = 1; j <= sn; j++)
			next[j] = q[i] == '*' ? row[j] || next[j - 1] :
				row[j - 1] && str[j - 1] == q[i];
		t = row;
		row = next;
		next = t;
	}
	r = row[sn];
	free(q);
	free(row);
	free(next);
	return r;
}

static void
check_match(const char *pattern, const char *str)
{
	bool r = tt_supp_pattern_match(pattern, str);

	if ((strlen(pattern) + 1) * (strlen(str) + 1) > MAX_REF_CELLS)
		return;
	if (r != ref_match(pattern, str))
		broken("tt_supp_pattern_match disagrees with the reference matcher");
}

/* The input's lines, '\n' removed; lines[nlines] is NULL. */
struct lines {
	char **v;
	size_t n;
};

static void
split_lines(struct lines *l, const char *text, size_t len)
{
	size_t start = 0;

	l->v = calloc(len + 2, sizeof(*l->v));
	l->n = 0;
	if (l->v == NULL)
		abort();
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		/* No line after a final '\n'. */
		if (i == len && start == len)
			break;
		l->v[l->n++] = cstr(text + start, i - start);
		start = i + 1;
	}
}

static void
free_lines(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/*
 * check_accepted() - every line that is neither blank nor a comment must
 * be an entry, in order, with the kind and trimmed pattern written there.
 */
static void
check_accepted(const struct tt_supps *s, const struct lines *l)
{
	size_t k = 0;

	if (s->nfiles != 1 || strcmp(s->files[0], "fuzz") != 0)
		broken("the file name was not kept");
	for (size_t i = 0; i < l->n; i++) {
		const char *b = l->v[i], *e = b + strlen(b), *pat;
		const struct tt_supp *x;
		enum tt_supp_kind kind;

		while (b < e && blank(*b))
			b++;
		while (e > b && blank(e[-1]))
			e--;
		if (b == e || *b == '#')
			continue;
		if (strncmp(b, "leak:", 5) == 0) {
			kind = TT_SUPP_LEAK;
			pat = b + 5;
		} else if (strncmp(b, "thread:", 7) == 0) {
			kind = TT_SUPP_THREAD;
			pat = b + 7;
		} else {
			broken("a line without a known kind was accepted");
		}
		while (pat < e && blank(*pat))
			pat++;
		if (pat == e)
			broken("an empty pattern was accepted");
		if (k >= s->n)
			broken("an entry is missing");
		x = &s->v[k++];
		if (x->kind != kind || x->line != i + 1 || x->file != s->files[0])
			broken("an entry has the wrong kind, line or file");
		if (strlen(x->pattern) != (size_t)(e - pat) ||
		    memcmp(x->pattern, pat, e - pat) != 0)
			broken("an entry's pattern is not the trimmed text");
		if (x->hit_count != 0 || x->hit_bytes != 0)
			broken("a new entry has hits");
	}
	if (k != s->n)
		broken("an entry came from nowhere");
}

/* err must be "fuzz:LINE: message" with LINE within the input. */
static void
check_rejected(const char *err, size_t errlen, const struct lines *l)
{
	char *end;
	unsigned long line;

	if (memchr(err, '\0', errlen) == NULL)
		broken("an error message is not terminated");
	if (strncmp(err, "fuzz:", 5) != 0)
		broken("an error message does not start with the file name");
	line = strtoul(err + 5, &end, 10);
	if (end == err + 5 || line == 0 || line > l->n || strncmp(end, ": ", 2) != 0 ||
	    end[2] == '\0')
		broken("an error message lacks a line number or a message");
}

/* The entry the matcher should give: the first of kind matching any field. */
static const struct tt_supp *
ref_first(const struct tt_supps *s, enum tt_supp_kind kind, const char *const *fields,
	  size_t nfields)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].kind != kind)
			continue;
		for (size_t f = 0; f < nfields; f++)
			if (fields[f] != NULL && ref_match(s->v[i].pattern, fields[f]))
				return &s->v[i];
	}
	return NULL;
}

/*
 * check_frames() - frames from the lines (function, file, module, in
 * turns; a line "-" is a NULL field), a thread named by the first line and
 * started by the last: both matchers must pick the reference's entry.
 */
static void
check_frames(struct tt_supps *s, const struct lines *l)
{
	struct tt_supp_frame frames[MAX_FRAMES];
	const char *fields[3 * MAX_FRAMES + 2];
	size_t n = 0, nf = 0, pcells = 0, fcells = 0;
	const char *name = l->n > 0 ? l->v[0] : NULL;
	const char *start = l->n > 1 ? l->v[l->n - 1] : NULL;

	/* The reference costs every pattern against every field. */
	for (size_t i = 0; i < s->n; i++)
		pcells += strlen(s->v[i].pattern) + 3;
	for (size_t i = 0; i < l->n && i < 3 * MAX_FRAMES; i++)
		fcells += strlen(l->v[i]) + 1;
	fcells += (name ? strlen(name) : 0) + (start ? strlen(start) : 0) + 2;
	if (pcells * fcells > 4 * MAX_REF_CELLS)
		return;

	for (size_t i = 0; i < l->n && i < 3 * MAX_FRAMES; i++) {
		const char *f = strcmp(l->v[i], "-") == 0 ? NULL : l->v[i];

		if (i % 3 == 0)
			frames[n++] = (struct tt_supp_frame){ f, NULL, NULL };
		else if (i % 3 == 1)
			frames[n - 1].file = f;
		else
			frames[n - 1].module = f;
		fields[nf++] = f;
	}
	if (tt_supps_match_leak(s, frames, n) != ref_first(s, TT_SUPP_LEAK, fields, nf))
		broken("tt_supps_match_leak picked another entry");
	fields[nf++] = name;
	fields[nf++] = start;
	if (tt_supps_match_thread(s, name, start, frames, n) !=
	    ref_first(s, TT_SUPP_THREAD, fields, nf))
		broken("tt_supps_match_thread picked another entry");
	if (tt_supps_match_leak(s, NULL, 0) != NULL ||
	    tt_supps_match_thread(s, NULL, NULL, NULL, 0) != NULL)
		broken("a match without anything to match");
}

static void
fuzz_parse(const uint8_t *data, size_t size)
{
	struct tt_supps s = { 0 }, s2 = { 0 };
	size_t small = size % 24;
	char err[512], *err_small = malloc(small ? small : 1);
	/* Exactly size bytes on the heap: a read past them is an ASan report. */
	char *text = malloc(size ? size : 1);
	struct lines l;
	int r, r_small;

	if (text == NULL || err_small == NULL)
		abort();
	if (size > 0)
		memcpy(text, data, size);
	err[0] = '\0';
	r = tt_supps_parse(&s, "fuzz", text, size, err, sizeof(err));
	r_small = tt_supps_parse(&s2, "fuzz", text, size, err_small, small);
	if (r != r_small || s.n != s2.n)
		broken("the size of the error buffer changed the result");
	if (r != 0 && small > 0 &&
	    (strlen(err_small) >= small || strncmp(err, err_small, small - 1) != 0))
		broken("a truncated error message differs from the full one");
	split_lines(&l, text, size);
	if (r == 0) {
		check_accepted(&s, &l);
		if (s.n <= MAX_CHECKED_ENTRIES)
			check_frames(&s, &l);
	} else if (r == -1) {
		check_rejected(err, sizeof(err), &l);
	} else {
		broken("tt_supps_parse returned neither 0 nor -1");
	}
	free_lines(&l);
	tt_supps_free(&s);
	tt_supps_free(&s2);
	if (s.v != NULL || s.n != 0 || s.files != NULL || s.nfiles != 0)
		broken("tt_supps_free left something behind");
	free(err_small);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut;
	char *pattern, *str;

	fuzz_parse(data, size);

	/* The matcher alone: pattern before the cut, string after it. */
	cut = memchr(data, '\0', size);
	if (cut == NULL)
		cut = memchr(data, '\n', size);
	if (cut == NULL)
		cut = data + size;
	pattern = cstr(data, cut - data);
	str = cut < data + size ? cstr(cut + 1, data + size - cut - 1) : cstr("", 0);
	check_match(pattern, str);
	check_match(str, pattern);
	free(pattern);
	free(str);
	return 0;
}
