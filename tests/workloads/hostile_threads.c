/*
 * hostile_threads.c - create and join (or detach) N threads, two at a
 * time, each allocating and freeing; reports on stderr how much the peak
 * RSS grew between the first 1000 threads and the end, which must stay
 * bounded.  Usage: hostile_threads [N]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
work(void *arg)
{
	void *p = malloc(64 + (size_t)arg % 256);

	free(p);
	return NULL;
}

static long
hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000, bad = 0, early = 0;
	pthread_attr_t det;

	pthread_attr_init(&det);
	pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
	for (long i = 0; i < n; i += 2) {
		pthread_t a, b;

		if (pthread_create(&a, NULL, work, (void *)i) != 0 ||
		    pthread_create(&b, NULL, work, (void *)(i + 1)) != 0) {
			bad++;
			break;
		}
		bad += pthread_join(a, NULL) != 0;
		bad += pthread_join(b, NULL) != 0;
		if (i % 64 == 0) {
			pthread_t d;

			bad += pthread_create(&d, &det, work, (void *)i) != 0;
		}
		if (i == 1000)
			early = hwm_kb();
	}
	fprintf(stderr, "hwm growth %ld kB\n", hwm_kb() - early);
	printf("threads: %ld, %ld bad\n", n, bad);
	return bad ? 1 : 0;
}
