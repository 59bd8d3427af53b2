/*
 * dumper.c - dumps while the program runs: on the dump signal
 * (TETHER_DUMP_SIGNAL), every TETHER_DUMP_INTERVAL, every
 * TETHER_DUMP_EVERY_BYTES allocated, and from tether_dump().  Keeps the
 * last TETHER_KEEP_DUMPS of them and a status file next to them for
 * `tether dump PID`.
 *
 * The signal handler and the allocation counter only set a bit in a futex
 * word and wake tether's own dumper thread, which writes the dump: nothing
 * in a signal handler takes a lock or allocates.  A program that has no
 * thread of its own, with only the signal on, gets no dumper thread until
 * it starts one (one more thread turns glibc's single-thread fast paths
 * off); until then the handler writes the dump itself, from the lock-free
 * tables with raw system calls, as the crash dump does (dump_in_handler).
 * The dumper thread is started with the library (when a trigger is on) through
 * pthread_create with a start routine inside libtether, so the wrapper
 * treats it as internal: it records nothing and is never in the thread
 * registry or a report.  A forked child starts its own.
 *
 * The dump signal is never taken from the program: when the program
 * installs a handler of its own for it (lib/interpose_signal.c), that
 * handler is installed for real and tether stops dumping on the signal,
 * saying so once (tt_dumper_give_up).
 *
 * With TETHER_DUMP_SCAN each of these dumps carries a reachability scan
 * (leak_check.h), which stops the program's threads while it marks.
 *
 * Context: the wrappers may be called from any thread and from signal
 * handlers; tt_dumper_count_bytes() from the recorder.  See
 * doc/internals.md.
 */
#include "dumper.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "dump.h"
#include "internal.h"
#include "table.h"
#include "io.h"
#include "leak_check.h"
#include "options.h"
#include "tls.h"

extern struct tt_opts tt_opts;
extern pid_t tt_pid;

#define ASK_SIGNAL 1u
#define ASK_BYTES 2u
#define ASK_STATUS 4u

uint64_t tt_dump_step = UINT64_MAX;	/* per-thread bytes between counts */

static _Atomic uint32_t asked;		/* futex word: ASK_* bits */
static _Atomic int have_thread;		/* the dumper runs in this process */
static _Atomic int lazy;		/* no dumper yet: signal dumps in the handler */
static _Atomic int sig_mine;		/* tether's handler is installed */
static int dump_sig;			/* the configured signal, 0: none */
static struct sigaction prog_view;	/* what the program set, or inherited */
static _Atomic int said_taken;
static _Atomic uint64_t bytes_total;
static _Atomic int32_t dumper_tid;		/* 0 until it runs */
static atomic_flag live_busy = ATOMIC_FLAG_INIT;
static int status_written;		/* this process wrote its status file */

static _Atomic(sigaction_fn) real_sigaction_p;

/* Rotation: the live dumps this process wrote, oldest first, with their
 * inode so that a file replaced meanwhile is never deleted. */
struct kept {
	uint64_t dev, ino;
	char path[4096];
};
void *tt_je_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off);
static struct kept *ring;
static uint32_t ring_n, ring_head;

static long
futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}

static void
ask(uint32_t bit)
{
	atomic_fetch_or_explicit(&asked, bit, memory_order_release);
	futex(&asked, FUTEX_WAKE, 1, NULL);
}

sigaction_fn
tt_dumper_real_sigaction(void)
{
	sigaction_fn f = atomic_load_explicit(&real_sigaction_p, memory_order_acquire);

	if (f == NULL) {
		f = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
		atomic_store_explicit(&real_sigaction_p, f, memory_order_release);
	}
	return f;
}

static long dump_in_handler(void);

/*
 * The dump signal.  With the dumper thread: wake it.  Without (a program
 * that has not started a thread, and only signal dumps asked for): write
 * the dump here, unless this thread holds one of tether's locks (then at
 * its release, tt_stop_park_pending) or is writing a dump already (which
 * the waiter's sequence number will see).
 */
static void
on_dump_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	(void)sig; (void)si; (void)uc;
	if (!atomic_load_explicit(&lazy, memory_order_acquire))
		ask(ASK_SIGNAL);
	else if (tt_lock_depth > 0)
		tt_stop_pending |= TT_PENDING_DUMP;
	else
		(void)dump_in_handler();
	errno = saved;
}

