/*
 * stop.c - stopping the other threads for a scan (stop.h).
 *
 * Only raw system calls once the first thread is asked to stop: a parked
 * thread may hold any lock of libc or of the allocator.
 */
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "dumper.h"
#include "internal.h"
#include "io.h"
#include "table.h"
#include "threads.h"
#include "tls.h"

#define STOP_MAX 65536		/* threads one stop can hold */
#define STOP_TIMEOUT_NS 1000000000ull

TT_TLS int tt_lock_depth;
TT_TLS int tt_stop_pending;

static struct tt_stopped *world;
static _Atomic uint32_t nworld;
static _Atomic uint32_t stopping;	/* futex word: 1 while stopped */
static int stop_sig;
static pid_t my_pid;

static long
futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}

static struct tt_stopped *
find(int32_t tid)
{
	uint32_t n = atomic_load_explicit(&nworld, memory_order_acquire);

	for (uint32_t i = 0; i < n; i++)
		if (world[i].tid == tid)
			return &world[i];
	return NULL;
}

/* Announce the stop and wait for the world to go on. */
static void
park(struct tt_stopped *e)
{
	int32_t asked = TT_STOP_ASKED;

	if (!atomic_compare_exchange_strong(&e->state, &asked, TT_STOP_DONE))
		return;		/* given up on, or not asked */
	futex((_Atomic uint32_t *)&e->state, FUTEX_WAKE, 1, NULL);
	while (atomic_load_explicit(&stopping, memory_order_acquire))
		futex(&stopping, FUTEX_WAIT, 1, NULL);
}

static void
on_stop_signal(int sig, siginfo_t *si, void *ucv)
{
	int saved = errno;
	struct tt_stopped *e;

	(void)sig;
	if (si->si_code != SI_TKILL || si->si_pid != my_pid ||
	    !atomic_load_explicit(&stopping, memory_order_acquire))
		goto out;
	if (tt_lock_depth > 0) {
		tt_stop_pending |= TT_PENDING_PARK;	/* park at tt_spin_unlock */
		goto out;
	}
	e = find((int32_t)syscall(SYS_gettid));
	if (e == NULL)
		goto out;
#if defined(__x86_64__)
	{
		const ucontext_t *uc = ucv;

		for (unsigned i = 0; i < TT_STOP_NREGS && i < NGREG; i++)
			e->regs[i] = (uint64_t)uc->uc_mcontext.gregs[i];
		e->nregs = NGREG < TT_STOP_NREGS ? NGREG : TT_STOP_NREGS;
		e->sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	}
#else
	(void)ucv;
	e->sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
#endif
	park(e);
out:
	errno = saved;
}

void
tt_stop_park_pending(void)
{
	struct tt_stopped *e;
	uint64_t sp;
	int what = tt_stop_pending;

	tt_stop_pending = 0;
	if (what & TT_PENDING_DUMP)
		tt_dumper_deferred();
	if (!(what & TT_PENDING_PARK) ||
	    !atomic_load_explicit(&stopping, memory_order_acquire) ||
	    (e = find((int32_t)syscall(SYS_gettid))) == NULL)
		return;
	__builtin_unwind_init();	/* callee-saved registers to this frame */
#if defined(__x86_64__)
	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
#else
	sp = (uint64_t)(uintptr_t)__builtin_frame_address(0) - 256;
#endif
	e->sp = sp;
	e->nregs = 0;
	park(e);
}

bool
tt_park_claim(struct tt_thread *t)
{
	uint32_t waiting = TT_PARK_WAITING;

	return atomic_compare_exchange_strong_explicit(&t->park, &waiting, TT_PARK_CLAIMED,
						       memory_order_acq_rel,
						       memory_order_relaxed);
}

void
tt_park_release(struct tt_thread *t)
{
	uint32_t claimed = TT_PARK_CLAIMED;

	if (atomic_compare_exchange_strong_explicit(&t->park, &claimed, TT_PARK_WAITING,
						    memory_order_acq_rel, memory_order_relaxed))
		futex(&t->park, FUTEX_WAKE, INT32_MAX, NULL);
}

void
tt_park_leave(struct tt_thread *t)
{
	for (;;) {
		uint32_t st = atomic_load_explicit(&t->park, memory_order_acquire);

		if (st == TT_PARK_NONE)
			return;
		if (st == TT_PARK_CLAIMED) {
			futex(&t->park, FUTEX_WAIT, TT_PARK_CLAIMED, NULL);
			continue;
		}
		if (atomic_compare_exchange_weak_explicit(&t->park, &st, TT_PARK_NONE,
							  memory_order_acq_rel,
							  memory_order_relaxed))
			return;
	}
}

int
tt_stop_signal(void)
{
	return stop_sig;
}

