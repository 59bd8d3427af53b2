/*
 * api.c - what include/tether.h calls: marks and leak checks from inside
 * the program (a test case checking "no leaks since this mark").
 */
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "dumper.h"
#include "internal.h"
#include "io.h"
#include "leak_check.h"
#include "options.h"
#include "record.h"
#include "threads.h"
#include "tls.h"

extern struct tt_opts tt_opts;
extern char **environ;

/* The entry points of include/tether.h, found there with dlsym. */
uint64_t tether_lib_mark(void);
long tether_lib_check(uint64_t mark, unsigned flags, unsigned long long *live_bytes);
long tether_lib_dump(char *path, size_t n);

/* A mark is a tick of the allocation clock: wait for the next tick, so
 * blocks allocated before the mark are stamped earlier than it, blocks
 * allocated after at or later. */
TT_EXPORT uint64_t
tether_lib_mark(void)
{
	uint64_t t = tt_coarse_ns(), now;

	while ((now = tt_coarse_ns()) == t) {
		struct timespec ms = { 0, 500000 };

		syscall(SYS_nanosleep, &ms, NULL);
	}
	return now;
}

/* Threads started since mark that are neither joined nor detached, or
 * that the scan found can never wake. */
static long
threads_since(uint64_t mark)
{
	long n = 0;

	for (uint32_t i = 0; i < tt_threads_high(); i++) {
		struct tt_thread t;

		if (tt_threads_read(i, &t) && t.created_ns >= mark &&
		    (!(t.flags & (TT_THR_DETACHED | TT_THR_MAIN | TT_THR_ADOPTED)) ||
		     (t.wait.call != TT_WAIT_NONE && tt_leak_stuck(t.num, t.wait.since_ns))) &&
		    tt_tls.self != tt_threads_slot(i))
			n++;
	}
	return n;
}

/* Print the report of the dump with the tether tool, when tether check or
 * run said where it is; the tool itself runs without the preload. */
static void
report(const char *dump)
{
	const char *tool = tt_opts.tool;
	char *argv[] = { (char *)tool, "report", "--type", "leaks", (char *)dump, NULL };
	posix_spawn_file_actions_t fa;
	char **env;
	size_t n = 0, k = 0;
	pid_t pid;
	int st;

	if (tool == NULL || *tool == '\0')
		return;
	while (environ[n])
		n++;
	env = malloc((n + 1) * sizeof(*env));
	if (env == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
			env[k++] = environ[i];
	env[k] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	if (posix_spawn(&pid, tool, &fa, NULL, argv, env) == 0)
		while (waitpid(pid, &st, 0) < 0)
			;
	posix_spawn_file_actions_destroy(&fa);
	free(env);
}

/* The check, in a frame pushed onto scrubbed stack (tt_leak_scrub_stack):
 * its counts are not written until after the scan. */
__attribute__((noinline)) static long
check_now(uint64_t mark, unsigned flags, unsigned long long *live_bytes)
{
	struct tt_leak_count c[5];
	long lost;

	if (tt_leak_scan(mark, false) != 0)
		return -1;
	tt_leak_count(mark, c);
	lost = (long)(c[TT_LEAK_DEFINITE].blocks + c[TT_LEAK_INDIRECT].blocks) +
	       threads_since(mark);
	if (live_bytes != NULL)
		*live_bytes = c[1].bytes + c[2].bytes + c[3].bytes + c[4].bytes;
	if (!(flags & 1) && lost > 0) {
		tt_say("%llu bytes in %llu blocks lost since the mark, "
		       "%ld threads leaked (never joined, or never to wake)",
		       (unsigned long long)(c[TT_LEAK_DEFINITE].bytes + c[TT_LEAK_INDIRECT].bytes),
		       (unsigned long long)(c[TT_LEAK_DEFINITE].blocks + c[TT_LEAK_INDIRECT].blocks),
		       lost - (long)(c[TT_LEAK_DEFINITE].blocks + c[TT_LEAK_INDIRECT].blocks));
		if (tt_dump_write(TT_TRIGGER_API) == 0) {
			tt_say("dump: %s", tt_dump_last_path);
			tt_tls.busy++;
			report(tt_dump_last_path);
			tt_tls.busy--;
		}
	}
	tt_leak_drop();
	return lost;
}

TT_EXPORT long
tether_lib_check(uint64_t mark, unsigned flags, unsigned long long *live_bytes)
{
	if (!tt_init())
		return 0;
	if (tt_sample_rate != 0) {
		static int said;

		if (!said++)
			tt_say("tether_check: no leak check while sampling "
			       "(TETHER_SAMPLE_RATE): the scan needs every allocation");
		return -1;
	}
	tt_leak_scrub_stack();
	return check_now(mark, flags, live_bytes);
}

/* tether_dump(): a live dump written by the calling thread (after one in
 * progress, if any), counted in the rotation like the others. */
TT_EXPORT long
tether_lib_dump(char *path, size_t n)
{
	long rc;

	if (path != NULL && n > 0)
		path[0] = '\0';
	if (!tt_init())
		return -1;
	if (tt_opts.dump_scan)
		tt_leak_scrub_stack();	/* the scan takes this stack as a root */
	rc = tt_dumper_dump(TT_TRIGGER_API, 1, path, n);
	return rc > 0 ? rc : -1;
}
