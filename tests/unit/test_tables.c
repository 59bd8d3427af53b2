/*
 * test_tables.c - the lock-free tables under concurrent use: stacks interned
 * from several threads get one id each; slots taken, filled, read and
 * cleared by several threads while a reader checks it never sees a torn
 * record; slots come back for reuse through the per-thread caches; site
 * counts added to per-thread caches while a dump's reader sums them add up
 * exactly once the caches are released; frees noted in the threads' free
 * queues come back once each, in order, with their time, and a reader
 * asking which are pending never misses one that is out of its queue but
 * not recorded yet.
 * Built plain and run under TSan by `make check-tsan`.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/free_queue.h"
#include "lib/je.h"
#include "lib/sample_arena.h"
#include "lib/site_cache.h"
#include "lib/table.h"
#include "lib/tls.h"

#define THREADS 4

static int
setup(void **state)
{
	static int done;

	(void)state;
	if (!done) {
		assert_int_equal(tt_blocks_init(1u << 20), 0);
		assert_int_equal(tt_stacks_init(1u << 16), 0);
		assert_int_equal(tt_sites_init(64, 1u << 16), 0);
		assert_int_equal(tt_freeq_init(64), 0);
		done = 1;
	}
	return 0;
}

static void
test_stack_intern_same_frames_same_id(void **state)
{
	uintptr_t a[3] = { 0x1000, 0x2000, 0x3000 }, b[3] = { 0x1000, 0x2000, 0x3001 };
	uint32_t ia, ib, ic, id;

	(void)state;
	ia = tt_stacks_intern(a, 3, 1, 0);
	ib = tt_stacks_intern(b, 3, 1, 0);
	ic = tt_stacks_intern(a, 3, 2, 0);	/* same frames, other function */
	id = tt_stacks_intern(a, 2, 1, 0);	/* a prefix */
	assert_int_not_equal(ia, 0);
	assert_int_equal(tt_stacks_intern(a, 3, 1, 0), ia);
	assert_int_not_equal(ia, ib);
	assert_int_not_equal(ia, ic);
	assert_int_not_equal(ia, id);
	assert_int_equal(tt_stacks_get(ia)->depth, 3);
	assert_memory_equal(tt_stacks_get(ia)->frames, a, sizeof(a));
}

struct intern_arg {
	uint32_t ids[2000];
	int seed;
};

static void *
intern_worker(void *p)
{
	struct intern_arg *arg = p;

	for (int i = 0; i < 2000; i++) {
		/* every thread interns the same 2000 stacks, in another order */
		int k = (i * 7 + arg->seed * 501) % 2000;
		uintptr_t f[4] = { 0x400000u + (uintptr_t)k, 0x500000u, (uintptr_t)k * 3, 42 };

		arg->ids[k] = tt_stacks_intern(f, 4, 1, 0);
	}
	return NULL;
}