void
tt_dumper_deferred(void)
{
	if (atomic_load_explicit(&lazy, memory_order_acquire))
		(void)dump_in_handler();
	else
		ask(ASK_SIGNAL);
}

void
tt_dumper_count_bytes(void)
{
	uint64_t every = tt_opts.dump_every_bytes, b = tt_tls.dump_bytes, before;

	tt_tls.dump_bytes = 0;
	if (every == 0 || !atomic_load_explicit(&have_thread, memory_order_relaxed))
		return;
	before = atomic_fetch_add_explicit(&bytes_total, b, memory_order_relaxed);
	if ((before + b) / every != before / every)
		ask(ASK_BYTES);
}

/* ---- the status file ------------------------------------------------- */

static void
status_path(char *out, size_t n, int tmp)
{
	char dir[4096];

	tt_dump_dir(dir, sizeof(dir));
	tt_fmt(out, n, "%s/.tether.%d.status%s", dir, (int)syscall(SYS_getpid),
	       tmp ? ".tmp" : "");
}

/*
 * Rewrite the status file (replaced whole by a rename, so a reader sees
 * the old one or the new one).  Read by `tether dump PID`; described in
 * tether-dump(1).  Called with live_busy held.
 */
static void
write_status(void)
{
	char path[4200], tmp[4200], buf[4096 + 512], sn[32];
	int sig = atomic_load(&sig_mine) ? dump_sig : 0;
	size_t len;
	long fd;

	tt_signal_name((uint64_t)sig, sn, sizeof(sn));
	len = tt_fmt(buf, sizeof(buf),
		     "tether-status 1\npid %d\nsignal %d %s\ntaken %d\nseq %u\nlast %s\n",
		     (int)syscall(SYS_getpid), sig, sn,
		     dump_sig != 0 && !atomic_load(&sig_mine), tt_proc.seq,
		     tt_dump_last_path[0] ? tt_dump_last_path : "-");
	status_path(path, sizeof(path), 0);
	status_path(tmp, sizeof(tmp), 1);
	fd = syscall(SYS_openat, AT_FDCWD, tmp,
		     O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (tt_write_all((int)fd, buf, len) != 0) {
		syscall(SYS_close, fd);
		syscall(SYS_unlinkat, AT_FDCWD, tmp, 0);
		return;
	}
	syscall(SYS_close, fd);
	if (syscall(SYS_renameat, AT_FDCWD, tmp, AT_FDCWD, path) != 0)
		syscall(SYS_unlinkat, AT_FDCWD, tmp, 0);
	else
		status_written = 1;
}

void
tt_dumper_exit(void)
{
	char path[4200];

	if (!status_written || (!atomic_load(&have_thread) && !atomic_load(&lazy)))
		return;
	status_path(path, sizeof(path), 0);
	syscall(SYS_unlinkat, AT_FDCWD, path, 0);
}

/* ---- live dumps and rotation ------------------------------------------ */

static void
rotate(void)
{
	uint32_t cap = (uint32_t)tt_opts.keep_dumps;
	struct kept *k;
	struct stat st;

	if (cap == 0)
		return;		/* keep all: nothing to remember */
	if (ring == NULL) {
		void *m = tt_je_mmap(NULL, cap * sizeof(*ring), PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (m == MAP_FAILED)
			return;
		ring = m;
	}
	if (ring_n == cap) {
		k = &ring[ring_head];
		if (syscall(SYS_newfstatat, AT_FDCWD, k->path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (uint64_t)st.st_dev == k->dev && (uint64_t)st.st_ino == k->ino)
			syscall(SYS_unlinkat, AT_FDCWD, k->path, 0);
		ring_head = (ring_head + 1) % cap;
		ring_n--;
	}
	if (syscall(SYS_newfstatat, AT_FDCWD, tt_dump_last_path, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	k = &ring[(ring_head + ring_n) % cap];
	k->dev = (uint64_t)st.st_dev;
	k->ino = (uint64_t)st.st_ino;
	memcpy(k->path, tt_dump_last_path, sizeof(k->path));
	ring_n++;
}

/*
 * A live dump by write (tt_dump_write, or tt_dump_write_signal from the
 * handler), rotated, the status file rewritten; waiting for a dump in
 * progress when wait is set, else -EBUSY.
 * Return: the dump's sequence number, or -errno.
 */
static long
live_dump(unsigned trigger, int wait, char *path, size_t n, int (*write)(unsigned))
{
	struct timespec ms = { 0, 1000000 };
	long rc;

	while (atomic_flag_test_and_set(&live_busy)) {
		if (!wait)
			return -EBUSY;
		syscall(SYS_nanosleep, &ms, NULL);
	}
	tt_tls.busy++;
	if (tt_opts.dump_scan && atomic_load(&tt_state) == TT_STATE_ON && !tt_dump_exiting &&
	    tt_leak_scan(0, false) != 0) {
		static int said;

		if (!said++)
			tt_say("the reachability scan failed; the dump has no leak verdicts");
	}
	rc = atomic_load(&tt_state) == TT_STATE_ON && !tt_dump_exiting
		? write(trigger) : -ECANCELED;
	if (tt_opts.dump_scan)
		tt_leak_drop();
	if (rc == 0) {
		rc = tt_proc.seq;
		if (path != NULL && n > 0)
			tt_fmt(path, n, "%s", tt_dump_last_path);
		rotate();
		if (atomic_load(&have_thread) || atomic_load(&lazy))
			write_status();
	}
	tt_tls.busy--;
	atomic_flag_clear(&live_busy);
	return rc;
}

long
tt_dumper_dump(unsigned trigger, int wait, char *path, size_t n)
{
	return live_dump(trigger, wait, path, n, tt_dump_write);
}

/*
 * A signal dump written by the thread the signal interrupted (no dumper
 * thread): without waiting, in the crash dump's manner (no dl_iterate_phdr,
 * no unwinding of blocked threads: the interrupted code may hold the
 * loader's lock or be inside libunwind; no scan, which a program left
 * without a dumper thread never asked for).  A dump already being written,
 * here or by tether_dump(), answers the signal.
 */
static long
dump_in_handler(void)
{
	return live_dump(TT_TRIGGER_SIGNAL, 0, NULL, 0, tt_dump_write_signal);
}

/* ---- the dumper thread -------------------------------------------------- */

static void *
dumper_main(void *arg)
{
	uint64_t interval = tt_opts.dump_interval, next;
	sigset_t all;

	(void)arg;
	/* Program signals go to the program's threads; the real-time ones stay
	 * open for the scan's stop signal. */
	sigemptyset(&all);
	for (int s = 1; s < 32; s++)
		sigaddset(&all, s);
	if (dump_sig != 0)
		sigaddset(&all, dump_sig);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_NAME, "tether-dumper", 0, 0, 0);
	atomic_store(&dumper_tid, (int32_t)syscall(SYS_gettid));
	next = interval ? tt_now_ns() + interval : 0;
	for (;;) {
		uint32_t bits = atomic_exchange_explicit(&asked, 0, memory_order_acquire);
		uint64_t now = tt_now_ns();

		if (bits == 0 && (next == 0 || now < next)) {
			struct timespec ts, *tsp = NULL;

			if (next != 0) {
				ts.tv_sec = (time_t)((next - now) / 1000000000u);
				ts.tv_nsec = (long)((next - now) % 1000000000u);
				tsp = &ts;
			}
			futex(&asked, FUTEX_WAIT, 0, tsp);
			continue;
		}
		if (bits & ASK_SIGNAL)
			(void)tt_dumper_dump(TT_TRIGGER_SIGNAL, 1, NULL, 0);
		if (bits & ASK_BYTES)
			(void)tt_dumper_dump(TT_TRIGGER_BYTES, 1, NULL, 0);
		if (next != 0 && tt_now_ns() >= next) {
			(void)tt_dumper_dump(TT_TRIGGER_INTERVAL, 1, NULL, 0);
			next += interval;
			if ((now = tt_now_ns()) >= next)
				next = now + interval;	/* missed ones are not made up */
		}
		if (bits & ASK_STATUS) {
			while (atomic_flag_test_and_set(&live_busy))
				syscall(SYS_sched_yield);
			write_status();
			atomic_flag_clear(&live_busy);
		}
	}
	return NULL;
}

/*
 * The dumper's stack is tether's own memory (tt_map_reserve), so a scan
 * never takes it for a root, and it is never stopped for one
 * (tt_dumper_tid): it holds nothing of the program's but, below its stack
 * pointer, stale copies of block addresses from the last dump.  Started
 * with tt_tls.busy raised, so glibc's allocations for it (its TLS vector)
 * are not the program's blocks either.
 */
#define DUMPER_STACK (256u << 10)

static void announce(void);

static void *dumper_stack;

/* Start the dumper thread and write the status file. */
static void
start_thread_now(void)
{
	pthread_t th;
	pthread_attr_t attr;
	int rc = ENOMEM;

	tt_tls.busy++;
	if (dumper_stack == NULL)
		dumper_stack = tt_map_reserve(DUMPER_STACK);
	if (dumper_stack != NULL) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstack(&attr, dumper_stack, DUMPER_STACK);
		rc = pthread_create(&th, &attr, dumper_main, NULL);
		pthread_attr_destroy(&attr);
	}
	tt_tls.busy--;
	if (rc != 0) {
		tt_say("cannot start the dumper thread (error %d); no dumps while the "
		       "program runs, only at exit", rc);
		return;
	}
	atomic_store(&have_thread, 1);
	atomic_store(&lazy, 0);
	announce();
	if (tt_opts.dump_every_bytes != 0) {
		uint64_t step = tt_opts.dump_every_bytes / 16;

		tt_dump_step = step == 0 ? 1 : step > (1u << 20) ? (1u << 20) : step;
	}
}

static void
start_thread(void)
{
	if (dump_sig == 0 && tt_opts.dump_interval == 0 && tt_opts.dump_every_bytes == 0)
		return;
	/* A program without threads of its own gets none from tether while
	 * only the signal asks for dumps: one more thread would turn off
	 * glibc's single-thread fast paths (its locks take no atomic then).
	 * The thread starts with the program's first (tt_dumper_threads). */
	if (tt_opts.dump_interval == 0 && tt_opts.dump_every_bytes == 0 &&
	    !tt_opts.dump_scan && __libc_single_threaded && !atomic_load(&have_thread)) {
		atomic_store(&lazy, 1);
		announce();
		return;
	}
	start_thread_now();
}

/*
 * A signal to suggest instead: USR1 or USR2 when the program leaves it at
 * its default action now, else the first real-time signal from RTMIN+4 up
 * that it does (servers such as nginx handle both USR1 and USR2; glibc
 * keeps the lowest real-time signals and tether's scan takes its stop
 * signal from RTMAX down).  Only what the program has set so far is known.
 */
static void
suggest(char *buf, size_t n)
{
	static const int cand[] = { SIGUSR1, SIGUSR2 };
	static const char *const cand_name[] = { "USR1", "USR2" };
	sigaction_fn real = tt_dumper_real_sigaction();
	struct sigaction old;

	for (unsigned i = 0; i < 2; i++)
		if (cand[i] != dump_sig && real != NULL && real(cand[i], NULL, &old) == 0 &&
		    !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
			tt_fmt(buf, n, "%s", cand_name[i]);
			return;
		}
	for (int k = 4; k <= 20; k++)
		if (SIGRTMIN + k != dump_sig && real != NULL &&
		    real(SIGRTMIN + k, NULL, &old) == 0 &&
		    !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
			tt_fmt(buf, n, "RTMIN+%d", k);
			return;
		}
	tt_fmt(buf, n, "RTMIN+4");
}

/*
 * Where `tether dump` finds the process's dump directory and signal when
 * it has no status file yet: a one-page memfd mapping named
 * "tether-dir:PID:SIG:DIR" (SIG the signal's number, 0 for none; DIR
 * absolute), which /proc/PID/maps lists as
 * "/memfd:tether-dir:PID:SIG:DIR (deleted)".  It also stands for
 * TETHER_OUTPUT when /proc/PID/environ no longer shows it (nginx writes
 * its process title over the environment strings).  Not made when the
 * name would be longer than memfd_create allows (249 bytes).  A forked
 * child keeps its parent's mapping and adds its own.
 * Return: true when published.
 */
static bool
publish_dir(int sig)
{
	char dir[4096], cwd[4096], name[512];
	long fd;
	void *m;

	tt_dump_dir(dir, sizeof(dir));
	if (dir[0] != '/') {
		if (syscall(SYS_getcwd, cwd, sizeof(cwd)) <= 0)
			return false;
		if (tt_fmt(name, sizeof(name), "tether-dir:%d:%d:%s%s%s",
			   (int)syscall(SYS_getpid), sig, cwd,
			   strcmp(dir, ".") == 0 ? "" : "/",
			   strcmp(dir, ".") == 0 ? "" : dir) >= 249)
			return false;
	} else if (tt_fmt(name, sizeof(name), "tether-dir:%d:%d:%s", (int)syscall(SYS_getpid),
			  sig, dir) >= 249) {
		return false;
	}
	fd = syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */);
	if (fd < 0)
		return false;
	m = syscall(SYS_ftruncate, fd, 4096) == 0 ?
		(void *)syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	syscall(SYS_close, fd);
	return m != MAP_FAILED;	/* kept for the life of the process */
}

/*
 * Make the process known to `tether dump` before the program goes on.
 * The status file is written only when the memfd's name cannot say it all
 * (no memfd, or the program took the signal): creating, renaming and
 * removing a file cost every process about 60 us.  A status file left by
 * an earlier process with the same pid (one killed before its exit) is
 * removed, so it is not read as ours.
 */
static void
announce(void)
{
	char path[4200];
	bool taken = dump_sig != 0 && !atomic_load(&sig_mine);

	if (publish_dir(atomic_load(&sig_mine) ? dump_sig : 0) && !taken) {
		status_path(path, sizeof(path), 0);
		syscall(SYS_unlinkat, AT_FDCWD, path, 0);
		return;
	}
	while (atomic_flag_test_and_set(&live_busy))
		;
	write_status();
	atomic_flag_clear(&live_busy);
}

static void
say_taken(void)
{
	char sn[32], alt[32];

	if (atomic_exchange(&said_taken, 1))
		return;
	tt_signal_name((uint64_t)dump_sig, sn, sizeof(sn));
	suggest(alt, sizeof(alt));
	tt_say("the program handles %s itself, so tether does not dump on it; "
	       "set TETHER_DUMP_SIGNAL to a signal it leaves alone (e.g. "
	       "TETHER_DUMP_SIGNAL=%s) or use TETHER_DUMP_INTERVAL", sn, alt);
}

void
tt_dumper_start(void)
{
	struct sigaction sa, old;
	sigaction_fn real = tt_dumper_real_sigaction();

	dump_sig = (int)tt_opts.dump_signal;
	if (dump_sig != 0 && real != NULL && real(dump_sig, NULL, &old) == 0) {
		prog_view = old;
		if (!(old.sa_flags & SA_SIGINFO) &&
		    (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN)) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = on_dump_signal;
			sa.sa_flags = SA_SIGINFO | SA_RESTART;
			sigfillset(&sa.sa_mask);
			if (real(dump_sig, &sa, NULL) == 0)
				atomic_store(&sig_mine, 1);
		} else {
			say_taken();	/* set before tether loaded (another preload) */
		}
	}
	start_thread();
}

int32_t
tt_dumper_tid(void)
{
	return atomic_load_explicit(&dumper_tid, memory_order_relaxed);
}

void
tt_dumper_postfork_child(void)
{
	atomic_store(&asked, 0);
	atomic_store(&have_thread, 0);
	atomic_store(&lazy, 0);
	atomic_store(&dumper_tid, 0);	/* the parent's; its stack is free again */
	atomic_flag_clear(&live_busy);
	status_written = 0;	/* the parent's file is the parent's */
	ring_n = ring_head = 0;	/* the parent's dumps are the parent's to rotate */
	if (atomic_load(&tt_state) == TT_STATE_ON)
		start_thread();
}

/* ---- what the signal wrappers ask ------------------------------------- */

int
tt_dumper_signal(void)
{
	return atomic_load(&sig_mine) ? dump_sig : 0;
}

struct sigaction *
tt_dumper_prog_view(void)
{
	return &prog_view;
}

void
tt_dumper_give_up(void)
{
	atomic_store(&sig_mine, 0);
	say_taken();
	if (atomic_load(&have_thread)) {
		ask(ASK_STATUS);
	} else if (atomic_load(&lazy) && !atomic_flag_test_and_set(&live_busy)) {
		write_status();
		atomic_flag_clear(&live_busy);
	}
}

void
tt_dumper_threads(void)
{
	if (atomic_load_explicit(&lazy, memory_order_acquire) && !atomic_load(&have_thread))
		start_thread_now();
}

void
tt_dumper_take_back(void)
{
	atomic_store(&sig_mine, 1);
}
