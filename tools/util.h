/*
 * util.h - small helpers for the tether tool: allocation that exits on
 * failure, a growable string buffer, messages, number formatting.
 *
 * Context: the tool only; never linked into libtether.so.
 */
#ifndef TT_UTIL_H
#define TT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses shared by every command (tether(1), EXIT STATUS). */
#define TT_EXIT_USAGE 2		/* bad command line or option value */
#define TT_EXIT_DATA 1		/* a dump could not be read or written */

void *tt_xmalloc(size_t n);
void *tt_xcalloc(size_t n, size_t size);
void *tt_xrealloc(void *p, size_t n);
char *tt_xstrdup(const char *s);
char *tt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tt_err() - print "tether: <message>" on stderr. */
void tt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct tt_buf {
	char *s;
	size_t len, cap;
};

void tt_buf_add(struct tt_buf *b, const char *s, size_t n);
/* TT_BUF_LIT() - append a string literal. */
#define TT_BUF_LIT(b, lit) tt_buf_add((b), "" lit, sizeof(lit) - 1)
void tt_buf_printf(struct tt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* tt_buf_json_str() - append s as a quoted, escaped JSON string. */
void tt_buf_json_str(struct tt_buf *b, const char *s);

/* tt_buf_markup_str() - append s as HTML or XML text or attribute value:
 * & < > " escaped, control characters other than tab left out. */
void tt_buf_markup_str(struct tt_buf *b, const char *s);
void tt_buf_free(struct tt_buf *b);

/* tt_thousands() - "4,608"; returns buf. */
const char *tt_thousands(char *buf, size_t n, uint64_t v);

/*
 * tt_write_file() - write data to path atomically (temporary name in the
 * same directory, then rename); "-" writes to stdout, and a path that is
 * not a regular file (/dev/null, a FIFO) is written in place.
 * Return: 0 or -errno.
 */
int tt_write_file(const char *path, const void *data, size_t len);

#endif /* TT_UTIL_H */
