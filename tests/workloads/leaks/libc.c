/*
 * libc.c - precision corpus: blocks that libc functions allocate for the
 * caller, leaked and kept.
 *
 * Leaks:
 *   strdup("precision corpus"), dropped: definitely lost 17 bytes;
 *   strdup("kept"), kept by a global: reachable 5 bytes;
 *   getline() into a NULL buffer, a short line: glibc's first buffer is
 *     120 bytes; dropped: definitely lost 120 bytes;
 *   asprintf("%s-%d", "leak", 12345): glibc gives it its exact size,
 *     11 bytes; dropped: definitely lost 11 bytes.
 * The stream getline reads (fmemopen) is closed: it leaves nothing.
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 148 bytes in 3 blocks; indirectly 0; possibly 0;
 *   still reachable 5 bytes in 1 block.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *kept;

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static size_t
lose(void)
{
	static char text[] = "first line\nsecond line\n";
	char *s, *line = NULL, *fmt = NULL;
	size_t cap = 0, total = 0;
	ssize_t got;
	FILE *f;

	s = strdup("precision corpus");
	total += strlen(s);
	kept = strdup("kept");

	f = fmemopen(text, strlen(text), "r");
	got = getline(&line, &cap, f);
	fclose(f);
	total += (size_t)got;

	if (asprintf(&fmt, "%s-%d", "leak", 12345) < 0)
		return 0;
	total += strlen(fmt);
	s = line = fmt = NULL;
	return total;
}

int
main(void)
{
	size_t n = lose();

	scrub_stack();
	printf("libc: %zu characters, kept %s\n", n, kept);
	return 0;
}
