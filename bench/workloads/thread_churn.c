/*
 * thread_churn.c - `thread_churn N` creates and joins N threads, two at a
 * time, each allocating a little.  Prints a checksum.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *
work(void *arg)
{
	char *p = malloc(64);

	/* The empty asm makes p escape: without it gcc -O2 removes the
	 * malloc/free pair, and the threads would not allocate at all. */
	__asm__ volatile("" : "+r"(p));
	p[0] = (char)(long)arg;
	free(p);
	return arg;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000, sum = 0;
	pthread_t a, b;
	void *ra, *rb;

	for (long i = 0; i < n; i += 2) {
		pthread_create(&a, NULL, work, (void *)(i & 1));
		pthread_create(&b, NULL, work, (void *)1);
		pthread_join(a, &ra);
		pthread_join(b, &rb);
		sum += (long)ra + (long)rb;
	}
	printf("thread_churn %ld\n", sum);
	return 0;
}
