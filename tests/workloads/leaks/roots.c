/*
 * roots.c - precision corpus: memory kept through every kind of root, with
 * two threads still blocked when main returns.
 *
 * Kept (still reachable):
 *   111 bytes from a global;
 *   222 bytes from a static local;
 *   333 bytes from a __thread variable of the main thread;
 *   444 bytes from a local of a thread blocked in pause();
 *   555 bytes from a local of a thread blocked in pthread_cond_wait();
 *   666 bytes from a __thread variable of that second thread.
 * Each live thread also holds the DTV (TLS vector) glibc callocs in
 * pthread_create; the thread points to it 16 bytes in, so it is possibly
 * lost, and its size depends on how many TLS modules the process has,
 * 16 bytes each: under tether, libtether.so and its libunwind.so.8 are two
 * more than under memcheck, so each DTV is 32 bytes larger.
 * Expected verdicts: definitely lost 0; indirectly 0; possibly lost 2
 * blocks (the DTVs); still reachable 2331 bytes in 6 blocks.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *by_global;
static __thread void *by_tls;
static pthread_barrier_t started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static void
keep_static(void)
{
	static void *by_static;

	by_static = malloc(222);
	memset(by_static, 2, 222);
}

static void *
sleeper_main(void *arg)
{
	void *volatile by_stack = malloc(444);

	(void)arg;
	memset(by_stack, 4, 444);
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return by_stack;
}

static void *
waiter_main(void *arg)
{
	void *volatile by_stack = malloc(555);

	(void)arg;
	memset(by_stack, 5, 555);
	by_tls = malloc(666);
	memset(by_tls, 6, 666);
	pthread_mutex_lock(&lock);
	pthread_barrier_wait(&started);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return by_stack;
}

int
main(void)
{
	pthread_t a, b;

	by_global = malloc(111);
	memset(by_global, 1, 111);
	keep_static();
	by_tls = malloc(333);
	memset(by_tls, 3, 333);
	pthread_barrier_init(&started, NULL, 3);
	pthread_create(&a, NULL, sleeper_main, NULL); /* @create_sleeper */
	pthread_create(&b, NULL, waiter_main, NULL); /* @create_waiter */
	pthread_barrier_wait(&started);
	scrub_stack();
	printf("roots: two threads blocked\n");
	return 0;
}
