/*
 * dump_stall - how long allocations in another thread are held up while a
 * dump of a heap with a million live blocks is written (bench/CHANGES.md).
 *
 * Usage: dump_stall [BLOCKS] [ROUNDS]   (default 1000000, 5)
 *
 * Keeps BLOCKS blocks live, then a second thread times each malloc+free
 * pair while the main thread, in turn, sleeps for a window (baseline) and
 * calls tether_dump() (under tether).  Prints, per round, the dump's wall
 * time and the worst pair latency in the other thread during the baseline
 * window and during the dump.  Without tether, tether_dump() does nothing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "include/tether.h"

static atomic_int phase;		/* 0 idle, 1 measuring, 2 stop */
static _Atomic uint64_t worst;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
timer(void *arg)
{
	(void)arg;
	while (atomic_load(&phase) != 2) {
		uint64_t t0 = now_ns(), d;
		void *p = malloc(64);

		free(p);
		d = now_ns() - t0;
		if (atomic_load_explicit(&phase, memory_order_relaxed) == 1 &&
		    d > atomic_load_explicit(&worst, memory_order_relaxed))
			atomic_store_explicit(&worst, d, memory_order_relaxed);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000L, rounds = argc > 2 ? atol(argv[2]) : 5;
	void **keep = malloc((size_t)n * sizeof(*keep));
	pthread_t t;

	for (long i = 0; i < n; i++)
		keep[i] = malloc(16 + (size_t)(i % 241));
	pthread_create(&t, NULL, timer, NULL);
	for (long r = 0; r < rounds; r++) {
		struct timespec win;
		uint64_t t0, dump_ns, base, during;

		atomic_store(&worst, 0);
		atomic_store(&phase, 1);
		t0 = now_ns();
		tether_dump();
		dump_ns = now_ns() - t0;
		atomic_store(&phase, 0);
		during = atomic_load(&worst);
		win = (struct timespec){ (time_t)(dump_ns / 1000000000u),
					 (long)(dump_ns % 1000000000u) + 1000000 };
		if (win.tv_nsec >= 1000000000) {
			win.tv_sec++;
			win.tv_nsec -= 1000000000;
		}
		atomic_store(&worst, 0);
		atomic_store(&phase, 1);
		nanosleep(&win, NULL);
		atomic_store(&phase, 0);
		base = atomic_load(&worst);
		printf("round %ld: dump %.1f ms; worst malloc+free in another thread: "
		       "%.1f us during the dump, %.1f us in a window as long without\n",
		       r, dump_ns / 1e6, during / 1e3, base / 1e3);
	}
	atomic_store(&phase, 2);
	pthread_join(t, NULL);
	for (long i = 0; i < n; i++)
		free(keep[i]);
	free(keep);
	return 0;
}
