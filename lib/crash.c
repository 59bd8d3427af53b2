/*
 * crash.c - the final dump of a program that crashes (TETHER_DUMP_ON_CRASH,
 * off by default): handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT,
 * installed on the program's behalf only where it left the default action,
 * that write a dump with the trigger "crash", put the default action back
 * and let the signal kill the process as it would have (same status, core
 * dump), by returning to the faulting instruction or raising the signal
 * again.
 *
 * The program keeps its signals: while tether holds one, sigaction and
 * signal show the program the default action it would see without tether;
 * a handler (or SIG_IGN) it installs is installed for real and tether lets
 * go of that signal for good (lib/interpose_signal.c).
 *
 * Safe context: each thread gets an alternate signal stack (unless it set
 * one of its own), so a stack overflow still gets its dump; the dump is
 * written by tt_dump_write_crash() (lib/dump.c): raw system calls, static
 * buffers, lock-free tables, no allocation, no unwinding of other threads,
 * and no dl_iterate_phdr (the loader's lock may be held by the crashed
 * thread).  What is not guaranteed is in libtether(7).
 *
 * Context: tt_crash_start() from the constructor; tt_crash_thread_*() from
 * the thread trampoline; the handler in any thread.
 */
#include "crash.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "dump.h"
#include "dumper.h"
#include "internal.h"
#include "io.h"
#include "options.h"
#include "own_maps.h"
#include "tls.h"

extern struct tt_opts tt_opts;

static const int crash_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
#define NSIGS (sizeof(crash_sigs) / sizeof(crash_sigs[0]))

static _Atomic int mine[65];		/* tether's handler is installed */
static struct sigaction view[65];	/* what the program set (SIG_DFL) */
static _Atomic int crashing;		/* a crash dump is being written */
static _Atomic int crash_done;

#define ALT_SIZE (64u << 10)
static TT_TLS void *alt_stack;		/* this thread's, when tether set it */

static int
is_crash_sig(int sig)
{
	for (unsigned i = 0; i < NSIGS; i++)
		if (crash_sigs[i] == sig)
			return 1;
	return 0;
}

static void
set_default(int sig)
{
	struct sigaction sa;
	sigaction_fn real = tt_dumper_real_sigaction();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	if (real != NULL)
		real(sig, &sa, NULL);
}

static void
on_crash(int sig, siginfo_t *si, void *uc)
{
	struct timespec ms = { 0, 1000000 };
	int saved = errno;

	(void)uc;
	tt_tls.busy++;
	if (atomic_exchange(&crashing, 1) == 0) {
		/* A fault while the dump is written kills the process at once
		 * with that fault's default action. */
		for (unsigned i = 0; i < NSIGS; i++)
			if (atomic_exchange(&mine[crash_sigs[i]], 0))
				set_default(crash_sigs[i]);
		tt_dump_write_crash(sig);
		atomic_store(&crash_done, 1);
	} else {
		/* Another thread crashed too: let the first write its dump
		 * (at most ten seconds) before this one ends the process. */
		for (unsigned i = 0; i < 10000 && !atomic_load(&crash_done); i++)
			syscall(SYS_nanosleep, &ms, NULL);
		set_default(sig);
	}
	tt_tls.busy--;
	errno = saved;
	/* A fault comes back when the instruction runs again, now to the
	 * default action; a signal that was sent (abort, kill) is sent again,
	 * and arrives when this handler returns and unblocks it. */
	if (si == NULL || si->si_code <= 0 || sig == SIGABRT)
		syscall(SYS_tgkill, (int)syscall(SYS_getpid), (int)syscall(SYS_gettid), sig);
}

void
tt_crash_thread_start(void)
{
	stack_t ss, old;
	void *m;

	if (!tt_opts.dump_on_crash || alt_stack != NULL)
		return;
	if (syscall(SYS_sigaltstack, NULL, &old) != 0 || !(old.ss_flags & SS_DISABLE))
		return;		/* the program's own, or we cannot tell */
	m = (void *)syscall(SYS_mmap, NULL, ALT_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return;
	tt_own_add(m, ALT_SIZE);
	ss.ss_sp = m;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (syscall(SYS_sigaltstack, &ss, NULL) != 0) {
		tt_own_del(m, ALT_SIZE);
		syscall(SYS_munmap, m, ALT_SIZE);
		return;
	}
	alt_stack = m;
}

void
tt_crash_thread_end(void)
{
	stack_t ss, old;

	if (alt_stack == NULL)
		return;
	/* Only when it is still ours and not in use. */
	if (syscall(SYS_sigaltstack, NULL, &old) == 0 && old.ss_sp == alt_stack &&
	    !(old.ss_flags & SS_ONSTACK)) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_flags = SS_DISABLE;
		if (syscall(SYS_sigaltstack, &ss, NULL) == 0) {
			tt_own_del(alt_stack, ALT_SIZE);
			syscall(SYS_munmap, alt_stack, ALT_SIZE);
		}
	}
	alt_stack = NULL;
}

void
tt_crash_start(void)
{
	sigaction_fn real = tt_dumper_real_sigaction();
	struct sigaction sa, old;

	if (!tt_opts.dump_on_crash || real == NULL)
		return;
	tt_crash_thread_start();
	for (unsigned i = 0; i < NSIGS; i++) {
		int sig = crash_sigs[i];

		if (real(sig, NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
		    old.sa_handler != SIG_DFL)
			continue;	/* ignored or handled already: left alone */
		view[sig] = old;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_crash;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
		sigfillset(&sa.sa_mask);
		if (real(sig, &sa, NULL) == 0)
			atomic_store(&mine[sig], 1);
	}
}

void
tt_crash_postfork_child(void)
{
	/* The child inherits the handlers and the thread's altstack. */
	atomic_store(&crashing, 0);
	atomic_store(&crash_done, 0);
}

int
tt_crash_owns(int sig)
{
	return sig > 0 && sig < 65 && is_crash_sig(sig) && atomic_load(&mine[sig]);
}

struct sigaction *
tt_crash_view(int sig)
{
	return &view[sig];
}

void
tt_crash_give_up(int sig)
{
	atomic_store(&mine[sig], 0);
}

void
tt_crash_take_back(int sig)
{
	atomic_store(&mine[sig], 1);
}
