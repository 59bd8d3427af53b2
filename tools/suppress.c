/*
 * suppress.c - suppression files for tether check: reading "leak:PATTERN"
 * and "thread:PATTERN" lines, and matching their globs against the frames
 * of leaked blocks and threads.
 *
 * A file is read in chunks and fed through the same line splitter as text
 * handed to tt_supps_parse(), so both give the same entries and the same
 * first error, and a huge or endless file stops at its first bad line.
 */
#include "tools/suppress.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* At most this much of an unknown kind is quoted in the message. */
#define KIND_SHOWN 32

/* The state of one file being split into lines. */
struct parser {
	struct tt_supps *s;
	const char *file;	/* the copy in s->files */
	unsigned line;		/* lines finished so far */
	size_t len;		/* bytes of the current line in buf */
	char *err;
	size_t errlen;
	char buf[TT_SUPP_LINE_MAX + 1];
};

/* Blanks around lines and patterns; not isspace(), which follows the locale. */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The storage grows in powers of two, so n alone tells when it is full. */
static bool
needs_room(size_t n)
{
	return (n & (n - 1)) == 0;
}

/*
 * fail() - write "FILE:LINE: message" to the parser's error buffer, LINE
 * being the line being read.  Return: -1, for the caller to return.
 */
static int __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (p->errlen == 0)
		return -1;
	k = snprintf(p->err, p->errlen, "%s:%u: ", p->file, p->line + 1);
	if (k >= 0 && (size_t)k < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + k, p->errlen - k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * begin() - start parsing a file called name into s: keep a copy of the
 * name for the entries to point at.  Return: 0, or -1 with err written.
 */
static int
begin(struct parser *p, struct tt_supps *s, const char *name, char *err,
      size_t errlen)
{
	char *copy;

	p->s = s;
	p->file = name;
	p->line = 0;
	p->len = 0;
	p->err = err;
	p->errlen = errlen;
	copy = strdup(name);
	if (copy == NULL)
		return fail(p, "out of memory");
	if (needs_room(s->nfiles)) {
		size_t cap = s->nfiles ? 2 * s->nfiles : 1;
		char **v = realloc(s->files, cap * sizeof(*v));

		if (v == NULL) {
			free(copy);
			return fail(p, "out of memory");
		}
		s->files = v;
	}
	s->files[s->nfiles++] = copy;
	p->file = copy;
	return 0;
}

/*
 * add_entry() - append an entry for the current line with a copy of the
 * len bytes of pattern.  Return: 0, or -1 with the error written.
 */
static int
add_entry(struct parser *p, enum tt_supp_kind kind, const char *pattern,
	  size_t len)
{
	struct tt_supps *s = p->s;
	struct tt_supp *e;
	char *copy;

	if (s->n >= TT_SUPP_MAX)
		return fail(p, "more than %d entries", TT_SUPP_MAX);
	copy = strndup(pattern, len);
	if (copy == NULL)
		return fail(p, "out of memory");
	if (needs_room(s->n)) {
		size_t cap = s->n ? 2 * s->n : 1;
		struct tt_supp *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL) {
			free(copy);
			return fail(p, "out of memory");
		}
		s->v = v;
	}
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->pattern = copy;
	e->file = p->file;
	e->line = p->line + 1;
	return 0;
}

/* "'called_from_lib'", or the first KIND_SHOWN bytes and "...": control
 * characters become '?' so that the message is safe to print. */
static void
quote_kind(char *out, const char *kind, size_t len)
{
	size_t shown = len < KIND_SHOWN ? len : KIND_SHOWN, k = 0;

	out[k++] = '\'';
	for (size_t i = 0; i < shown; i++) {
		unsigned char c = kind[i];

		out[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (shown < len) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k++] = '\'';
	out[k] = '\0';
}

/* parse_line() - one line of len bytes, without its '\n' and NUL-free. */
static int
parse_line(struct parser *p, const char *line, size_t len)
{
	const char *b = line, *e = line + len, *colon, *pat;
	char quoted[KIND_SHOWN + 6];
	enum tt_supp_kind kind;

	while (b < e && is_blank(*b))
		b++;
	while (e > b && is_blank(e[-1]))
		e--;
	if (b == e || *b == '#')
		return 0;
	colon = memchr(b, ':', e - b);
	if (colon == NULL || colon == b)
		return fail(p, "line has no kind (expected leak:PATTERN or thread:PATTERN)");
	/* The kind exactly as written, as LeakSanitizer wants it: "leak :x"
	 * is an unknown kind, not a leak. */
	if (colon - b == 4 && memcmp(b, "leak", 4) == 0) {
		kind = TT_SUPP_LEAK;
	} else if (colon - b == 6 && memcmp(b, "thread", 6) == 0) {
		kind = TT_SUPP_THREAD;
	} else {
		quote_kind(quoted, b, colon - b);
		return fail(p, "unknown kind %s (expected leak: or thread:)", quoted);
	}
	pat = colon + 1;
	while (pat < e && is_blank(*pat))
		pat++;
	if (pat == e)
		return fail(p, "empty pattern");
	return add_entry(p, kind, pat, e - pat);
}

/* end_line() - the line in p->buf is complete: parse it, go to the next. */
static int
end_line(struct parser *p)
{
	/* Line numbers are unsigned in entries and messages. */
	if (p->line == UINT_MAX - 1)
		return fail(p, "more than %u lines", UINT_MAX - 1);
	p->buf[p->len] = '\0';
	if (parse_line(p, p->buf, p->len) != 0)
		return -1;
	p->line++;
	p->len = 0;
	return 0;
}

/*
 * feed() - the next n bytes of the file.  The first bad byte in file order
 * decides the error, wherever the chunks are cut: a NUL among a line's
 * first TT_SUPP_LINE_MAX bytes, else a byte past them.
 */
static int
feed(struct parser *p, const char *data, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t seg = nl != NULL ? (size_t)(nl - data) : n;
		size_t room = TT_SUPP_LINE_MAX - p->len;
		size_t take = seg < room ? seg : room;

		if (memchr(data, '\0', take) != NULL)
			return fail(p, "NUL byte in the line (not a text file?)");
		if (seg > room)
			return fail(p, "line longer than %d bytes", TT_SUPP_LINE_MAX);
		memcpy(p->buf + p->len, data, seg);
		p->len += seg;
		if (nl == NULL)
			break;
		if (end_line(p) != 0)
			return -1;
		data += seg + 1;
		n -= seg + 1;
	}
	return 0;
}

