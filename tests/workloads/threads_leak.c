/*
 * threads_leak.c - threads in every state at exit: one blocked forever in
 * read on a pipe, one blocked forever in pthread_cond_wait, one ended but
 * never joined, one detached and asleep, one joined (gone).  Usage:
 * threads_leak [churn N]  also creates and joins N short threads first;
 * threads_leak deadlock    adds two threads that take locks a and b in
 * opposite orders and deadlock;
 * threads_leak kinds       adds one thread blocked in each of recv on a
 * socket, accept, epoll_wait, sem_wait, a mutex never released and sleep;
 * threads_leak fork        forks once the threads are blocked; the child
 * exits at once.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
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
	return read(pipefd[0], &c, 1) > 0 ? NULL : arg; /* @reader_read */
}

static void *
waiter_main(void *arg)
{
	pthread_setname_np(pthread_self(), "waiter");
	pthread_mutex_lock(&mu);
	sem_post(&ready);
	pthread_cond_wait(&never, &mu); /* @cond_wait */
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

static int sockpair[2], listener, epfd;
static sem_t never_posted;
static pthread_mutex_t never_released = PTHREAD_MUTEX_INITIALIZER;

static void *
recv_main(void *arg)
{
	char c;

	pthread_setname_np(pthread_self(), "recv");
	sem_post(&ready);
	return recv(sockpair[0], &c, 1, 0) > 0 ? NULL : arg; /* @recv_call */
}

static void *
accept_main(void *arg)
{
	pthread_setname_np(pthread_self(), "accept");
	sem_post(&ready);
	return accept(listener, NULL, NULL) >= 0 ? NULL : arg; /* @accept_call */
}

static void *
epoll_main(void *arg)
{
	struct epoll_event ev;

	pthread_setname_np(pthread_self(), "epoll");
	sem_post(&ready);
	return epoll_wait(epfd, &ev, 1, -1) > 0 ? NULL : arg; /* @epoll_call */
}

static void *
sem_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sem");
	sem_post(&ready);
	sem_wait(&never_posted);
	return arg;
}

static void *
mutex_main(void *arg)
{
	pthread_setname_np(pthread_self(), "mutex");
	sem_post(&ready);
	pthread_mutex_lock(&never_released);
	return arg;
}

static void *
sleep_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sleep");
	sem_post(&ready);
	sleep(1000); /* @sleep_call */
	return arg;
}

/* One thread blocked in each kind of wait; returns how many started. */
static int
start_kinds(void)
{
	static void *(*const fns[])(void *) = {
		recv_main, accept_main, epoll_main, sem_main, mutex_main, sleep_main,
	};
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev = { .events = EPOLLIN };
	pthread_t t;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sockpair) != 0)
		return -1;
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(listener, 1) != 0)
		return -1;
	epfd = epoll_create1(0);
	ev.data.fd = sockpair[1];
	epoll_ctl(epfd, EPOLL_CTL_ADD, sockpair[1], &ev);
	sem_init(&never_posted, 0, 0);
	pthread_mutex_lock(&never_released);	/* main holds it for ever */
	for (size_t i = 0; i < sizeof(fns) / sizeof(*fns); i++)
		pthread_create(&t, NULL, fns[i], NULL); /* @create_kinds */
	return (int)(sizeof(fns) / sizeof(*fns));
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
	int started = 4;

	if (argc > 1 && !strcmp(argv[1], "kinds")) {
		int n = start_kinds();

		if (n < 0)
			return 1;
		started += n;
	}
	for (int i = 0; i < started; i++)
		sem_wait(&ready);
	usleep(200000);	/* let reader and waiter block */
	pthread_mutex_lock(&mu);	/* the waiter is inside cond_wait */
	pthread_mutex_unlock(&mu);
	printf("threads started\n");
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		pid_t pid = fork();

		if (pid == 0)
			exit(3);
		waitpid(pid, NULL, 0);
	}
	exit(0);
}
