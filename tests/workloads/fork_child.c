/*
 * fork_child.c - the parent leaks 111 bytes and forks; the child leaks 222
 * bytes and exits 7; each process writes its own dump.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void *kept_parent, *kept_child;

int
main(void)
{
	int status;
	pid_t pid;

	kept_parent = malloc(111); /* @parent_leak */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		kept_child = malloc(222); /* @child_leak */
		exit(7);
	}
	waitpid(pid, &status, 0);
	printf("child exited %d\n", WEXITSTATUS(status));
	return 0;
}
