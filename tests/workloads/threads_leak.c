/*
 * threads_leak.c - threads in every state at exit: one blocked forever in
 * read on a pipe, one blocked forever in pthread_cond_wait, one ended but
 * never joined, one detached and asleep, one joined (gone).  Usage:
 * threads_leak [churn N]  also creates and joins N short threads first;
 * threads_leak deadlock    adds two threads that take locks a and b in
 * opposite orders and deadlock.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int pipefd[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static sem_t ready;

static void *
reader_main(void *arg)
{
	char c;

	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	sem_post(&ready);
	return read(pipefd[0], &c, 1) > 0 ? NULL : arg;
}

static void *
waiter_main(void *arg)
{
	pthread_setname_np(pthread_self(), "waiter");
	pthread_mutex_lock(&mu);
	sem_post(&ready);
	pthread_cond_wait(&never, &mu);
	pthread_mutex_unlock(&mu);
	return arg;
}

static void *
quitter_main(void *arg)
{
	pthread_setname_np(pthread_self(), "quitter");
	sem_post(&ready);
	return arg;
}

static void *
sleeper_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sleeper");
	sem_post(&ready);
	for (;;)
		pause();
	return arg;
}

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold;

static void *
ab_main(void *arg)
{
	pthread_setname_np(pthread_self(), "takes-a-then-b");
	pthread_mutex_lock(&lock_a);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(&lock_b); /* @ab_lock */
	return arg;
}

static void *
ba_main(void *arg)
{
	pthread_setname_np(pthread_self(), "takes-b-then-a");
	pthread_mutex_lock(&lock_b);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(&lock_a); /* @ba_lock */
	return arg;
}

static void *
short_main(void *arg)
{
	return arg;
}

static void
start_pool(void)
{
	pthread_t t;
	pthread_attr_t attr;

	pthread_create(&t, NULL, reader_main, NULL); /* @create_reader */
	pthread_create(&t, NULL, waiter_main, NULL); /* @create_waiter */
	pthread_create(&t, NULL, quitter_main, NULL); /* @create_quitter */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&t, &attr, sleeper_main, NULL); /* @create_sleeper */
	pthread_attr_destroy(&attr);
}

int
main(int argc, char **argv)
{
	pthread_t t;
	long churn = argc > 2 && !strcmp(argv[1], "churn") ? atol(argv[2]) : 0;

	for (long i = 0; i < churn; i++) {
		pthread_create(&t, NULL, short_main, NULL);
		pthread_join(t, NULL);
	}
	if (argc > 1 && !strcmp(argv[1], "deadlock")) {
		pthread_barrier_init(&both_hold, NULL, 2);
		pthread_create(&t, NULL, ab_main, NULL);
		pthread_create(&t, NULL, ba_main, NULL);
	}
	if (pipe(pipefd) != 0)
		return 1;
	sem_init(&ready, 0, 0);
	pthread_create(&t, NULL, short_main, NULL); /* @create_joined */
	pthread_join(t, NULL);
	start_pool();
	for (int i = 0; i < 4; i++)
		sem_wait(&ready);
	usleep(200000);	/* let reader and waiter block */
	pthread_mutex_lock(&mu);	/* the waiter is inside cond_wait */
	pthread_mutex_unlock(&mu);
	printf("threads started\n");
	fflush(stdout);
	exit(0);
}
