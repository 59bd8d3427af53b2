/*
 * wait.c - the current wait of each thread, kept in its registry slot
 * (threads.h) so dumps see it (a thread without a slot keeps it in TLS
 * only); and, when a wait ends, the long-wait log and the block profile.
 *
 * The stack of a wait on a synchronisation object (a contended lock, a
 * condition variable, a semaphore, a barrier, a join, sigwait, pause,
 * sigsuspend) is captured when it begins: such a wait almost always
 * blocks, so the unwind is cheap next to it, and a thread blocked for good
 * then shows where.  Other waits (fd calls, sleeps) often return at once,
 * and an unwind costs more than they do: their stack is captured when
 * they end, and only for waits that are long or sampled for the block
 * profile.  Sampling follows Go's block profile: a wait
 * of d is kept with probability d / TETHER_BLOCK_RATE (always when longer),
 * and counted as 1/p waits of d/p nanoseconds, so sums are unbiased.
 */
#include "wait.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "io.h"
#include "options.h"
#include "record.h"
#include "stop.h"
#include "table.h"
#include "unwind.h"
#include "threads.h"
#include "tls.h"

static TT_TLS struct tt_wait_state unlisted;

static inline struct tt_wait_state *
mine(void)
{
	struct tt_thread *t = tt_tls.self;

	return t != NULL ? &t->wait : &unlisted;
}

/* Waits that block whenever they are recorded (the locks try first). */
static bool
blocks_surely(enum tt_wait_call call)
{
	return (call >= TT_WAIT_MUTEX_LOCK && call <= TT_WAIT_JOIN) ||
	       (call >= TT_WAIT_SIGWAIT && call <= TT_WAIT_PAUSE);
}

static uint32_t wait_stack(enum tt_wait_call call);

/*
 * The caller's stack pointer and callee-saved registers as they were when
 * it called tt_wait_begin(): whatever pointers the program keeps in
 * registers across the blocking call are there or in a frame above that
 * stack pointer, so a scan can read them while the thread waits (stop.h).
 * An assembly entry saves them before any compiled code can touch them.
 */
struct park_note {
	uint64_t regs[6];	/* rbx, rbp, r12, r13, r14, r15 */
	uint64_t sp;
	uint64_t ip;		/* the return address into the wrapper */
};
TT_TLS struct park_note tt_park_note __attribute__((visibility("hidden")));

void tt_wait_begin_c(enum tt_wait_call call, uintptr_t object, int fd)
	__attribute__((visibility("hidden")));

#if defined(__x86_64__)
__asm__(".text\n"
	".globl tt_wait_begin\n"
	".hidden tt_wait_begin\n"
	".type tt_wait_begin, @function\n"
	"tt_wait_begin:\n"
	"	.cfi_startproc\n"
	"	movq tt_park_note@gottpoff(%rip), %rax\n"
	"	movq %rbx, %fs:0(%rax)\n"
	"	movq %rbp, %fs:8(%rax)\n"
	"	movq %r12, %fs:16(%rax)\n"
	"	movq %r13, %fs:24(%rax)\n"
	"	movq %r14, %fs:32(%rax)\n"
	"	movq %r15, %fs:40(%rax)\n"
	"	leaq 8(%rsp), %r11\n"
	"	movq %r11, %fs:48(%rax)\n"
	"	movq (%rsp), %r11\n"
	"	movq %r11, %fs:56(%rax)\n"
	"	jmp tt_wait_begin_c\n"
	"	.cfi_endproc\n"
	".size tt_wait_begin, .-tt_wait_begin\n");
#define TT_HAVE_PARK_NOTE 1
#else
void
tt_wait_begin(enum tt_wait_call call, uintptr_t object, int fd)
{
	tt_wait_begin_c(call, object, fd);
}
#define TT_HAVE_PARK_NOTE 0
#endif

void
tt_wait_begin_c(enum tt_wait_call call, uintptr_t object, int fd)
{
	struct tt_thread *t = tt_tls.self;
	struct tt_wait_state *w;

	if (tt_tls.busy)
		return;
	w = mine();
	w->object = object;
	w->fd = fd;
	w->stack = 0;
	if (blocks_surely(call) && tt_tls.self != NULL &&
	    atomic_load_explicit(&tt_state, memory_order_relaxed) == TT_STATE_ON) {
		int saved = errno;

		tt_tls.busy++;	/* may reenter: libunwind */
		w->stack = wait_stack(call);
		tt_tls.busy--;
		errno = saved;
	}
	w->since_ns = tt_now_ns();
	/* pairs with the acquire in tt_threads_read's copy */
	atomic_store_explicit(&w->call, call, memory_order_release);
	/* A wait nested in another (a signal handler's) keeps the outer note:
	 * the outer wait may be claimed right now. */
	if (TT_HAVE_PARK_NOTE && t != NULL &&
	    atomic_load_explicit(&t->park, memory_order_relaxed) == TT_PARK_NONE) {
		for (unsigned i = 0; i < 6; i++)
			t->park_regs[i] = tt_park_note.regs[i];
		t->park_sp = tt_park_note.sp;
		t->park_ip = tt_park_note.ip;
		atomic_store_explicit(&t->park, TT_PARK_WAITING, memory_order_release);
	}
}

