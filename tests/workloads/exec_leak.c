/*
 * exec_leak.c - a program that runs another program, for tether check's
 * per-process verdicts.  `exec_leak leaf` loses 48 bytes (marker
 * leaf_lose), prints its pid and exits 5.  `exec_leak exec` replaces itself with
 * `exec_leak leaf x` (same pid).  `exec_leak forkexec` forks a child that
 * execs `exec_leak leaf y`, loses 24 bytes itself (marker parent_lose) and
 * exits 0 after printing the child's status.
 */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
leaf(void)
{
	char *p = malloc(48); /* @leaf_lose */

	memset(p, 2, 48);
	p = NULL;
	printf("leaf %d\n", (int)getpid());
	exit(5);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "leaf";
	int status;
	pid_t pid;

	if (strcmp(mode, "exec") == 0) {
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "leaf", "x", (char *)NULL);
		return 126;
	}
	if (strcmp(mode, "forkexec") == 0) {
		char *q;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			execl("/proc/self/exe", argv[0], "leaf", "y", (char *)NULL);
			_exit(126);
		}
		q = malloc(24); /* @parent_lose */
		memset(q, 3, 24);
		q = NULL;
		waitpid(pid, &status, 0);
		printf("child %d exited %d\n", (int)pid, WEXITSTATUS(status));
		return 0;
	}
	leaf();
	return 0;
}
