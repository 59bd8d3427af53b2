/*
 * live_leak - a process that leaks while it runs, for dumps taken while
 * it runs (tests/cli/livedumps.sh).
 *   live_leak          each line "N" on stdin leaks N blocks of 1000 bytes
 *                      at grow() and answers "leaked TOTAL"; exits 0 at EOF
 *   live_leak steady MS  leaks a block every millisecond for MS ms
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *kept[1 << 16];	/* global: the leak must not be optimised away */
static long nkept;

static __attribute__((noinline)) void
grow(void)
{
	if (nkept < (long)(sizeof(kept) / sizeof(*kept)))
		kept[nkept++] = malloc(1000);	/* @grow */
}

int
main(int argc, char **argv)
{
	char line[64];

	if (argc == 3 && strcmp(argv[1], "steady") == 0) {
		long ms = atol(argv[2]);
		struct timespec one = { 0, 1000000 };

		for (long i = 0; i < ms; i++) {
			grow();
			nanosleep(&one, NULL);
		}
		printf("leaked %ld\n", nkept);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		for (long n = atol(line); n > 0; n--)
			grow();
		printf("leaked %ld\n", nkept);
	}
	printf("bye\n");
	return 0;
}
