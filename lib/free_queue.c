/*
 * free_queue.c - the threads' queues of noted frees; see free_queue.h.
 */
#include "free_queue.h"

#include <errno.h>

#include "table.h"

static struct tt_free_queue *queues;	/* one per thread registry slot */
static uint64_t nqueues;
static _Atomic uint64_t queues_high;	/* slots bound so far, upper bound */

/* Each reader's set of pending slots: room for every queue's entries and
 * in-flight word. */
static uint32_t *pending[TT_FREEQ_READERS];
static uint64_t pending_cap;

int
tt_freeq_init(uint64_t max_threads)
{
	nqueues = max_threads;
	queues = tt_map_reserve(nqueues * sizeof(*queues));
	pending_cap = nqueues * (TT_FREEQ_LEN + 1);
	for (unsigned r = 0; r < TT_FREEQ_READERS; r++)
		if ((pending[r] = tt_map_reserve(pending_cap * sizeof(uint32_t))) == NULL)
			return -ENOMEM;
	return queues != NULL ? 0 : -ENOMEM;
}

uint64_t
tt_freeq_cap(void)
{
	return pending_cap;
}

struct tt_free_queue *
tt_freeq_bind(uint64_t i, uint32_t thread, tt_freeq_fn *each, void *arg)
{
	struct tt_free_queue *q;
	uint64_t high;

	if (queues == NULL || i >= nqueues || thread == 0)
		return NULL;
	q = &queues[i];
	if (atomic_load_explicit(&q->owner, memory_order_relaxed) != 0)
		tt_freeq_drain(q, each, arg);	/* a thread that ended unseen */
	high = atomic_load_explicit(&queues_high, memory_order_relaxed);
	while (high < i + 1 &&
	       !atomic_compare_exchange_weak_explicit(&queues_high, &high, i + 1,
						      memory_order_relaxed, memory_order_relaxed))
		;
	q->next = 0;
	atomic_store_explicit(&q->owner, thread, memory_order_release);
	return q;
}

/* Each entry as the owner's swap takes it: in flight, out of the queue,
 * recorded, done. */
uint64_t
tt_freeq_drain(struct tt_free_queue *q, tt_freeq_fn *each, void *arg)
{
	uint32_t owner = atomic_load_explicit(&q->owner, memory_order_acquire);
	uint64_t n = 0;

	for (unsigned k = 0; k < TT_FREEQ_LEN; k++) {
		uint64_t e = atomic_load_explicit(&q->e[k], memory_order_relaxed);
		uint64_t ns = atomic_load_explicit(&q->ns[k], memory_order_relaxed);

		if (e == 0)
			continue;
		atomic_store_explicit(&q->inflight_ns, ns, memory_order_relaxed);
		atomic_store_explicit(&q->inflight, e, memory_order_release);
		atomic_store_explicit(&q->e[k], 0, memory_order_release);
		each(e, ns, owner, arg);
		atomic_store_explicit(&q->inflight, 0, memory_order_release);
		n++;
	}
	atomic_store_explicit(&q->owner, 0, memory_order_release);
	return n;
}

uint64_t
tt_freeq_drain_others(const struct tt_free_queue *self, tt_freeq_fn *each, void *arg)
{
	uint64_t high = atomic_load_explicit(&queues_high, memory_order_acquire), n = 0;

	for (uint64_t i = 0; queues != NULL && i < high; i++)
		if (&queues[i] != self &&
		    atomic_load_explicit(&queues[i].owner, memory_order_relaxed) != 0)
			n += tt_freeq_drain(&queues[i], each, arg);
	return n;
}

/* Every pending entry of every bound queue: the entries, then the
 * in-flight word (an entry that left the queue in between was put there
 * before it left); the in-flight word once more only if it is not also
 * still in the queue (its owner between the two stores). */
void
tt_freeq_each(tt_freeq_fn *fn, void *arg)
{
	uint64_t high = atomic_load_explicit(&queues_high, memory_order_acquire);

	for (uint64_t i = 0; queues != NULL && i < high; i++) {
		struct tt_free_queue *q = &queues[i];
		uint32_t owner = atomic_load_explicit(&q->owner, memory_order_acquire);
		uint64_t f, seen[TT_FREEQ_LEN];
		bool again = false;

		if (owner == 0)
			continue;
		for (unsigned k = 0; k < TT_FREEQ_LEN; k++) {
			seen[k] = atomic_load_explicit(&q->e[k], memory_order_acquire);
			if (seen[k] != 0)
				fn(seen[k], atomic_load_explicit(&q->ns[k], memory_order_relaxed),
				   owner, arg);
		}
		f = atomic_load_explicit(&q->inflight, memory_order_acquire);
		if (f == 0)
			continue;
		for (unsigned k = 0; k < TT_FREEQ_LEN; k++)
			again |= seen[k] == f;
		if (!again)
			fn(f, atomic_load_explicit(&q->inflight_ns, memory_order_relaxed), owner, arg);
	}
}

struct collect {
	uint32_t *set;
	size_t n;
};

static void
collect_slot(uint64_t e, uint64_t ns, uint32_t owner, void *arg)
{
	struct collect *c = arg;

	(void)ns;
	(void)owner;
	if (c->n < pending_cap)
		c->set[c->n++] = tt_freeq_slot(e);
}

const uint32_t *
tt_freeq_pending(enum tt_freeq_reader who, size_t *n)
{
	struct collect c = { pending[who], 0 };

	*n = 0;
	if (c.set == NULL)
		return NULL;
	tt_freeq_each(collect_slot, &c);
	/* Shell sort: no libc call, any context. */
	for (size_t gap = c.n / 2; gap > 0; gap /= 2)
		for (size_t i = gap; i < c.n; i++) {
			uint32_t v = c.set[i];
			size_t j = i;

			for (; j >= gap && c.set[j - gap] > v; j -= gap)
				c.set[j] = c.set[j - gap];
			c.set[j] = v;
		}
	*n = c.n;
	return c.set;
}

bool
tt_freeq_has(const uint32_t *set, size_t n, uint32_t slot)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set[mid] < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && set[lo] == slot;
}
