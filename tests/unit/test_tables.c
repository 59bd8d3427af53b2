/*
 * test_tables.c - the lock-free tables under concurrent use: stacks interned
 * from several threads get one id each; slots taken, filled, read and
 * cleared by several threads while a reader checks it never sees a torn
 * record; slots come back for reuse through the per-thread caches; site
 * counts added to per-thread caches while a dump's reader sums them add up
 * exactly once the caches are released.
 * Built plain and run under TSan by `make check-tsan`.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_stack_intern_same_frames_same_id, setup),
		cmocka_unit_test_setup(test_stack_intern_concurrent_one_id_each, setup),
		cmocka_unit_test_setup(test_blocks_fill_read_clear, setup),
		cmocka_unit_test_setup(test_blocks_concurrent_no_torn_reads, setup),
		cmocka_unit_test_setup(test_blocks_slots_recycled_across_threads, setup),
		cmocka_unit_test_setup(test_sites_concurrent_counts_add_up, setup),
	};

	return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
