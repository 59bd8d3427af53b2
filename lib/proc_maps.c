/*
 * proc_maps.c - /proc/self/maps with raw system calls (proc_maps.h).
 */
#include "proc_maps.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t
hex(const char **p)
{
	uint64_t v = 0;

	for (;; (*p)++) {
		char c = **p;

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return v;
	}
}

/* A line "lo-hi perms offset dev inode name" into *m. */
static void
parse(const char *p, struct tt_maps_line *m)
{
	m->lo = hex(&p);
	if (*p == '-')
		p++;
	m->hi = hex(&p);
	while (*p == ' ')
		p++;
	m->r = p[0] == 'r';
	m->w = p[0] && p[1] == 'w';
	m->x = p[0] && p[1] && p[2] == 'x';
	for (int f = 0; f < 4 && *p; f++) {	/* perms, offset, dev, inode */
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
	}
	m->name = p;
}

int
tt_proc_maps_each(char *buf, size_t n, int (*fn)(const struct tt_maps_line *, void *),
		  void *arg)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t len = 0, used;
	int rc = 0;
	long r;

	if (fd < 0 || n < 2)
		return -1;
	while (rc == 0 && (r = syscall(SYS_read, fd, buf + len, n - 1 - len)) > 0) {
		len += (size_t)r;
		buf[len] = '\0';
		used = 0;
		for (char *line = buf, *nl; rc == 0 && (nl = strchr(line, '\n')) != NULL;
		     line = nl + 1) {
			struct tt_maps_line m;

			*nl = '\0';
			used = (size_t)(nl + 1 - buf);
			parse(line, &m);
			rc = fn(&m, arg);
		}
		memmove(buf, buf + used, len - used);
		len -= used;
		if (len == n - 1)
			len = 0;	/* a line longer than the buffer: skip it */
	}
	syscall(SYS_close, fd);
	return rc;
}
