/*
 * io.h - formatted output for code that may not allocate: a bounded
 * snprintf subset and write(2) loops done as raw system calls, so that
 * tether's own output never reaches tether's own wrappers or the program's
 * stdio buffers.
 *
 * Context: async-signal-safe; never allocates.
 */
#ifndef TT_IO_H
#define TT_IO_H

#include <stdarg.h>
#include <stddef.h>

/*
 * tt_fmt() - format into buf, always NUL-terminated.  Understands %s %.*s
 * %c %% and %d %u %x %p with the l, ll and z modifiers; nothing else.
 * Return: the length written (truncated to n - 1).
 */
size_t tt_fmt(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t tt_vfmt(char *buf, size_t n, const char *fmt, va_list ap);

/* tt_write_all() - write all of buf to fd.  Return: 0 or -errno. */
int tt_write_all(int fd, const void *buf, size_t n);

/* tt_say() - write "tether: <message>\n" to stderr. */
void tt_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TT_IO_H */