extern struct tt_opts tt_opts;

struct log_entry {
	_Atomic uint64_t seq;		/* index + 1 once written, 0 while writing */
	struct tt_rec_long_wait w;
};

static struct log_entry *wait_log;
static uint64_t log_cap;
static _Atomic uint64_t log_head;

int
tt_waits_init(uint64_t max)
{
	log_cap = max;
	wait_log = tt_map_reserve(max * sizeof(*wait_log));
	return wait_log ? 0 : -ENOMEM;
}

static void
log_append(const struct tt_rec_long_wait *w)
{
	uint64_t i = atomic_fetch_add_explicit(&log_head, 1, memory_order_relaxed);
	struct log_entry *e = &wait_log[i % log_cap];

	atomic_store_explicit(&e->seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	e->w = *w;
	/* pairs with the acquire in tt_waits_each */
	atomic_store_explicit(&e->seq, i + 1, memory_order_release);
}

uint64_t
tt_waits_each_max(void (*fn)(const struct tt_rec_long_wait *, void *), void *arg,
		  uint64_t max)
{
	uint64_t head = atomic_load_explicit(&log_head, memory_order_acquire);
	uint64_t keep = log_cap < max ? log_cap : max;
	uint64_t first = head > keep ? head - keep : 0;

	if (wait_log == NULL)
		return 0;
	for (uint64_t i = first; i < head; i++) {
		struct log_entry *e = &wait_log[i % log_cap];
		struct tt_rec_long_wait copy;

		if (atomic_load_explicit(&e->seq, memory_order_acquire) != i + 1)
			continue;	/* being written, or already overwritten */
		copy = e->w;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&e->seq, memory_order_relaxed) == i + 1)
			fn(&copy, arg);
	}
	return first;
}

/* Where the wait happened; 0 when the stack table is full. */
static uint32_t
wait_stack(enum tt_wait_call call)
{
	return tt_record_stack(TT_FN_WAIT_BASE + call);
}

static void
wait_done(struct tt_wait_state *w, enum tt_wait_call call)
{
	uint64_t end = tt_now_ns(), d = end > w->since_ns ? end - w->since_ns : 0;
	uint64_t rate = tt_opts.block_rate;
	bool sampled = d >= rate || tt_dice() % rate < d;
	bool is_long = d >= tt_opts.long_wait;
	struct tt_stack *s;
	uint32_t id;

	if (!sampled && !is_long)
		return;
	id = w->stack ? w->stack : wait_stack(call);
	s = tt_stacks_get(id);
	if (sampled && s != NULL) {
		/* counted as 1/p waits of d/p, p = d/rate when d < rate */
		uint64_t count = d >= rate ? 1 : (rate + d / 2) / (d ? d : 1);

		atomic_fetch_add_explicit(&s->alloc_blocks, count, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->alloc_bytes, d >= rate ? d : rate,
					  memory_order_relaxed);
	}
	if (is_long) {
		struct tt_rec_long_wait rec = {
			.thread = tt_tls.thread, .call = call, .fd = w->fd, .stack = id,
			.object = w->object, .start_ns = w->since_ns, .end_ns = end,
		};

		log_append(&rec);
	}
}

void
tt_wait_end(void)
{
	struct tt_wait_state *w;
	enum tt_wait_call call;
	int saved;

	if (tt_tls.busy)
		return;
	if (tt_tls.self != NULL)
		tt_park_leave(tt_tls.self);
	w = mine();
	call = (enum tt_wait_call)atomic_load_explicit(&w->call, memory_order_relaxed);
	atomic_store_explicit(&w->call, TT_WAIT_NONE, memory_order_release);
	if (call == TT_WAIT_NONE ||
	    atomic_load_explicit(&tt_state, memory_order_relaxed) != TT_STATE_ON)
		return;
	saved = errno;
	tt_tls.busy++;	/* may reenter: libunwind */
	wait_done(w, call);
	tt_tls.busy--;
	errno = saved;
}

