/*
 * init.c - bringing libtether up: options from the environment, the
 * tables, the unwinder, the thread-exit hook.
 *
 * Start-up order: the first allocation of the process (often inside the
 * dynamic loader, before any constructor) calls tt_init() through the
 * recorder; environ may not be set yet then, so the environment is read
 * from the initial stack.  The constructor adds what needs libc running
 * (fork handlers, the thread key).  The final dump is written by the
 * destructor, which runs after atexit handlers and after the destructors of
 * the program and of every library loaded after libtether, or by the _exit
 * wrapper (lifecycle.c).  See doc/internals.md.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "dump.h"
#include "free_queue.h"
#include "io.h"
#include "modules.h"
#include "options.h"
#include "site_cache.h"
#include "record.h"
#include "sample_arena.h"
#include "table.h"
#include "threads.h"
#include "tls.h"
#include "unwind.h"
#include "wait.h"

_Atomic int tt_state;
_Atomic int tt_alloc_mode = TT_ALLOC_UNDECIDED;
struct tt_opts tt_opts;
TT_TLS struct tt_tls tt_tls;

static pthread_key_t exit_key;
static _Atomic int exit_key_state;	/* 0 not yet created, 1 created, -1 failed */
pid_t tt_pid;

extern char **environ;
extern void *__libc_stack_end;

uint64_t
tt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
tt_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* environ is not set before libc's own initialiser has run; the initial
 * stack (argc, argv, NULL, envp) always is. */
static char **
get_environ(void)
{
	long *sp;

	if (environ != NULL)
		return environ;
	sp = __libc_stack_end;
	if (sp == NULL)
		return NULL;
	return (char **)(sp + 1 + sp[0] + 1);
}

void
tt_disable(const char *why)
{
	atomic_store(&tt_state, TT_STATE_OFF);
	tt_say("%s; the program runs on untracked", why);
}

/*
 * String options point into the environment block at first; a program may
 * overwrite that block later (nginx writes its process title over argv and
 * the environment strings after it), so they are copied here.  A value too
 * long for its buffer is refused rather than cut.
 */
static char output_buf[4096], tool_buf[4096];

static int
own_string(const char **field, char *buf, size_t n, const char *name)
{
	size_t len;

	if (*field == NULL)
		return 0;
	len = strlen(*field);
	if (len >= n) {
		char err[128];

		tt_fmt(err, sizeof(err), "TETHER_%s is longer than %zu bytes", name, n - 1);
		tt_disable(err);
		return -1;
	}
	memcpy(buf, *field, len + 1);
	*field = buf;
	return 0;
}

/* Return: 0, or -1 after saying what was wrong. */
static int
read_options(void)
{
	char **env = get_environ();
	char err[512];

	tt_opt_defaults(&tt_opts);
	for (; env != NULL && *env != NULL; env++) {
		const char *e = *env;
		int id;

		if (strncmp(e, "TETHER_", 7) != 0)
			continue;
		id = tt_opt_lookup(e);
		if (id < 0 && strncmp(e, "TETHER_LIB=", 11) == 0)
			continue;	/* read by the tether tool, not here */
		if (id < 0) {
			const char *hint = tt_opt_suggest(e);
			size_t n = strcspn(e, "=");

			if (hint != NULL)
				tt_say("unknown variable %.*s ignored; did you mean %s?",
				       (int)n, e, hint);
			else
				tt_say("unknown variable %.*s ignored; see libtether(7)",
				       (int)n, e);
			continue;
		}
		if (tt_opt_parse((enum tt_opt_id)id, strchr(e, '=') + 1, &tt_opts,
				 err, sizeof(err)) != 0) {
			tt_disable(err);
			return -1;
		}
	}
	if (own_string(&tt_opts.output, output_buf, sizeof(output_buf), "OUTPUT") != 0 ||
	    own_string(&tt_opts.tool, tool_buf, sizeof(tool_buf), "TOOL") != 0)
		return -1;
	return 0;
}