static void
test_stack_intern_concurrent_one_id_each(void **state)
{
	static struct intern_arg args[THREADS];
	pthread_t t[THREADS];

	(void)state;
	for (int i = 0; i < THREADS; i++) {
		args[i].seed = i;
		pthread_create(&t[i], NULL, intern_worker, &args[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int k = 0; k < 2000; k++) {
		assert_int_not_equal(args[0].ids[k], 0);
		for (int i = 1; i < THREADS; i++)
			assert_int_equal(args[i].ids[k], args[0].ids[k]);
		for (int j = 0; j < k; j++)
			assert_int_not_equal(args[0].ids[j], args[0].ids[k]);
	}
}

/* Enough stacks to fill the index's first array and spill into its last
 * (65536 stacks allowed: 8192 and 131072 slots): every thread gets one id
 * per stack, in any order, and every stack reads back. */
#define MANY 30000

struct many_arg {
	uint32_t *ids;
	int seed;
};

static void *
many_worker(void *p)
{
	struct many_arg *arg = p;

	for (int i = 0; i < MANY; i++) {
		int k = (int)(((uint64_t)i * 7919 + (uint64_t)arg->seed * 12345) % MANY);
		uintptr_t f[3] = { 0x700000u + (uintptr_t)k * 16, 0x800000u, (uintptr_t)k };

		arg->ids[k] = tt_stacks_intern(f, 3, 2, 0);
	}
	return NULL;
}

static void
test_stack_intern_many_over_the_index(void **state)
{
	static uint32_t ids[THREADS][MANY];
	static struct many_arg args[THREADS];
	static uint8_t seen[1u << 17];
	pthread_t t[THREADS];

	(void)state;
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct many_arg){ ids[i], i };
		pthread_create(&t[i], NULL, many_worker, &args[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int k = 0; k < MANY; k++) {
		uintptr_t f[3] = { 0x700000u + (uintptr_t)k * 16, 0x800000u, (uintptr_t)k };
		struct tt_stack *s = tt_stacks_get(ids[0][k]);

		assert_int_not_equal(ids[0][k], 0);
		assert_true(ids[0][k] < sizeof(seen));
		assert_int_equal(seen[ids[0][k]], 0);	/* no two stacks share an id */
		seen[ids[0][k]] = 1;
		for (int i = 1; i < THREADS; i++)
			assert_int_equal(ids[i][k], ids[0][k]);
		assert_non_null(s);
		assert_memory_equal(s->frames, f, sizeof(f));
		assert_int_equal(tt_stacks_intern(f, 3, 2, 0), ids[0][k]);
	}
}

static void
test_blocks_fill_read_clear(void **state)
{
	struct tt_block_copy b;
	uint32_t i;

	(void)state;
	tt_tls.busy = 0;
	i = tt_blocks_take();
	assert_int_not_equal(i, 0);
	assert_false(tt_blocks_read(i, &b));
	tt_blocks_fill(i, 0x7000010, 123, 5, 2, 999);
	assert_true(tt_blocks_read(i, &b));
	assert_int_equal(b.addr, 0x7000010);
	assert_int_equal(b.size, 123);
	assert_int_equal(b.stack, 5);
	assert_int_equal(b.thread, 2);
	assert_int_equal(b.time_ns, 999);
	assert_false(tt_blocks_clear(i, 0x7000020, &b));	/* wrong address */
	assert_true(tt_blocks_clear(i, 0x7000010, &b));
	assert_false(tt_blocks_clear(i, 0x7000010, &b));	/* double free */
	assert_false(tt_blocks_read(i, &b));
	tt_blocks_put(i);
}

static _Atomic int stop;
static _Atomic uint64_t torn;

/* Every live slot must hold fields derived from its address. */
static void *
reader(void *p)
{
	struct tt_block_copy b;

	(void)p;
	while (!atomic_load(&stop)) {
		uint32_t high = tt_blocks_high();

		for (uint32_t i = 1; i < high; i++) {
			if (!tt_blocks_read(i, &b))
				continue;
			if (b.size != b.addr / 16 || b.stack != (uint32_t)(b.addr % 997) + 1 ||
			    b.time_ns != b.addr * 3)
				atomic_fetch_add(&torn, 1);
		}
	}
	return NULL;
}

static void *
churner(void *p)
{
	uintptr_t base = (uintptr_t)p;
	uint32_t held[256];

	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 256; i++) {
			uintptr_t addr = base + ((uintptr_t)(round * 256 + i) << 4);

			held[i] = tt_blocks_take();
			assert_int_not_equal(held[i], 0);
			tt_blocks_fill(held[i], addr, addr / 16, (uint32_t)(addr % 997) + 1,
				       1, addr * 3);
		}
		for (int i = 0; i < 256; i++) {
			struct tt_block_copy b;
			uintptr_t addr = base + ((uintptr_t)(round * 256 + i) << 4);

			assert_true(tt_blocks_clear(held[i], addr, &b));
			assert_int_equal(b.size, addr / 16);
			tt_blocks_put(held[i]);
		}
	}
	tt_blocks_thread_exit();
	return NULL;
}