/* finish() - the end of the file: the last line may lack its '\n'. */
static int
finish(struct parser *p)
{
	return p->len > 0 ? end_line(p) : 0;
}

int
tt_supps_parse(struct tt_supps *s, const char *name, const char *text,
	       size_t len, char *err, size_t errlen)
{
	struct parser p;

	if (begin(&p, s, name, err, errlen) != 0)
		return -1;
	if (feed(&p, text, len) != 0)
		return -1;
	return finish(&p);
}

int
tt_supps_load(struct tt_supps *s, const char *path, char *err, size_t errlen)
{
	char chunk[16384];
	struct parser p;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (begin(&p, s, path, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof(chunk));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			if (errlen > 0)
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			r = -1;
			break;
		}
		if (got == 0) {
			r = finish(&p);
			break;
		}
		if (feed(&p, chunk, (size_t)got) != 0) {
			r = -1;
			break;
		}
	}
	close(fd);
	return r;
}

void
tt_supps_free(struct tt_supps *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].pattern);
	free(s->v);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	memset(s, 0, sizeof(*s));
}

/*
 * glob_match() - whether p (pn bytes, anchors removed) matches all of
 * str, with a '*' before p when lead and after it when trail.
 *
 * Greedy, with backtracking to the last '*' only: a later '*' can absorb
 * anything an earlier one could have, so never revisiting earlier ones
 * loses no match, and each backtrack advances the last star's start in
 * str, which bounds the work to about pn * strlen(str) steps.
 */
static bool
glob_match(const char *p, size_t pn, const char *str, bool lead, bool trail)
{
	size_t sn = strlen(str), pi = 0, si = 0;
	/* Where the pattern resumes after the last '*', and where in str
	 * what that star matches ends; SIZE_MAX: no star yet. */
	size_t star_p = SIZE_MAX, star_s = 0;

	if (lead)
		star_p = 0;
	for (;;) {
		if (pi < pn && p[pi] == '*') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi == pn) {
			if (si == sn || trail)
				return true;
		} else if (si < sn && p[pi] == str[si]) {
			pi++;
			si++;
			continue;
		}
		if (star_p == SIZE_MAX || star_s >= sn)
			return false;
		pi = star_p;
		si = ++star_s;
	}
}

bool
tt_supp_pattern_match(const char *pattern, const char *str)
{
	size_t pn;
	bool start = false, end = false;

	if (pattern == NULL || str == NULL)
		return false;
	pn = strlen(pattern);
	if (pn > 0 && pattern[0] == '^') {
		start = true;
		pattern++;
		pn--;
	}
	if (pn > 0 && pattern[pn - 1] == '$') {
		end = true;
		pn--;
	}
	return glob_match(pattern, pn, str, !start, !end);
}

/* Whether e matches a field of any of the n frames. */
static bool
match_frames(const struct tt_supp *e, const struct tt_supp_frame *frames,
	     size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tt_supp_pattern_match(e->pattern, frames[i].function) ||
		    tt_supp_pattern_match(e->pattern, frames[i].file) ||
		    tt_supp_pattern_match(e->pattern, frames[i].module))
			return true;
	return false;
}

struct tt_supp *
tt_supps_match_leak(struct tt_supps *s, const struct tt_supp_frame *frames,
		    size_t n)
{
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		struct tt_supp *e = &s->v[i];

		if (e->kind == TT_SUPP_LEAK && match_frames(e, frames, n))
			return e;
	}
	return NULL;
}

struct tt_supp *
tt_supps_match_thread(struct tt_supps *s, const char *name,
		      const char *start_routine,
		      const struct tt_supp_frame *frames, size_t n)
{
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		struct tt_supp *e = &s->v[i];

		if (e->kind == TT_SUPP_THREAD &&
		    (tt_supp_pattern_match(e->pattern, name) ||
		     tt_supp_pattern_match(e->pattern, start_routine) ||
		     match_frames(e, frames, n)))
			return e;
	}
	return NULL;
}
