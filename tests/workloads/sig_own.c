/*
 * sig_own - a program that uses SIGUSR2 itself: tether must leave the
 * signal to it (tests/cli/livedumps.sh).
 *   sig_own start    sigaction() at start, then three raise()s
 *   sig_own later    looks at the disposition first, signal() later
 *   sig_own ignore   SIG_IGN, a raise(), then SIG_DFL returns SIG_IGN
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t got;

static void
on_usr2(int sig)
{
	(void)sig;
	got++;
}

int
main(int argc, char **argv)
{
	struct sigaction sa, old;

	if (argc != 2)
		return 2;
	if (strcmp(argv[1], "start") == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr2;
		if (sigaction(SIGUSR2, &sa, &old) != 0)
			return 1;
		printf("before: %s\n", old.sa_handler == SIG_DFL ? "default" : "other");
	} else if (strcmp(argv[1], "later") == 0) {
		sigaction(SIGUSR2, NULL, &old);
		printf("before: %s\n", old.sa_handler == SIG_DFL ? "default" : "other");
		free(malloc(10));
		if (signal(SIGUSR2, on_usr2) == SIG_ERR)
			return 1;
	} else if (strcmp(argv[1], "ignore") == 0) {
		signal(SIGUSR2, SIG_IGN);
		raise(SIGUSR2);
		printf("ignored: %s\n", signal(SIGUSR2, SIG_DFL) == SIG_IGN ? "yes" : "no");
		sigaction(SIGUSR2, NULL, &old);
		printf("now: %s\n", old.sa_handler == SIG_DFL ? "default" : "other");
		return 0;
	} else {
		return 2;
	}
	for (int i = 0; i < 3; i++)
		raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &old);
	printf("handled %d, handler %s\n", (int)got,
	       old.sa_handler == on_usr2 ? "ours" : "not ours");
	return 0;
}
