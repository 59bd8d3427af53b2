/*
 * lifecycle.c - the parts of libtether's life that only the preloaded
 * library has (never the unit tests): the constructor, fork handlers and the
 * final dump at exit.
 *
 * The final dump is written by the destructor, which runs after atexit
 * handlers and after the destructors of the program and of every library
 * loaded after libtether; or by the _exit wrapper (interpose_process.c).
 * Fork: the module lock is taken around fork so the child never inherits it
 * held; the child gets its own pid in dump names and dump numbers from 1.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "crash.h"
#include "dump.h"
#include "dumper.h"
#include "internal.h"
#include "io.h"
#include "leak_check.h"
#include "modules.h"
#include "options.h"
#include "record.h"
#include "sample_arena.h"
#include "site_cache.h"
#include "threads.h"
#include "tls.h"
#include "unwind.h"

extern struct tt_opts tt_opts;
extern pid_t tt_pid;

static int final_done;

static void
prefork(void)
{
	tt_tls.busy++;	/* no recording while the locks are held */
	tt_modules_prefork();
	tt_threads_prefork();
}

static void
postfork_parent(void)
{
	tt_threads_postfork_parent();
	tt_modules_postfork();
	tt_tls.busy--;
}

static void
postfork_child(void)
{
	tt_record_postfork_child();
	tt_sarena_postfork_child();
	tt_sites_postfork_child(tt_tls.sites);
	tt_threads_postfork_child();
	tt_modules_postfork();
	tt_tls.busy--;
	tt_pid = (pid_t)syscall(SYS_getpid);
	final_done = 0;
	tt_dump_postfork_child();
	if (!tt_opts.follow_fork && atomic_load(&tt_state) == TT_STATE_ON)
		atomic_store(&tt_state, TT_STATE_OFF);
	tt_dumper_postfork_child();
	tt_crash_postfork_child();
}

static void
say_options(void)
{
#define TT_SHOW_STRING(N, f) tt_say("%s=%s", tt_opt_descs[TT_OPT_##N].env, tt_opts.f)
#define TT_SHOW_BOOL(N, f) tt_say("%s=%s", tt_opt_descs[TT_OPT_##N].env, tt_opts.f ? "yes" : "no")
#define TT_SHOW_UINT(N, f) tt_say("%s=%llu", tt_opt_descs[TT_OPT_##N].env, (unsigned long long)tt_opts.f)
#define TT_SHOW_SIZE TT_SHOW_UINT
#define TT_SHOW_DURATION(N, f) tt_say("%s=%lluns", tt_opt_descs[TT_OPT_##N].env, (unsigned long long)tt_opts.f)
#define TT_SHOW_SIGNAL(N, f) do { char sn[32]; tt_signal_name(tt_opts.f, sn, sizeof(sn)); \
		tt_say("%s=%s", tt_opt_descs[TT_OPT_##N].env, sn); } while (0)
#define OPT(NAME, field, type, def, min, max, doc) TT_SHOW_##type(NAME, field);
#include "options.def"
#undef OPT
}

__attribute__((constructor)) static void
tt_constructor(void)
{
	if (!tt_init())
		return;
	tt_tls.busy++;
	tt_thread_key_init();
	pthread_atfork(prefork, postfork_parent, postfork_child);
	if (tt_opts.verbose)
		say_options();
	if (tt_dump_check_output() != 0)
		tt_say("TETHER_OUTPUT=%s is not a writable location; the dump "
		       "at exit will fail", tt_opts.output);
	tt_dumper_start();
	tt_crash_start();
	tt_tls.busy--;
}

static void
say_scan(void)
{
	struct tt_leak_count c[5];
	const struct tt_rec_scan *r = &tt_leak_result.rec;

	tt_leak_count(0, c);
	tt_say("scan: definitely lost %llu bytes in %llu blocks, indirectly %llu in %llu, "
	       "possibly %llu in %llu, reachable %llu in %llu; %u threads stopped, "
	       "%u not, %llu root bytes, %llu us",
	       (unsigned long long)c[TT_LEAK_DEFINITE].bytes,
	       (unsigned long long)c[TT_LEAK_DEFINITE].blocks,
	       (unsigned long long)c[TT_LEAK_INDIRECT].bytes,
	       (unsigned long long)c[TT_LEAK_INDIRECT].blocks,
	       (unsigned long long)c[TT_LEAK_POSSIBLE].bytes,
	       (unsigned long long)c[TT_LEAK_POSSIBLE].blocks,
	       (unsigned long long)c[TT_LEAK_REACHABLE].bytes,
	       (unsigned long long)c[TT_LEAK_REACHABLE].blocks,
	       r->threads_stopped, r->threads_unstopped,
	       (unsigned long long)r->root_bytes, (unsigned long long)(r->duration_ns / 1000));
}

/*
 * tt_final_dump() - the dump at the end of the process, once; trigger 0
 * only notes the exit status.  A vfork child
 * shares the parent's memory and never ran the fork handlers; it writes
 * nothing.
 */
void tt_final_dump(unsigned trigger, int status);
void
tt_final_dump(unsigned trigger, int status)
{
	if ((pid_t)syscall(SYS_getpid) != tt_pid)
		return;
	if (status >= 0)
		tt_proc.exit_status = status & 0xff;
	if (trigger == 0 || atomic_load(&tt_state) != TT_STATE_ON || final_done)
		return;
	final_done = 1;
	tt_unwind_report();
	if (tt_opts.leak_check) {
		if (tt_leak_scan(0, true) != 0)
			tt_say("the reachability scan failed; the dump has no leak verdicts");
		else if (tt_opts.verbose)
			say_scan();
	}
	tt_dump_write_final(trigger);
	tt_dumper_exit();
	tt_leak_drop();
	atomic_store(&tt_state, TT_STATE_OFF);
}

__attribute__((destructor)) static void
tt_destructor(void)
{
	tt_leak_scrub_stack();
	tt_final_dump(TT_TRIGGER_EXIT, -1);
}
