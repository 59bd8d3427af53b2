/*
 * suppress.h - suppression files for tether check: the parser and the
 * matcher.
 *
 * The format is LeakSanitizer's, plus threads: one entry a line,
 * "leak:PATTERN" or "thread:PATTERN".  Blank lines and lines whose first
 * non-blank character is '#' are ignored; blanks (space, tab, CR, VT, FF)
 * around the line and around the pattern are dropped, so CRLF files work.
 * There are no trailing comments: a '#' inside a pattern is part of it.
 *
 * A pattern is a glob where '*' matches any run of characters (none
 * included) and every other character only itself, case-sensitively.  It
 * matches anywhere in a string unless anchored: a leading '^' anchors it at
 * the start, a trailing '$' at the end.  There is no escaping.
 *
 * Context: the tool only; never linked into libtether.so.
 */
#ifndef TT_SUPPRESS_H
#define TT_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of a suppression file: longer lines and more entries are errors. */
#define TT_SUPP_LINE_MAX 4096	/* bytes a line, without its '\n' */
#define TT_SUPP_MAX 100000	/* entries in a struct tt_supps, all files */

enum tt_supp_kind { TT_SUPP_LEAK = 1, TT_SUPP_THREAD = 2 };

/*
 * One entry.  The line as written is "leak:" or "thread:" followed by
 * pattern, which is what --print-suppressions style output shows.
 */
struct tt_supp {
	enum tt_supp_kind kind;
	char *pattern;		/* as written, without the kind */
	const char *file;	/* borrowed: the file it came from */
	unsigned line;
	uint64_t hit_count;	/* leaks: blocks; threads: threads */
	uint64_t hit_bytes;	/* leaks only */
};

/*
 * Every entry of every file loaded, in file then line order.  Start from
 * a zeroed struct; only the functions below may grow it.
 */
struct tt_supps {
	struct tt_supp *v;
	size_t n;
	char **files;		/* owned copies of the file names */
	size_t nfiles;
};

/* One frame as the matcher sees it; any field may be NULL. */
struct tt_supp_frame { const char *function, *file, *module; };

/*
 * tt_supps_load() - append the entries of the file at path to s.
 * @err: receives "PATH: <strerror>" when the file cannot be read, or
 *	"PATH:LINE: <what is wrong>" for the first bad line: an unknown or
 *	missing kind, an empty pattern, a NUL byte, a line longer than
 *	TT_SUPP_LINE_MAX bytes, more than TT_SUPP_MAX entries in s.
 *
 * Return: 0, or -1 with the message in err.  Entries before the bad line
 * may have been appended; tt_supps_free() releases them either way.
 */
int tt_supps_load(struct tt_supps *s, const char *path, char *err, size_t errlen);

/*
 * tt_supps_parse() - append the entries of text (len bytes, no NUL needed)
 * to s, as if it were the contents of a file called name.  Same errors and
 * return as tt_supps_load().
 */
int tt_supps_parse(struct tt_supps *s, const char *name, const char *text, size_t len,
		   char *err, size_t errlen);

/* tt_supps_free() - release every entry and file name; s is left zeroed. */
void tt_supps_free(struct tt_supps *s);

/*
 * tt_supp_pattern_match() - whether the glob pattern (anchors and all, as
 * in a file) matches str.  Takes O(strlen(pattern) * strlen(str)) at worst.
 * Return: false when either is NULL.
 */
bool tt_supp_pattern_match(const char *pattern, const char *str);

/*
 * tt_supps_match_leak() - the first leak: entry matching the function,
 * source file or module of any of the n frames of an allocation stack.
 * Hit counts are the caller's to bump.
 *
 * Return: the entry, or NULL.
 */
struct tt_supp *tt_supps_match_leak(struct tt_supps *s, const struct tt_supp_frame *frames,
				    size_t n);

/*
 * tt_supps_match_thread() - the first thread: entry matching the name or
 * the start routine's function of a leaked thread, or the function, file
 * or module of any of the n frames of the stack that created it.  name and
 * start_routine may be NULL.  Hit counts are the caller's to bump.
 *
 * Return: the entry, or NULL.
 */
struct tt_supp *tt_supps_match_thread(struct tt_supps *s, const char *name,
				      const char *start_routine,
				      const struct tt_supp_frame *frames, size_t n);

#endif /* TT_SUPPRESS_H */