static void
test_blocks_concurrent_no_torn_reads(void **state)
{
	pthread_t r, t[THREADS];
	uint32_t high_before = tt_blocks_high();

	(void)state;
	atomic_store(&stop, 0);
	pthread_create(&r, NULL, reader, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, churner, (void *)((uintptr_t)(i + 1) << 36));
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&stop, 1);
	pthread_join(r, NULL);
	assert_int_equal(atomic_load(&torn), 0);
	/* 4 threads x 200 rounds x 256 blocks reused a few thousand slots at most */
	assert_true(tt_blocks_high() - high_before < THREADS * 256 * 2 + 1024);
	for (uint32_t i = 1; i < tt_blocks_high(); i++) {
		struct tt_block_copy b;

		assert_false(tt_blocks_read(i, &b));
	}
}

static void *
taker(void *p)
{
	uint32_t *out = p;

	for (int i = 0; i < 1000; i++)
		out[i] = tt_blocks_take();
	return NULL;
}

static void
test_blocks_slots_recycled_across_threads(void **state)
{
	static uint32_t got[1000];
	pthread_t t;
	uint32_t high;

	(void)state;
	pthread_create(&t, NULL, taker, got);
	pthread_join(t, NULL);
	for (int i = 0; i < 1000; i++)
		tt_blocks_put(got[i]);	/* freed by this thread */
	tt_blocks_thread_exit();	/* returns the cache to the global list */
	tt_tls.exiting = 0;
	high = tt_blocks_high();
	pthread_create(&t, NULL, taker, got);
	pthread_join(t, NULL);
	/* the second thread found the freed slots instead of fresh ones */
	assert_true(tt_blocks_high() - high <= 128);
	for (int i = 0; i < 1000; i++)
		assert_int_not_equal(got[i], 0);
}


#define SITES 200		/* more than a cache's entries: entries move */
#define SITE_OPS 200000
static uint32_t site_ids[SITES];
static _Atomic int sites_running;

struct site_worker {
	int n;
	struct tt_site_cache *c;
};

/* What record.c does for an allocation: the own entry, else the table. */
static void *
site_adder(void *p)
{
	struct site_worker *w = p;

	w->c = tt_sites_bind((uint64_t)w->n, (uint32_t)w->n + 1);
	assert_non_null(w->c);
	for (int i = 0; i < SITE_OPS; i++) {
		/* mostly one hot site per thread, the rest spread */
		uint32_t id = site_ids[i % 4 ? w->n : (i / 4 * 7 + w->n * 13) % SITES];
		struct tt_site_delta *e = tt_sites_entry(w->c, id);

		if (e != NULL) {
			tt_site_add(&e->alloc_blocks, 1);
			tt_site_add(&e->alloc_bytes, (uint64_t)(i % 64));
			tt_site_add32(&e->life[i % TT_LIFE_BUCKETS], 1);
			tt_site_done(w->c, e, TT_SITE_DID_ALLOC);
		} else {
			struct tt_stack *s = tt_stacks_get(id);

			atomic_fetch_add(&s->alloc_blocks, 1);
			atomic_fetch_add(&s->alloc_bytes, (uint64_t)(i % 64));
			atomic_fetch_add(&s->life[i % TT_LIFE_BUCKETS], 1);
		}
	}
	atomic_fetch_sub(&sites_running, 1);
	return NULL;
}

static void *
site_reader(void *p)
{
	uint32_t high = *(uint32_t *)p;
	struct tt_site_sum sum;

	while (atomic_load(&sites_running) > 0) {
		tt_sites_collect(high);
		for (uint32_t id = 1; id < high; id++)
			tt_sites_sum(id, &sum);
		tt_sites_uncollect();
	}
	return NULL;
}

