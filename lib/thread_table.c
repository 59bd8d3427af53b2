/*
 * thread_table.c - the thread registry (threads.h).  A fixed array of slots
 * reserved up front; free slots are kept on a stack under a spinlock taken
 * only by thread create, join, detach and exit.
 */
#include "threads.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "own_maps.h"
#include "proc_maps.h"
#include "table.h"
#include "tls.h"

static struct tt_thread *slots;
/*
 * Threads whose slot was given back after they ran (joined, or ended
 * detached), newest last, so that a dump can still name the thread that
 * allocated a block it left behind.  Guarded by lock.
 */
static struct tt_rec_ended_thread *ended;
static uint64_t ended_total;
static uint32_t *free_stack;
static uint32_t nfree, high, cap;
static atomic_flag lock = ATOMIC_FLAG_INIT;
static _Atomic uint32_t next_num = 1;

uint32_t
tt_thread_number(void)
{
	return atomic_fetch_add_explicit(&next_num, 1, memory_order_relaxed);
}

uint32_t
tt_threads_seen(void)
{
	return atomic_load_explicit(&next_num, memory_order_relaxed) - 1;
}

struct tt_thread *
tt_threads_take(void)
{
	struct tt_thread *t = NULL;
	uint32_t i;

	tt_spin_lock(&lock);
	if (nfree > 0)
		i = free_stack[--nfree];
	else if (high < cap)
		i = high++;
	else
		goto out;
	t = &slots[i];
	atomic_fetch_add_explicit(&t->gen, 1, memory_order_acq_rel);
	t->creator = t->create_stack = 0;
	t->start_routine = t->stack_lo = t->stack_hi = t->ended_ns = 0;
	t->fn = NULL;
	t->arg = NULL;
	t->contended = 0;
	t->waiters = 0;
	t->waiters_since = 0;
	t->name[0] = '\0';
	t->created_ns = tt_now_ns();
	atomic_store_explicit(&t->tid, 0, memory_order_relaxed);
	atomic_store_explicit(&t->pthread, 0, memory_order_relaxed);
	atomic_store_explicit(&t->flags, 0, memory_order_relaxed);
	atomic_store_explicit(&t->wait.call, TT_WAIT_NONE, memory_order_relaxed);
	atomic_store_explicit(&t->state, TT_THR_STARTING, memory_order_release);
out:
	tt_spin_unlock(&lock);
	return t;
}

void
tt_threads_give(struct tt_thread *t)
{
	tt_spin_lock(&lock);
	if (t->num != 0 && atomic_load_explicit(&t->state, memory_order_relaxed) != TT_THR_STARTING) {
		if (ended != NULL)
			ended[ended_total++ % TT_THREADS_ENDED_KEPT] = (struct tt_rec_ended_thread){
				.num = t->num, .create_stack = t->create_stack,
				.start_routine = t->start_routine, .created_ns = t->created_ns,
				.ended_ns = t->ended_ns,
			};
	}
	atomic_store_explicit(&t->state, TT_THR_FREE, memory_order_release);
	atomic_fetch_add_explicit(&t->gen, 1, memory_order_acq_rel);
	free_stack[nfree++] = (uint32_t)(t - slots);
	tt_spin_unlock(&lock);
}

/*
 * A thread's stack bounds.  pthread_getattr_np gives them, but it also asks
 * the kernel for the thread's CPU affinity and allocates twice for it: in a
 * new thread those are two more size classes, so two more tcache bins and
 * slabs touched for the first time, and page faults whose TLB shootdowns
 * made a program that starts threads often pay more than for everything
 * else tether does in them.  glibc keeps the same bounds in the thread
 * descriptor (pthread_self()) as the stack block's address, size and guard
 * size in three words in a row: the first thread whose bounds
 * pthread_getattr_np gives is used to learn where, and later threads read
 * the three words.  Each such read is checked (the bounds must hold the
 * thread's own stack pointer and descriptor); a check that fails, or a
 * place not found exactly once, sends the thread to pthread_getattr_np.
 */
#define PD_SEARCH 4096			/* bytes of the descriptor searched */
#define PD_UNKNOWN -1
#define PD_NONE -2			/* not found: pthread_getattr_np always */
static _Atomic int pd_word = PD_UNKNOWN;	/* index of the stack block word */
static _Atomic uint64_t attr_asks;		/* pthread_getattr_np calls */

static bool
bounds_from_attr(uintptr_t *lo, uintptr_t *hi)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	bool ok = false;

	atomic_fetch_add_explicit(&attr_asks, 1, memory_order_relaxed);
	tt_tls.busy++;	/* may reenter: pthread_getattr_np allocates */
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
			*lo = (uintptr_t)addr;
			*hi = (uintptr_t)addr + size;
			ok = true;
		}
		pthread_attr_destroy(&attr);
	}
	tt_tls.busy--;
	return ok;
}

