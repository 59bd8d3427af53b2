/*
 * fork.c - precision corpus: each process of a fork gets its own verdicts.
 * The child inherits the parent's blocks, lost and kept alike.
 *
 * Parent: leaks 111 bytes (dropped) and keeps 222 from a global, forks,
 *   waits for the child, exits 0.
 * Child: leaks 333 bytes more (dropped), exits 3.
 * Expected verdicts (memcheck and tether alike):
 *   parent: definitely lost 111 bytes in 1 block; still reachable 222 in 1;
 *   child:  definitely lost 444 bytes in 2 blocks; still reachable 222 in 1;
 *   indirectly and possibly lost 0 in both.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *kept;

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static void
leak(size_t n)
{
	char *p = malloc(n);

	memset(p, 'x', n);
	p = NULL;
}

int
main(void)
{
	int status = 0;
	pid_t pid;

	leak(111);
	kept = malloc(222);
	memset(kept, 'k', 222);
	printf("fork: parent before\n");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		leak(333);
		scrub_stack();
		printf("fork: child\n");
		exit(3);
	}
	waitpid(pid, &status, 0);
	scrub_stack();
	printf("fork: child exited %d\n", WEXITSTATUS(status));
	return 0;
}