static void
test_sites_concurrent_counts_add_up(void **state)
{
	struct site_worker w[THREADS];
	pthread_t t[THREADS], r;
	uint64_t blocks = 0, bytes = 0, life = 0, want_bytes = 0;
	uint32_t high;
	struct tt_site_sum sum;

	(void)state;
	for (uint32_t i = 0; i < SITES; i++) {
		uintptr_t f[2] = { 0x5000 + i, 0x6000 };

		site_ids[i] = tt_stacks_intern(f, 2, 0, 0);
		assert_int_not_equal(site_ids[i], 0);
	}
	high = tt_stacks_high();
	atomic_store(&sites_running, THREADS);
	pthread_create(&r, NULL, site_reader, &high);
	for (int i = 0; i < THREADS; i++) {
		w[i].n = i;
		pthread_create(&t[i], NULL, site_adder, &w[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_join(r, NULL);
	/* counted while the caches still hold their entries, then released */
	for (int pass = 0; pass < 2; pass++) {
		blocks = bytes = life = 0;
		tt_sites_collect(high);
		for (uint32_t i = 0; i < SITES; i++) {
			tt_sites_sum(site_ids[i], &sum);
			blocks += sum.alloc_blocks;
			bytes += sum.alloc_bytes;
			for (unsigned k = 0; k < TT_LIFE_BUCKETS; k++)
				life += sum.life[k];
		}
		tt_sites_uncollect();
		for (int i = 0; i < SITE_OPS; i++)
			want_bytes += pass == 0 ? (uint64_t)(i % 64) * THREADS : 0;
		assert_int_equal(blocks, (uint64_t)SITE_OPS * THREADS);
		assert_int_equal(bytes, want_bytes);
		assert_int_equal(life, (uint64_t)SITE_OPS * THREADS);
		for (int i = 0; pass == 0 && i < THREADS; i++)
			tt_sites_release(w[i].c);
	}
	/* the spread sites were allocated at by every thread */
	tt_sites_sum(site_ids[THREADS + 1], &sum);
	assert_true(sum.life_flags & TT_LIFE_F_ALLOC_MANY);
	tt_sites_sum(site_ids[0], &sum);
	assert_true(sum.alloc_thread != 0);
}

/* What the free queues gave back: each entry's slot, counted. */
#define FQ_PER_THREAD 200000u
#define FQ_SLOTS (THREADS * FQ_PER_THREAD + 1)
static _Atomic uint8_t fq_seen[FQ_SLOTS];
static _Atomic uint32_t fq_owner_of[FQ_SLOTS];
static _Atomic uint64_t fq_ns_of[FQ_SLOTS];
static _Atomic uint8_t fq_cleared[FQ_SLOTS];
static _Atomic uint32_t fq_noted[THREADS];	/* entries each owner noted */

static void
fq_count(uint64_t e, uint64_t free_ns, uint32_t owner, void *arg)
{
	uint32_t slot = tt_freeq_slot(e);

	(void)arg;
	atomic_store(&fq_ns_of[slot], free_ns);
	atomic_store(&fq_owner_of[slot], owner);
	atomic_store(&fq_cleared[slot], 1);	/* its slot would be cleared here */
	atomic_fetch_add(&fq_seen[slot], 1);
}

/* What a reader of the queues sees, without taking anything. */
static uint64_t fq_each_n, fq_each_slots;

static void
fq_look(uint64_t e, uint64_t free_ns, uint32_t owner, void *arg)
{
	(void)arg;
	fq_each_n++;
	fq_each_slots += tt_freeq_slot(e);
	assert_int_equal(owner, 7);
	assert_int_equal(free_ns, 1000 + tt_freeq_slot(e));
}

static void
test_freeq_order_readers_and_rebind(void **state)
{
	struct tt_free_queue *q;
	const uint32_t *set;
	uint64_t e, then;
	size_t n;

	(void)state;
	memset(fq_seen, 0, sizeof(fq_seen));
	q = tt_freeq_bind(40, 7, fq_count, NULL);
	assert_non_null(q);
	/* the first TT_FREEQ_LEN notes give nothing back, then the oldest */
	for (uint32_t k = 1; k <= TT_FREEQ_LEN; k++) {
		assert_int_equal(tt_freeq_swap(q, tt_freeq_entry(k, 0x7f0000001230ull, k == 2),
					       1000 + k, &then), 0);
		tt_freeq_done(q);
	}
	e = tt_freeq_swap(q, tt_freeq_entry(TT_FREEQ_LEN + 1, 0x7f0000004560ull, false),
			  1000 + TT_FREEQ_LEN + 1, &then);
	assert_int_equal(tt_freeq_slot(e), 1);
	assert_int_equal(then, 1001);
	assert_int_equal(tt_freeq_tag(e), (0x7f0000001230ull >> 4) & 0x7fffffff);
	assert_false(e & TT_FREEQ_TEMPORARY);
	/* a reader now sees slots 2..LEN+1 in the queue and 1 in flight */
	set = tt_freeq_pending(TT_FREEQ_DUMP, &n);
	assert_int_equal(n, TT_FREEQ_LEN + 1);
	for (uint32_t k = 1; k <= TT_FREEQ_LEN + 1; k++)
		assert_true(tt_freeq_has(set, n, k));
	assert_false(tt_freeq_has(set, n, TT_FREEQ_LEN + 2));
	tt_freeq_done(q);
	set = tt_freeq_pending(TT_FREEQ_SCAN, &n);
	assert_int_equal(n, TT_FREEQ_LEN);
	assert_false(tt_freeq_has(set, n, 1));
	e = tt_freeq_swap(q, tt_freeq_entry(TT_FREEQ_LEN + 2, 0x10, false),
			  1000 + TT_FREEQ_LEN + 2, &then);
	assert_int_equal(tt_freeq_slot(e), 2);
	assert_int_equal(then, 1002);
	assert_true(e & TT_FREEQ_TEMPORARY);
	/* in flight and still in the queue (its owner between the two
	 * stores) would be read once: here it is in flight only */
	fq_each_n = fq_each_slots = 0;
	tt_freeq_each(fq_look, NULL);
	assert_int_equal(fq_each_n, TT_FREEQ_LEN + 1);
	tt_freeq_done(q);
	fq_each_n = fq_each_slots = 0;
	tt_freeq_each(fq_look, NULL);
	assert_int_equal(fq_each_n, TT_FREEQ_LEN);
	assert_int_equal(fq_each_slots, (3 + TT_FREEQ_LEN + 2) * TT_FREEQ_LEN / 2);
	/* a failed realloc takes its note back: the newest entry only */
	e = tt_freeq_entry(300, 0x30, false);
	assert_int_equal(tt_freeq_slot(tt_freeq_swap(q, e, 7, &then)), 3);
	tt_freeq_done(q);
	assert_false(tt_freeq_cancel(q, tt_freeq_entry(4, 0x7f0000001230ull, false)));
	assert_true(tt_freeq_cancel(q, e));
	assert_false(tt_freeq_cancel(q, e));
	set = tt_freeq_pending(TT_FREEQ_DUMP, &n);
	assert_int_equal(n, TT_FREEQ_LEN - 1);
	assert_false(tt_freeq_has(set, n, 300));
	/* its place is the next one noted, which gives back nothing */
	assert_int_equal(tt_freeq_swap(q, tt_freeq_entry(3, 0x7f0000001230ull, false), 1003,
				       &then), 0);
	tt_freeq_done(q);
	/* readers take nothing: the queue gives back the next one in order */
	e = tt_freeq_swap(q, tt_freeq_entry(100, 0x20, false), 5, &then);
	assert_int_equal(tt_freeq_slot(e), 4);
	tt_freeq_done(q);
	assert_int_equal(fq_seen[4], 0);
	/* a thread that takes over the registry slot gets the old entries
	 * recorded first, as the old owner's */
	q = tt_freeq_bind(40, 9, fq_count, NULL);
	assert_int_equal(fq_seen[100], 1);
	assert_int_equal(fq_owner_of[100], 7);
	assert_int_equal(fq_ns_of[100], 5);
	for (uint32_t k = 3; k <= TT_FREEQ_LEN + 2; k++) {
		assert_int_equal(fq_seen[k], k != 4);
		if (k != 4)
			assert_int_equal(fq_ns_of[k], 1000 + k);
	}
	assert_int_equal(fq_seen[300], 0);
	tt_freeq_pending(TT_FREEQ_DUMP, &n);
	assert_int_equal(n, 0);
	assert_int_equal(tt_freeq_swap(q, tt_freeq_entry(200, 0x20, false), 6, &then), 0);
	tt_freeq_done(q);
	/* the owner's end: drained and unbound, so readers skip it */
	assert_int_equal(tt_freeq_drain(q, fq_count, NULL), 1);
	assert_int_equal(fq_owner_of[200], 9);
	assert_int_equal(atomic_load(&q->owner), 0);
	tt_freeq_pending(TT_FREEQ_DUMP, &n);
	assert_int_equal(n, 0);
}

static _Atomic int fq_running;

static void *
fq_owner(void *p)
{
	uint32_t t = (uint32_t)(uintptr_t)p;
	struct tt_free_queue *q = tt_freeq_bind(t, 1000 + t, fq_count, NULL);

	assert_non_null(q);
	for (uint32_t n = 0; n < FQ_PER_THREAD; n++) {
		uint32_t slot = 1 + t * FQ_PER_THREAD + n;
		uint64_t then, e = tt_freeq_swap(q, tt_freeq_entry(slot, (uintptr_t)slot << 4, false),
						 slot, &then);

		atomic_store(&fq_noted[t], n + 1);
		if (e != 0)
			fq_count(e, then, 1000 + t, NULL);
		tt_freeq_done(q);
	}
	tt_freeq_drain(q, fq_count, NULL);
	atomic_fetch_sub(&fq_running, 1);
	return NULL;
}

struct fq_reader {
	uint64_t checks, misses;
};

/* A reader's promise: a slot noted before tt_freeq_pending() is, when it
 * returns, recorded or in the set (never in between, unseen). */
static void *
fq_reader(void *p)
{
	struct fq_reader *r = p;

	while (atomic_load(&fq_running) > 0) {
		uint32_t noted[THREADS];
		const uint32_t *set;
		size_t n;

		for (int t = 0; t < THREADS; t++)
			noted[t] = atomic_load(&fq_noted[t]);
		set = tt_freeq_pending(TT_FREEQ_DUMP, &n);
		for (int t = 0; t < THREADS; t++)
			for (uint32_t k = noted[t] > 32 ? noted[t] - 32 : 0; k < noted[t]; k++) {
				uint32_t slot = 1 + (uint32_t)t * FQ_PER_THREAD + k;

				r->checks++;
				if (!atomic_load(&fq_cleared[slot]) && !tt_freeq_has(set, n, slot))
					r->misses++;
			}
	}
	return NULL;
}

static void
test_freeq_concurrent_readers_miss_nothing(void **state)
{
	pthread_t th[THREADS], rd;
	struct fq_reader r = { 0, 0 };

	(void)state;
	memset(fq_seen, 0, sizeof(fq_seen));
	memset(fq_cleared, 0, sizeof(fq_cleared));
	memset(fq_noted, 0, sizeof(fq_noted));
	atomic_store(&fq_running, THREADS);
	assert_int_equal(pthread_create(&rd, NULL, fq_reader, &r), 0);
	for (uintptr_t t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, fq_owner, (void *)t), 0);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	pthread_join(rd, NULL);
	for (uint32_t slot = 1; slot < FQ_SLOTS; slot++) {
		if (fq_seen[slot] != 1)
			fail_msg("slot %u given back %u times", slot, (unsigned)fq_seen[slot]);
		if (fq_owner_of[slot] != 1000 + (slot - 1) / FQ_PER_THREAD)
			fail_msg("slot %u given back as thread %u's", slot, fq_owner_of[slot]);
		if (fq_ns_of[slot] != slot)
			fail_msg("slot %u given back with time %llu", slot,
				 (unsigned long long)fq_ns_of[slot]);
	}
	print_message("# %llu pending checks by the reader\n", (unsigned long long)r.checks);
	assert_int_equal(r.misses, 0);
	assert_true(r.checks > 0);
}

/*
 * The sample arena: every block it makes, small, large or aligned, lies in
 * the reserved range, and none of its memory reaches an ordinary
 * allocation afterwards (no thread cache in between), so free() can tell
 * a sampled block by its address alone.
 */
static void
test_sample_arena_blocks_stay_in_range(void **state)
{
	static const size_t sizes[] = { 1, 8, 16, 24, 100, 130, 1000, 4096, 5000,
					65536, 100000, 1 << 20, 4 << 20 };
	enum { N = 200 };
	void *p[sizeof(sizes) / sizeof(sizes[0])][N];

	(void)state;
	if (tt_sarena_len == 0)
		assert_int_equal(tt_sarena_reserve(), 0);
	assert_int_equal(tt_sarena_open(), 0);
	assert_true(tt_sarena_ready());
	assert_int_equal(tt_sarena_open(), 0);	/* the same arena, again */
	for (int round = 0; round < 3; round++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int i = 0; i < N; i++) {
				int lg = i % 4 == 0 ? 16 : i % 4 == 1 ? 6 : 0;
				size_t n = sizes[s] > (1 << 20) && i > 4 ? 1000 : sizes[s];

				p[s][i] = tt_je_mallocx(n, tt_sarena_flags | lg);
				assert_non_null(p[s][i]);
				assert_true(tt_in_sarena(p[s][i]));
				assert_true(tt_in_sarena((char *)p[s][i] + n - 1));
				assert_int_equal((uintptr_t)p[s][i] & (((uintptr_t)1 << lg) - 1), 0);
				memset(p[s][i], 0xa5, n < 64 ? n : 64);
			}
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int i = 0; i < N; i++)
				tt_je_dallocx(p[s][i], TT_MALLOCX_TCACHE_NONE);
		/* Ordinary blocks of the same sizes, right after: none in range. */
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int i = 0; i < N; i++) {
				p[s][i] = tt_je_malloc(sizes[s] > (1 << 20) && i > 4 ? 1000 : sizes[s]);
				assert_non_null(p[s][i]);
				assert_false(tt_in_sarena(p[s][i]));
			}
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int i = 0; i < N; i++)
				tt_je_free(p[s][i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_stack_intern_same_frames_same_id, setup),
		cmocka_unit_test_setup(test_stack_intern_concurrent_one_id_each, setup),
		cmocka_unit_test_setup(test_stack_intern_many_over_the_index, setup),
		cmocka_unit_test_setup(test_blocks_fill_read_clear, setup),
		cmocka_unit_test_setup(test_blocks_concurrent_no_torn_reads, setup),
		cmocka_unit_test_setup(test_blocks_slots_recycled_across_threads, setup),
		cmocka_unit_test_setup(test_sites_concurrent_counts_add_up, setup),
		cmocka_unit_test_setup(test_freeq_order_readers_and_rebind, setup),
		cmocka_unit_test_setup(test_freeq_concurrent_readers_miss_nothing, setup),
		cmocka_unit_test(test_sample_arena_blocks_stay_in_range),
	};

	return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
