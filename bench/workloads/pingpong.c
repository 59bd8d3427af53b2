/*
 * pingpong.c - two threads pass a byte back and forth over two pipes:
 * `pingpong N` makes N round trips (each two writes and two reads that
 * block).  Prints the round-trip count.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int ping[2], pong[2];
static long rounds;

static void *
echo(void *arg)
{
	char c;

	for (long i = 0; i < rounds; i++) {
		if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
			exit(1);
	}
	return arg;
}

int
main(int argc, char **argv)
{
	pthread_t t;
	long done = 0;
	char c = 'x';

	rounds = argc > 1 ? atol(argv[1]) : 200000;
	if (pipe(ping) != 0 || pipe(pong) != 0)
		return 1;
	pthread_create(&t, NULL, echo, NULL);
	for (long i = 0; i < rounds; i++) {
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			return 1;
		done++;
	}
	pthread_join(t, NULL);
	printf("pingpong %ld\n", done);
	return 0;
}