/* Fix the block layout, unless it already is. */
static void
settle_alloc_mode(bool lean)
{
	int expect = TT_ALLOC_UNDECIDED;

	atomic_compare_exchange_strong(&tt_alloc_mode, &expect,
				       lean ? TT_ALLOC_LEAN : TT_ALLOC_HEADERS);
}

int
tt_alloc_mode_decide(void)
{
	int m;

	(void)tt_init();
	while ((m = atomic_load(&tt_alloc_mode)) == TT_ALLOC_UNDECIDED) {
		/* This thread is the one in tt_init, before its decision (nothing
		 * there allocates; should something, it gets headers for good), or
		 * no tt_init will decide: headers.  Else another thread is about
		 * to decide. */
		if (tt_tls.busy > 0 || atomic_load(&tt_state) != TT_STATE_INITIALIZING)
			settle_alloc_mode(false);
	}
	return m;
}

bool
tt_init(void)
{
	int expect = TT_STATE_UNINIT;

	if (!atomic_compare_exchange_strong(&tt_state, &expect, TT_STATE_INITIALIZING))
		return expect == TT_STATE_ON;
	tt_tls.busy++;
	if (getauxval(AT_SECURE)) {
		tt_disable("secure execution (setuid or setgid program)");
		goto out;
	}
	if (read_options() != 0)
		goto out;
	/* Sampled, only the samples carry a header: decided now, before the
	 * first block exists (the first allocation calls tt_init first). */
	settle_alloc_mode(tt_opts.sample_rate != 0 && !tt_opts.leak_check &&
			  !tt_opts.dump_scan && tt_sarena_reserve() == 0);
	if (tt_blocks_init(tt_opts.max_blocks) != 0 ||
	    tt_stacks_init(tt_opts.max_stacks) != 0 ||
	    tt_sites_init(tt_opts.max_threads, tt_opts.max_stacks) != 0 ||
	    tt_freeq_init(tt_opts.max_threads) != 0 ||
	    tt_threads_init(tt_opts.max_threads) != 0 ||
	    tt_waits_init(tt_opts.max_long_waits) != 0) {
		tt_disable("cannot reserve memory for the tables");
		goto out;
	}
	/* The leak check must see every block: a sampled heap has no roots'
	 * targets for the blocks it skipped. */
	tt_sample_rate = tt_opts.leak_check || tt_opts.dump_scan ? 0 : tt_opts.sample_rate;
	if ((tt_opts.leak_check || tt_opts.dump_scan) && tt_opts.sample_rate != 0)
		tt_say("TETHER_SAMPLE_RATE is ignored: the leak check tracks every allocation");
	tt_proc.start_realtime_ns = realtime_ns();
	tt_proc.start_monotonic_ns = tt_now_ns();
	tt_pid = (pid_t)syscall(SYS_getpid);
	if (tt_unwind_init() != 0) {
		tt_disable("TETHER_UNWIND: expected auto, libunwind or check");
		goto out;
	}
	tt_modules_snapshot();
	atomic_store(&tt_state, TT_STATE_ON);
out:
	settle_alloc_mode(false);	/* an early failure: the default layout */
	tt_tls.busy--;
	return atomic_load(&tt_state) == TT_STATE_ON;
}

static void
thread_exit_hook(void *arg)
{
	(void)arg;
	tt_record_thread_end();	/* its noted frees, before its slots go */
	tt_blocks_thread_exit();
}

void
tt_thread_key_init(void)
{
	atomic_store(&exit_key_state,
		     pthread_key_create(&exit_key, thread_exit_hook) == 0 ? 1 : -1);
}

bool
tt_thread_first(void)
{
	int state = atomic_load(&exit_key_state);

	if (state > 0)
		pthread_setspecific(exit_key, (void *)1);
	return state != 0;	/* before the key exists: try again later */
}
