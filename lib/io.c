/*
 * io.c - a bounded printf subset and raw write loops.  Used by the dump
 * writer and every message libtether prints, from any context, including
 * before libc is initialised and inside the malloc wrappers.
 */
#include "io.h"

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

struct out {
	char *buf;
	size_t n;
	size_t len;
};

static void
out_char(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

static void
out_str(struct out *o, const char *s, int prec)
{
	if (s == NULL)
		s = "(null)";
	for (; *s && prec != 0; prec--)
		out_char(o, *s++);
}

static void
out_num(struct out *o, unsigned long long v, unsigned base, int neg)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	if (neg)
		out_char(o, '-');
	while (i > 0)
		out_char(o, tmp[--i]);
}

size_t
tt_vfmt(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n, 0 };

	for (; *fmt; fmt++) {
		int lng = 0, prec = -1;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		if (fmt[0] == '.' && fmt[1] == '*') {
			prec = va_arg(ap, int);
			fmt += 2;
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			out_str(&o, va_arg(ap, const char *), prec);
			break;
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);

			out_num(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v,
				10, v < 0);
			break;
		}
		case 'u':
			out_num(&o, lng ? va_arg(ap, unsigned long long)
				       : va_arg(ap, unsigned), 10, 0);
			break;
		case 'x':
			out_num(&o, lng ? va_arg(ap, unsigned long long)
				       : va_arg(ap, unsigned), 16, 0);
			break;
		case 'p':
			out_str(&o, "0x", -1);
			out_num(&o, (uintptr_t)va_arg(ap, void *), 16, 0);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
		}
	}
	if (n > 0)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return o.len < n ? o.len : (n ? n - 1 : 0);
}

size_t
tt_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	len = tt_vfmt(buf, n, fmt, ap);
	va_end(ap);
	return len;
}

int
tt_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		long r = syscall(SYS_write, fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

void
tt_say(const char *fmt, ...)
{
	char line[512];
	size_t len;
	va_list ap;
	int saved = errno;

	len = tt_fmt(line, sizeof(line), "tether: ");
	va_start(ap, fmt);
	len += tt_vfmt(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	line[len++] = '\n';
	(void)tt_write_all(2, line, len);
	errno = saved;
}