void
tt_wait_jumped(uint64_t sp)
{
	struct tt_thread *t = tt_tls.self;

	if (!TT_HAVE_PARK_NOTE || t == NULL || tt_tls.busy ||
	    atomic_load_explicit(&t->park, memory_order_acquire) == TT_PARK_NONE ||
	    t->park_sp > sp)
		return;
	tt_park_leave(t);
	atomic_store_explicit(&t->wait.call, TT_WAIT_NONE, memory_order_release);
}

/*
 * Whether thread tid is inside a system call with its stack pointer below
 * sp on the same stack (/proc/self/task/TID/syscall: "NR ARGS... SP PC"),
 * as it is while it blocks in the wrapper that left a note at sp.  A note
 * left behind by a longjmp out of a signal handler fails this test.
 */
static bool
in_call_below(int32_t tid, uint64_t sp)
{
	char path[64], buf[512];
	const char *p = buf;
	uint64_t field[9];
	long fd, n;
	unsigned k = 0;

	tt_fmt(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return false;	/* "running", or unreadable */
	buf[n] = '\0';
	while (k < 9 && *p) {
		uint64_t v = 0;

		if (p[0] == '0' && p[1] == 'x')
			p += 2;
		for (;; p++) {
			if (*p >= '0' && *p <= '9')
				v = v << 4 | (uint64_t)(*p - '0');
			else if (*p >= 'a' && *p <= 'f')
				v = v << 4 | (uint64_t)(*p - 'a' + 10);
			else
				break;
		}
		field[k++] = v;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			break;
	}
	/* The first field is decimal; only the stack pointer (field 8) counts. */
	return k == 9 && field[7] < sp && sp - field[7] < (64u << 20);
}

void
tt_waits_unwind_blocked(void)
{
	uintptr_t frames[TT_MAX_DEPTH];

	if (!TT_HAVE_PARK_NOTE)
		return;
	for (uint32_t i = 0; i < tt_threads_high(); i++) {
		struct tt_thread *t = tt_threads_slot(i);
		enum tt_wait_call call;
		bool truncated;
		unsigned depth;

		if (t == tt_tls.self ||
		    atomic_load_explicit(&t->state, memory_order_acquire) != TT_THR_RUNNING ||
		    !tt_park_claim(t))
			continue;
		call = (enum tt_wait_call)atomic_load_explicit(&t->wait.call, memory_order_acquire);
		if (call != TT_WAIT_NONE && !blocks_surely(call) && t->wait.stack == 0 &&
		    in_call_below(atomic_load_explicit(&t->tid, memory_order_relaxed), t->park_sp)) {
			depth = tt_unwind_capture_from(t->park_ip, t->park_sp, t->park_regs, frames,
						       (unsigned)tt_opts.stack_depth, &truncated);
			if (depth > 0)
				t->wait.stack = tt_stacks_intern(frames, depth, TT_FN_WAIT_BASE + call,
								 truncated ? TT_STACK_TRUNCATED : 0);
		}
		tt_park_release(t);
	}
}

void
tt_wait_for_holder(uintptr_t m, int32_t owner)
{
	struct tt_thread *h;

	if (tt_tls.busy || atomic_load_explicit(&tt_state, memory_order_relaxed) != TT_STATE_ON)
		return;
	tt_tls.busy++;	/* the spinlock below is never taken re-entrantly */
	h = tt_threads_by_tid(owner);
	if (h != NULL && h != tt_tls.self) {
		tt_spin_lock(&h->contention_lock);
		if (h->contended == 0 || h->contended == m) {
			h->contended = m;
			h->waiters++;
			h->waiters_since += tt_now_ns();
		}
		tt_spin_unlock(&h->contention_lock);
	}
	tt_tls.busy--;
}

void
tt_wait_unlocked(uintptr_t m)
{
	struct tt_thread *t = tt_tls.self;
	uint64_t n, since, now, delay;
	struct tt_stack *s;
	int saved;

	if (t == NULL || __atomic_load_n(&t->waiters, __ATOMIC_RELAXED) == 0 ||
	    tt_tls.busy)
		return;
	saved = errno;
	tt_tls.busy++;
	tt_spin_lock(&t->contention_lock);
	if (t->contended != m) {
		tt_spin_unlock(&t->contention_lock);
		goto out;
	}
	n = t->waiters;
	since = t->waiters_since;
	t->contended = 0;
	t->waiters = 0;
	t->waiters_since = 0;
	tt_spin_unlock(&t->contention_lock);
	now = tt_now_ns();
	delay = n * now > since ? n * now - since : 0;
	s = tt_stacks_get(wait_stack(TT_WAIT_MUTEX_HELD));
	if (s != NULL) {
		atomic_fetch_add_explicit(&s->alloc_blocks, n, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->alloc_bytes, delay, memory_order_relaxed);
	}
out:
	tt_tls.busy--;
	errno = saved;
}