/*
 * The main thread's stack, as pthread_getattr_np computes it (the page
 * above __libc_stack_end down to RLIMIT_STACK below it, or to the mapping
 * below), from the maps read raw: glibc reads them with stdio and sscanf,
 * which took 0.3 ms, most of tether's start in a short process.  Checked
 * to hold the caller's stack pointer (tt_init may run on another thread).
 */
extern void *__libc_stack_end;

struct main_stack {
	uintptr_t in, prev_hi, hi;	/* __libc_stack_end, the mappings' ends */
};

static int
main_stack_one(const struct tt_maps_line *m, void *arg)
{
	struct main_stack *q = arg;

	if (q->in < m->lo || q->in >= m->hi) {
		q->prev_hi = m->hi;
		return 0;
	}
	q->hi = m->hi;
	return 1;
}

static bool
bounds_of_main(uintptr_t *lo, uintptr_t *hi)
{
	static char buf[4096];	/* tt_init's only */
	struct main_stack q = { (uintptr_t)__libc_stack_end, 0, 0 };
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), sp = (uintptr_t)&q, top, size;
	struct rlimit rl;

	if (q.in == 0 || getrlimit(RLIMIT_STACK, &rl) != 0 ||
	    tt_proc_maps_each(buf, sizeof(buf), main_stack_one, &q) != 1)
		return false;
	top = (q.in & -page) + page;
	size = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur < q.hi - top ? 0 :
		((rl.rlim_cur - (q.hi - top)) & -page);
	if (size == 0 || size > top - q.prev_hi)
		size = top - q.prev_hi;
	if (sp < top - size || sp >= top)
		return false;
	*lo = top - size;
	*hi = top;
	return true;
}

/* Where in the descriptor pd the block [lo - g, hi) is, g any guard size
 * below the stack: the word index, or PD_NONE unless exactly one fits. */
static int
learn_pd_word(const uintptr_t *pd, uintptr_t lo, uintptr_t hi)
{
	size_t n = PD_SEARCH / sizeof(*pd);
	int found = PD_NONE;

	if (hi <= (uintptr_t)pd)
		return PD_NONE;
	if (n > (hi - (uintptr_t)pd) / sizeof(*pd))
		n = (hi - (uintptr_t)pd) / sizeof(*pd);
	for (size_t i = 0; i + 2 < n; i++)
		if (pd[i] <= lo && pd[i] + pd[i + 1] == hi && pd[i] + pd[i + 2] == lo) {
			if (found != PD_NONE)
				return PD_NONE;	/* twice: cannot tell which */
			found = (int)i;
		}
	return found;
}

static bool
bounds_from_pd(int word, uintptr_t *lo, uintptr_t *hi)
{
	const uintptr_t *pd = (const uintptr_t *)pthread_self();
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), block, size, guard;

	block = pd[word];
	size = pd[word + 1];
	guard = pd[word + 2];
	if (block == 0 || guard >= size || block + size < block)
		return false;
	*lo = block + guard;
	*hi = block + size;
	return *lo < sp && sp < *hi && *lo < (uintptr_t)pd && (uintptr_t)pd < *hi;
}

static bool
stack_bounds(bool main_thread, uintptr_t *lo, uintptr_t *hi)
{
	int word = atomic_load_explicit(&pd_word, memory_order_relaxed);

	if (!main_thread && word >= 0 && bounds_from_pd(word, lo, hi))
		return true;
	if (main_thread && bounds_of_main(lo, hi))
		return true;
	if (!bounds_from_attr(lo, hi))
		return false;
	/* The main thread's stack is not a block glibc allocated. */
	if (!main_thread && word == PD_UNKNOWN) {
		word = learn_pd_word((const uintptr_t *)pthread_self(), *lo, *hi);
		atomic_store_explicit(&pd_word, word, memory_order_relaxed);
	}
	return true;
}

int
tt_threads_stack_word(uint64_t *asks)
{
	if (asks != NULL)
		*asks = atomic_load_explicit(&attr_asks, memory_order_relaxed);
	return atomic_load_explicit(&pd_word, memory_order_relaxed);
}