/* A real-time signal the program leaves alone, with our handler on it. */
static int
pick_signal(void)
{
	struct sigaction sa, old;

	if (stop_sig != 0 && sigaction(stop_sig, NULL, &old) == 0 &&
	    (old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_stop_signal)
		return stop_sig;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_stop_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	for (int sig = SIGRTMAX; sig >= SIGRTMIN + 2; sig--) {
		if (sigaction(sig, NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
		    old.sa_handler != SIG_DFL)
			continue;
		if (sigaction(sig, &sa, NULL) == 0)
			return stop_sig = sig;
	}
	return stop_sig = 0;
}

/* Whether thread tid blocks sig: /proc/self/task/TID/status, SigBlk. */
static bool
blocks_signal(int32_t tid, int sig)
{
	char path[64], buf[4096];
	const char *p;
	uint64_t mask = 0;
	long n;
	int fd;

	tt_fmt(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strstr(buf, "SigBlk:");
	if (p == NULL)
		return false;
	for (p += 7; *p == ' ' || *p == '\t'; p++)
		;
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			break;
		mask = mask << 4 | d;
	}
	return (mask >> (sig - 1)) & 1;
}

static struct tt_stopped *
add(int32_t tid, int32_t state)
{
	uint32_t n = atomic_load_explicit(&nworld, memory_order_relaxed);
	struct tt_stopped *e;

	if (n == STOP_MAX)
		return NULL;
	e = &world[n];
	memset(e, 0, sizeof(*e));
	e->tid = tid;
	atomic_store_explicit(&e->state, state, memory_order_relaxed);
	atomic_store_explicit(&nworld, n + 1, memory_order_release);
	return e;
}

/* Threads blocked in a wrapper: claim them where they wait. */
static void
claim_waiting(int32_t self)
{
	uint32_t high = tt_threads_high();

	for (uint32_t i = 0; i < high; i++) {
		struct tt_thread *t = tt_threads_slot(i);
		int32_t tid = atomic_load_explicit(&t->tid, memory_order_relaxed);
		struct tt_stopped *e;

		if (tid == self || tid <= 0 ||
		    atomic_load_explicit(&t->state, memory_order_acquire) != TT_THR_RUNNING)
			continue;
		if (!tt_park_claim(t))
			continue;
		e = add(tid, TT_STOP_DONE);
		if (e == NULL) {
			tt_park_release(t);
			return;
		}
		e->in_wait = 1;
		e->claimed = t;
		e->sp = t->park_sp;
		e->nregs = 6;
		for (unsigned k = 0; k < 6; k++)
			e->regs[k] = t->park_regs[k];
	}
}

/* Ask every thread in /proc/self/task not asked yet; how many were new. */
static unsigned
ask_new(int32_t self)
{
	char buf[8192];
	unsigned added = 0;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task",
			      O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			int32_t tid = 0;
			struct tt_stopped *e;

			off += d->reclen;
			for (const char *c = d->name; *c >= '0' && *c <= '9'; c++)
				tid = tid * 10 + (*c - '0');
			if (tid <= 0 || tid == self || tid == tt_dumper_tid() || find(tid) != NULL)
				continue;
			e = add(tid, TT_STOP_ASKED);
			if (e == NULL)
				break;
			added++;
			if (stop_sig == 0 || blocks_signal(tid, stop_sig)) {
				atomic_store(&e->state, TT_STOP_FAILED);
				continue;
			}
			if (syscall(SYS_tgkill, my_pid, tid, stop_sig) != 0) {
				int32_t asked = TT_STOP_ASKED;

				atomic_compare_exchange_strong(&e->state, &asked,
							       errno == ESRCH ? TT_STOP_GONE
									      : TT_STOP_FAILED);
			}
		}
	}
	syscall(SYS_close, fd);
	return added;
}

/* Wait for the asked threads to park, until the deadline. */
static void
await(uint64_t deadline)
{
	uint32_t n = atomic_load(&nworld);

	for (uint32_t i = 0; i < n; i++) {
		struct tt_stopped *e = &world[i];
		int32_t st;

		while ((st = atomic_load(&e->state)) == TT_STOP_ASKED) {
			uint64_t now = tt_now_ns();
			struct timespec ts;

			if (now >= deadline) {
				atomic_compare_exchange_strong(&e->state, &st, TT_STOP_FAILED);
				break;
			}
			ts.tv_sec = (time_t)((deadline - now) / 1000000000u);
			ts.tv_nsec = (long)((deadline - now) % 1000000000u);
			if (ts.tv_sec > 0)
				ts = (struct timespec){ 0, 10000000 };
			futex((_Atomic uint32_t *)&e->state, FUTEX_WAIT,
			      (uint32_t)TT_STOP_ASKED, &ts);
		}
	}
}

int
tt_world_stop(struct tt_world *w)
{
	int32_t self = (int32_t)syscall(SYS_gettid);
	uint64_t deadline;

	memset(w, 0, sizeof(*w));
	if (world == NULL && (world = tt_map_reserve(STOP_MAX * sizeof(*world))) == NULL)
		return -ENOMEM;
	my_pid = (pid_t)syscall(SYS_getpid);
	pick_signal();
	atomic_store(&nworld, 0);
	atomic_store_explicit(&stopping, 1, memory_order_release);
	claim_waiting(self);
	deadline = tt_now_ns() + STOP_TIMEOUT_NS;
	/* Threads may start threads until they are stopped: list again
	 * until a pass finds none new. */
	for (unsigned pass = 0; pass < 16; pass++) {
		if (ask_new(self) == 0)
			break;
		await(deadline);
	}
	w->t = world;
	w->n = atomic_load(&nworld);
	for (uint32_t i = 0; i < w->n; i++) {
		int32_t st = atomic_load(&world[i].state);

		w->stopped += st == TT_STOP_DONE;
		w->failed += st == TT_STOP_FAILED;
	}
	return stop_sig ? 0 : -EAGAIN;
}

void
tt_world_resume(struct tt_world *w)
{
	atomic_store_explicit(&stopping, 0, memory_order_release);
	futex(&stopping, FUTEX_WAKE, INT32_MAX, NULL);
	/* Claimed waits go on, and can be claimed again next time. */
	for (uint32_t i = 0; i < w->n; i++)
		if (w->t[i].claimed != NULL)
			tt_park_release(w->t[i].claimed);
}
