/*
 * util.c - allocation, messages, string buffers and atomic file writes for
 * the tether tool.
 */
#include "tools/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
oom(void)
{
	fputs("tether: out of memory\n", stderr);
	exit(3);
}

void *
tt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
tt_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
tt_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
tt_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
tt_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

void
tt_err(const char *fmt, ...)
{
	va_list ap;

	fputs("tether: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
tt_buf_add(struct tt_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = tt_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
tt_buf_printf(struct tt_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		tt_buf_add(b, small, (size_t)n);
		return;
	}
	char *big = tt_xmalloc((size_t)n + 1);

	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	tt_buf_add(b, big, (size_t)n);
	free(big);
}

void
tt_buf_markup_str(struct tt_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': TT_BUF_LIT(b, "&amp;"); break;
		case '<': TT_BUF_LIT(b, "&lt;"); break;
		case '>': TT_BUF_LIT(b, "&gt;"); break;
		case '"': TT_BUF_LIT(b, "&quot;"); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				tt_buf_add(b, s, 1);
		}
	}
}

void
tt_buf_json_str(struct tt_buf *b, const char *s)
{
	tt_buf_add(b, "\"", 1);
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			tt_buf_add(b, esc, 2);
		} else if (c < 0x20) {
			tt_buf_printf(b, "\\u%04x", c);
		} else {
			tt_buf_add(b, s, 1);
		}
	}
	tt_buf_add(b, "\"", 1);
}

void
tt_buf_free(struct tt_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

const char *
tt_thousands(char *buf, size_t n, uint64_t v)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t o = 0;

	for (int i = 0; i < len && o + 2 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t r = write(fd, p, len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int
tt_write_file(const char *path, const void *data, size_t len)
{
	char *tmp;
	const char *slash;
	struct stat st;
	int fd, err;

	if (strcmp(path, "-") == 0)
		return write_all(1, data, len);
	/* Not a regular file (/dev/null, /dev/stdout, a FIFO): written in
	 * place.  A rename over it would put a regular file there, in place
	 * of /dev/null for every other process. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		err = write_all(fd, data, len);
		if (close(fd) != 0 && err == 0)
			err = -errno;
		return err;
	}
	slash = strrchr(path, '/');
	tmp = tt_xasprintf("%.*s.%s.%d.tmp", slash ? (int)(slash - path + 1) : 0,
			   path, slash ? slash + 1 : path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	err = write_all(fd, data, len);
	if (err == 0 && fsync(fd) != 0)
		err = -errno;
	if (close(fd) != 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) != 0)
		err = -errno;
	if (err != 0)
		unlink(tmp);
	free(tmp);
	return err;
}
