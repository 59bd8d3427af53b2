/*
 * hostile_misc.c - programs that do rude things to the process tether
 * lives in.  Usage: hostile_misc MODE [N]
 *   closefds  - close every fd from 0 to 1024 (daemon style), reopen
 *               /dev/null as 0, 1 and 2, allocate, exit 4.
 *   clearenv  - clearenv(), allocate, exit 0.
 *   badenv    - set TETHER_OUTPUT and friends to garbage after start.
 *   allsigs   - a handler on every signal that can be caught (the
 *               real-time ones included), two threads running without
 *               pause at exit, one leaked block: the handler must never
 *               run (tether may not use a signal the program handles).
 *   mallocapi - glibc's malloc_trim, mallinfo2, malloc_stats, mallopt,
 *               malloc_info and malloc_usable_size: they work or are
 *               harmless (only what does not depend on the allocator is
 *               printed).
 *   bigheap N - N live blocks at exit (a dump that takes a while); prints
 *               "ready" just before returning from main.
 */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile sink;
static atomic_int handled;

static void
on_any(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static void *
spin(void *arg)
{
	volatile unsigned long *n = malloc(sizeof(*n));

	(void)arg;
	for (*n = 0;; (*n)++)
		;
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "closefds") == 0) {
		for (int fd = 0; fd <= 1024; fd++)
			close(fd);
		if (open("/dev/null", O_RDONLY) != 0 || open("/dev/null", O_WRONLY) != 1 ||
		    open("/dev/null", O_WRONLY) != 2)
			return 1;
		for (int i = 0; i < 1000; i++)
			free(malloc(32));
		sink = malloc(444);
		return 4;
	}
	if (strcmp(mode, "clearenv") == 0) {
		clearenv();
		sink = malloc(555);
		printf("clearenv: environ %s\n", environ == NULL || *environ == NULL ? "empty" : "not empty");
		return 0;
	}
	if (strcmp(mode, "badenv") == 0) {
		setenv("TETHER_OUTPUT", "/nonexistent/\x01garbage%%%q", 1);
		setenv("TETHER_STACK_DEPTH", "-7", 1);
		setenv("LD_PRELOAD", "", 1);
		sink = malloc(666);
		printf("badenv: done\n");
		return 0;
	}
	if (strcmp(mode, "allsigs") == 0) {
		struct sigaction sa;
		pthread_t t[2];
		int n = 0;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_any;
		sa.sa_flags = SA_RESTART;
		for (int sig = 1; sig <= SIGRTMAX; sig++)
			n += sigaction(sig, &sa, NULL) == 0;
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, spin, NULL);
		sink = malloc(777);
		sink = NULL;	/* leaked */
		usleep(50000);
		printf("allsigs: %d handlers, handled %d\n", n, atomic_load(&handled));
		return 0;
	}
	if (strcmp(mode, "mallocapi") == 0) {
		char *p = malloc(100), *buf = NULL;
		size_t us = malloc_usable_size(p), len = 0;
		struct mallinfo2 mi;
		FILE *mem;
		int rc;

		memset(p, 'u', us);	/* the whole usable size is ours */
		printf("usable >= 100: %d\n", us >= 100);
		printf("usable(NULL): %zu\n", malloc_usable_size(NULL));
		rc = mallopt(M_TRIM_THRESHOLD, 128 * 1024);
		printf("mallopt(M_TRIM_THRESHOLD) ok: %d\n", rc == 1);
		rc = mallopt(M_ARENA_MAX, 2);
		printf("mallopt(M_ARENA_MAX) ok: %d\n", rc == 1);
		rc = malloc_trim(0);
		printf("malloc_trim in {0,1}: %d\n", rc == 0 || rc == 1);
		mi = mallinfo2();
		printf("mallinfo2 sane: %d\n", mi.arena >= mi.fordblks);
		malloc_stats();		/* to stderr */
		mem = open_memstream(&buf, &len);
		rc = malloc_info(0, mem);
		fclose(mem);
		printf("malloc_info: %d %s\n", rc, buf && strncmp(buf, "<malloc", 7) == 0 ? "xml" : "?");
		free(buf);
		p = realloc(p, 5000);
		printf("usable after realloc >= 5000: %d\n", malloc_usable_size(p) >= 5000);
		free(p);
		return 0;
	}
	if (strcmp(mode, "bigheap") == 0) {
		long n = argc > 2 ? atol(argv[2]) : 300000;
		void **v = malloc((size_t)n * sizeof(*v));

		for (long i = 0; i < n; i++)
			v[i] = malloc(16 + (size_t)(i % 64));
		sink = v;
		printf("ready\n");
		fflush(stdout);
		return 0;
	}
	fprintf(stderr, "unknown mode %s\n", mode);
	return 2;
}