/* Fill in what the running thread knows about itself. */
void
tt_threads_started(struct tt_thread *t)
{
	bool main_thread = atomic_load(&t->flags) & TT_THR_MAIN;
	uintptr_t lo, hi;

	atomic_store_explicit(&t->tid, (int32_t)syscall(SYS_gettid), memory_order_relaxed);
	atomic_store_explicit(&t->pthread, (uint64_t)pthread_self(), memory_order_relaxed);
	if (stack_bounds(main_thread, &lo, &hi)) {
		t->stack_lo = lo;
		t->stack_hi = hi;
		if (!main_thread)
			tt_stack_seen(t->stack_lo, t->stack_hi, (uint64_t)pthread_self());
	}
	tt_tls.self = t;
	if (t->num == 0)
		t->num = tt_thread_number();
	tt_tls.thread = t->num;
	atomic_store_explicit(&t->state, TT_THR_RUNNING, memory_order_release);
}

int
tt_threads_init(uint64_t max)
{
	struct tt_thread *t;

	cap = (uint32_t)max;
	slots = tt_map_reserve(max * sizeof(*slots));
	free_stack = tt_map_reserve(max * sizeof(*free_stack));
	ended = tt_map_reserve(TT_THREADS_ENDED_KEPT * sizeof(*ended));
	if (slots == NULL || free_stack == NULL || ended == NULL)
		return -ENOMEM;
	t = tt_threads_take();
	t->num = tt_tls.thread ? tt_tls.thread : tt_thread_number();
	atomic_store(&t->flags, TT_THR_MAIN);
	tt_threads_started(t);
	return 0;
}

struct tt_thread *
tt_threads_self(void)
{
	struct tt_thread *t = tt_tls.self;

	if (t != NULL || slots == NULL)
		return t;
	t = tt_threads_take();
	if (t == NULL)
		return NULL;
	t->num = tt_tls.thread;
	atomic_store(&t->flags, TT_THR_ADOPTED);
	tt_threads_started(t);
	return t;
}

struct tt_thread *
tt_threads_by_pthread(uint64_t th, bool exited_only)
{
	struct tt_thread copy;

	for (uint32_t i = 0; i < tt_threads_high(); i++) {
		if (tt_threads_read(i, &copy) && copy.pthread == th &&
		    (!exited_only || copy.state == TT_THR_EXITED))
			return &slots[i];
	}
	return NULL;
}

struct tt_thread *
tt_threads_by_tid(int32_t tid)
{
	for (uint32_t i = 0; tid > 0 && i < tt_threads_high(); i++) {
		struct tt_thread *t = &slots[i];

		if (atomic_load_explicit(&t->tid, memory_order_relaxed) == tid &&
		    atomic_load_explicit(&t->state, memory_order_acquire) == TT_THR_RUNNING)
			return t;
	}
	return NULL;
}

struct tt_thread *
tt_threads_slot(uint32_t i)
{
	return &slots[i];
}

uint32_t
tt_threads_high(void)
{
	return __atomic_load_n(&high, __ATOMIC_RELAXED);
}

bool
tt_threads_read(uint32_t i, struct tt_thread *out)
{
	struct tt_thread *t = &slots[i];
	uint32_t gen = atomic_load_explicit(&t->gen, memory_order_acquire);

	if (atomic_load_explicit(&t->state, memory_order_acquire) == TT_THR_FREE)
		return false;
	memcpy(out, t, sizeof(*out));
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&t->gen, memory_order_relaxed) == gen &&
	       out->state != TT_THR_FREE;
}

void
tt_threads_prefork(void)
{
	tt_spin_lock(&lock);
}

void
tt_threads_postfork_parent(void)
{
	tt_spin_unlock(&lock);
}

/* Only the forking thread exists in the child; the others' slots go. */
void
tt_threads_postfork_child(void)
{
	struct tt_thread *self = tt_tls.self;

	nfree = 0;
	for (uint32_t i = high; i-- > 0;) {
		struct tt_thread *t = &slots[i];

		if (t == self || atomic_load(&t->state) == TT_THR_FREE) {
			if (t != self)
				free_stack[nfree++] = i;
			continue;
		}
		atomic_store(&t->state, TT_THR_FREE);
		atomic_fetch_add(&t->gen, 1);
		free_stack[nfree++] = i;
	}
	if (self != NULL) {
		atomic_store(&self->tid, (int32_t)syscall(SYS_gettid));
		atomic_store(&self->flags, atomic_load(&self->flags) | TT_THR_MAIN);
	}
	tt_spin_unlock(&lock);
}

uint64_t
tt_threads_ended(struct tt_rec_ended_thread *out, uint64_t *n)
{
	uint64_t total, k;

	tt_spin_lock(&lock);
	total = ended_total;
	k = total < TT_THREADS_ENDED_KEPT ? total : TT_THREADS_ENDED_KEPT;
	for (uint64_t i = 0; i < k; i++)
		out[i] = ended[(total - k + i) % TT_THREADS_ENDED_KEPT];
	tt_spin_unlock(&lock);
	*n = k;
	return total - k;
}
