/*
 * never_wake.c - threads that can never wake, and threads that look alike
 * but can.  Every thread blocks on a synchronisation object; what differs
 * is who can still reach the object:
 *   orphan     condition variable in a heap block only its own stack holds: stuck
 *   kept       the same, but a global holds the block: can wake
 *   stacksem   detached, semaphore on its own stack: stuck (detached or not)
 *   published  semaphore on its own stack whose address is in a global: can wake
 *   holder     semaphore on its own stack, and the only pointer to the
 *              block "locker" waits on: stuck
 *   locker     waits on a mutex in that block: stuck too (only a stuck
 *              thread can reach it)
 *   reader     blocked in read on a pipe, the only pointer to the block
 *              "helped" waits on: can wake (input may come)
 *   helped     condition variable in that block: can wake through reader
 *   joiner     joins holder, which never ends: stuck
 * `never_wake api` also checks with tether.h while they all wait, and prints
 * what tether_check returned.  Lines of the waits carry @ markers.
 */
#pragma GCC optimize("O0")
#include <dirent.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "include/tether.h"

struct chan {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready;
};

static sem_t started, holding;
struct chan *volatile kept_chan;
sem_t *volatile published_sem;	/* not static: never read, it would go */
static int pipefd[2];
static pthread_t holder_thread;

static struct chan *
chan_new(void)
{
	struct chan *c = calloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	return c;
}

/* Wait on c's condition variable until ready (never). */
static void
chan_wait(struct chan *c, const char *name)
{
	pthread_setname_np(pthread_self(), name);
	pthread_mutex_lock(&c->mu);
	sem_post(&started);
	while (!c->ready)
		pthread_cond_wait(&c->cv, &c->mu); /* @chan_wait */
	pthread_mutex_unlock(&c->mu);
}

static void *
orphan_main(void *arg)
{
	chan_wait(arg, "orphan");
	return NULL;
}

static void *
kept_main(void *arg)
{
	chan_wait(arg, "kept");
	return NULL;
}

static void *
helped_main(void *arg)
{
	chan_wait(arg, "helped");
	return NULL;
}

static void *
stacksem_main(void *arg)
{
	sem_t s;

	pthread_setname_np(pthread_self(), "stacksem");
	sem_init(&s, 0, 0);
	sem_post(&started);
	sem_wait(&s); /* @stacksem_wait */
	return arg;
}

static void *
published_main(void *arg)
{
	sem_t s;

	pthread_setname_np(pthread_self(), "published");
	sem_init(&s, 0, 0);
	published_sem = &s;
	sem_post(&started);
	sem_wait(&s);
	return arg;
}

/* Holds the only pointer to the block locker waits on, and waits itself on
 * a semaphore nobody else knows. */
static void *
holder_main(void *arg)
{
	struct chan *volatile c = arg;
	sem_t s;

	pthread_setname_np(pthread_self(), "holder");
	sem_init(&s, 0, 0);
	pthread_mutex_lock(&c->mu);
	sem_post(&holding);
	sem_post(&started);
	sem_wait(&s); /* @holder_wait */
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void *
locker_main(void *arg)
{
	struct chan *c = arg;

	pthread_setname_np(pthread_self(), "locker");
	sem_post(&started);
	pthread_mutex_lock(&c->mu); /* @locker_wait */
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Holds the only pointer to helped's block, blocked on input. */
static void *
reader_main(void *arg)
{
	struct chan *volatile c = arg;
	char b;

	pthread_setname_np(pthread_self(), "reader");
	sem_post(&started);
	if (read(pipefd[0], &b, 1) == 1)
		c->ready = 1;
	return NULL;
}

static void *
joiner_main(void *arg)
{
	pthread_setname_np(pthread_self(), "joiner");
	sem_post(&started);
	pthread_join(holder_thread, NULL); /* @joiner_wait */
	return arg;
}

static void
start(void)
{
	pthread_t t;
	struct chan *c;

	pthread_create(&t, NULL, orphan_main, chan_new());
	kept_chan = chan_new();
	pthread_create(&t, NULL, kept_main, kept_chan);
	pthread_create(&t, NULL, stacksem_main, NULL);
	pthread_detach(t);
	pthread_create(&t, NULL, published_main, NULL);
	c = chan_new();
	pthread_create(&holder_thread, NULL, holder_main, c);
	sem_wait(&holding);	/* the holder has the mutex before locker asks */
	pthread_create(&t, NULL, locker_main, c);
	c = chan_new();
	pthread_create(&t, NULL, reader_main, c);
	pthread_create(&t, NULL, helped_main, c);
	pthread_create(&t, NULL, joiner_main, NULL);
	c = NULL;
}

/* Wait until n other threads sleep in the kernel (each in its last wait:
 * it posted `started` just before), at most 10 s: a loaded machine may
 * take long to get them there. */
static void
await_blocked(int n)
{
	for (int tries = 0; tries < 1000; tries++) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;
		int sleeping = 0;

		while (d != NULL && (e = readdir(d)) != NULL) {
			char path[64], buf[256], *p;
			FILE *f;

			if (e->d_name[0] == '.' || atoi(e->d_name) == (int)syscall(SYS_gettid))
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
			if ((f = fopen(path, "r")) == NULL)
				continue;
			if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL &&
			    p[1] == ' ' && p[2] == 'S')
				sleeping++;
			fclose(f);
		}
		if (d != NULL)
			closedir(d);
		if (sleeping >= n)
			return;
		usleep(10000);
	}
}

/* Clear the dead part of the stack, where start() left its pointers. */
static void
scrub_stack(void)
{
	volatile char buf[16384];

	memset((char *)buf, 0, sizeof(buf));
}

int
main(int argc, char **argv)
{
	tether_mark_t m = tether_mark();

	if (pipe(pipefd) != 0)
		return 1;
	sem_init(&started, 0, 0);
	sem_init(&holding, 0, 0);
	start();
	for (int i = 0; i < 9; i++)
		sem_wait(&started);
	await_blocked(9);
	usleep(50000);
	scrub_stack();
	if (argc > 1 && strcmp(argv[1], "api") == 0)
		printf("tether_check: %ld\n", tether_check(m));
	else
		printf("all blocked\n");
	return 0;
}
