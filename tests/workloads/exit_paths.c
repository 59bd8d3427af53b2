/*
 * exit_paths.c - the final dump is written however the program ends, after
 * atexit handlers and destructors.  Modes:
 *   atexit  blocks freed by an atexit handler and a destructor: none leaked
 *   _exit   _exit(5) with 1 block of 55 bytes live
 *   exec    leaks 66 bytes, then execs itself in mode "after-exec", which
 *           leaks 77 bytes: the new image's dump has only the 77
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *by_atexit, *by_destructor;

static void
free_at_exit(void)
{
	free(by_atexit);
}

__attribute__((destructor)) static void
free_in_destructor(void)
{
	free(by_destructor);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "atexit";

	if (!strcmp(mode, "atexit")) {
		by_atexit = malloc(44);
		by_destructor = malloc(33);
		atexit(free_at_exit);
		return 0;
	}
	if (!strcmp(mode, "_exit")) {
		void *volatile p = malloc(55); /* @underscore_exit_leak */

		(void)p;
		_exit(5);
	}
	if (!strcmp(mode, "exec")) {
		void *volatile p = malloc(66);

		(void)p;
		execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
		perror("execl");
		return 1;
	}
	if (!strcmp(mode, "after-exec")) {
		void *volatile p = malloc(77); /* @after_exec_leak */

		(void)p;
		return 0;
	}
	return 2;
}
