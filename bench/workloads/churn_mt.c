/*
 * churn_mt - the churn workload split over several threads.
 *
 * Usage: churn_mt [ALLOCATIONS [THREADS]]   (defaults 20000000 and 2)
 *
 * The total number of allocations is constant whatever THREADS is: thread t
 * does ALLOCATIONS / THREADS of them (thread 0 also takes the remainder), each
 * with its own ring of RING live blocks and its own LCG seed, so the threads
 * contend only inside the allocator (and the tool under test).  The printed
 * checksum is the sum of the per-thread checksums, which does not depend on
 * scheduling.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RING 1000
#define MAX_THREADS 64

/* One cache line per thread, so the threads share nothing but the
 * allocator (and the tool under test). */
struct job {
	long n;			/* allocations this thread makes */
	uint64_t seed;		/* LCG seed */
	uint64_t sum;		/* result */
	int failed;
} __attribute__((aligned(64)));

/* Next value of a 64-bit LCG (Knuth's MMIX constants), top bits only. */
static uint32_t
lcg_next(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 33);
}

/* One thread's share: the same ring churn as the single-threaded workload. */
static void *
churn_thread(void *arg)
{
	struct job *job = arg;
	unsigned char **ring = calloc(RING, sizeof(*ring));
	size_t *len = calloc(RING, sizeof(*len));
	uint64_t seed = job->seed, sum = 0;

	if (ring == NULL || len == NULL) {
		job->failed = 1;
		return NULL;
	}
	for (long i = 0; i < job->n; i++) {
		uint32_t r = lcg_next(&seed);
		size_t slot = r % RING;
		size_t size = 8 + (r >> 10) % 505;
		unsigned char *p;

		if (ring[slot] != NULL) {
			sum = sum * 31 + ring[slot][0] + ring[slot][len[slot] - 1];
			free(ring[slot]);
		}
		p = malloc(size);
		if (p == NULL) {
			job->failed = 1;
			break;
		}
		p[0] = (unsigned char)i;
		p[size - 1] = (unsigned char)(i >> 8);
		ring[slot] = p;
		len[slot] = size;
	}
	for (size_t s = 0; s < RING; s++) {
		if (ring[s] != NULL) {
			sum = sum * 31 + ring[s][0];
			free(ring[s]);
		}
	}
	free(ring);
	free(len);
	job->sum = sum;
	return NULL;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000000L;
	int nthreads = argc > 2 ? atoi(argv[2]) : 2;
	pthread_t tid[MAX_THREADS];
	struct job job[MAX_THREADS];
	uint64_t total = 0;

	if (nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "churn_mt: THREADS must be 1..%d\n", MAX_THREADS);
		return 2;
	}
	for (int t = 0; t < nthreads; t++) {
		job[t].n = n / nthreads + (t == 0 ? n % nthreads : 0);
		job[t].seed = 42 + (uint64_t)t;
		job[t].sum = 0;
		job[t].failed = 0;
		if (pthread_create(&tid[t], NULL, churn_thread, &job[t]) != 0) {
			fprintf(stderr, "churn_mt: pthread_create failed\n");
			return 1;
		}
	}
	for (int t = 0; t < nthreads; t++) {
		pthread_join(tid[t], NULL);
		if (job[t].failed) {
			fprintf(stderr, "churn_mt: out of memory\n");
			return 1;
		}
		total += job[t].sum;
	}
	printf("churn_mt allocations=%ld threads=%d checksum=%016llx\n", n,
	    nthreads, (unsigned long long)total);
	return 0;
}
