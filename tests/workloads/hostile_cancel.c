/*
 * hostile_cancel.c - leaving blocking calls abnormally.
 * Usage: hostile_cancel MODE
 *   cancel  - threads blocked in read, pthread_cond_wait, sem_wait and
 *             sleep are cancelled; each cleanup handler must run and each
 *             join return PTHREAD_CANCELED.  Repeated, then a fresh thread
 *             blocks in read again and is woken normally.
 *   jump    - a thread blocked in read() is interrupted by SIGALRM, whose
 *             handler siglongjmps out of the read; it does that five times,
 *             then (its last wrapper note stale) calls deeper functions
 *             that hold the only pointer to a block while they block in an
 *             unwrapped system call, and stays there while main exits: the
 *             dump at exit (and the scan of tether check) must neither
 *             crash nor follow the stale note, nor call that block lost.
 *   jump-run - the same, but the thread keeps running (spinning in deeper
 *             frames) while main exits.
 *   jump-exit - the same five longjmps, then the thread calls pthread_exit
 *             (which unwinds through the cleanup handlers registered on its
 *             stack: none may be left from the read it jumped out of).
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int pipefd[2];
static atomic_int cleanups, ready;

static void
cleanup(void *arg)
{
	free(arg);
	atomic_fetch_add(&cleanups, 1);
}

static void
unlock_cleanup(void *arg)
{
	(void)arg;
	pthread_mutex_unlock(&mu);
}

static void *
blocker(void *arg)
{
	const char *what = arg;
	char *mem = malloc(256), c;

	pthread_cleanup_push(cleanup, mem);
	atomic_fetch_add(&ready, 1);
	if (strcmp(what, "read") == 0) {
		(void)read(pipefd[0], &c, 1);
	} else if (strcmp(what, "cond") == 0) {
		pthread_mutex_lock(&mu);
		pthread_cleanup_push(unlock_cleanup, NULL);
		for (;;)
			pthread_cond_wait(&cv, &mu);
		pthread_cleanup_pop(0);
	} else if (strcmp(what, "sem") == 0) {
		sem_wait(&sem);
	} else {
		sleep(1000);
	}
	pthread_cleanup_pop(0);
	return NULL;
}

static void *
reader(void *arg)
{
	char c = 0;

	(void)arg;
	return read(pipefd[0], &c, 1) == 1 && c == 'w' ? (void *)1 : NULL;
}

static int
cancel_mode(void)
{
	static const char *const kinds[] = { "read", "cond", "sem", "sleep" };
	int bad = 0;

	sem_init(&sem, 0, 0);
	if (pipe(pipefd) != 0)
		return 1;
	for (int round = 0; round < 20; round++) {
		for (int k = 0; k < 4; k++) {
			pthread_t t;
			void *ret;

			atomic_store(&ready, 0);
			atomic_store(&cleanups, 0);
			pthread_create(&t, NULL, blocker, (void *)kinds[k]);
			while (atomic_load(&ready) == 0)
				usleep(100);
			usleep(2000);	/* let it block */
			pthread_cancel(t);
			pthread_join(t, &ret);
			if (ret != PTHREAD_CANCELED || atomic_load(&cleanups) != 1) {
				bad++;
				if (round == 0)
					printf("cancel in %s: ret %p cleanups %d\n", kinds[k],
					       ret, atomic_load(&cleanups));
			}
		}
	}
	{
		pthread_t t;
		void *ret;

		pthread_create(&t, NULL, reader, NULL);
		usleep(2000);
		(void)write(pipefd[1], "w", 1);
		pthread_join(t, &ret);
		bad += ret != (void *)1;
	}
	/* the mutex is usable: the cancelled cond waiter's cleanup unlocked it */
	bad += pthread_mutex_trylock(&mu) != 0;
	pthread_mutex_unlock(&mu);
	printf("cancel: 80 cancellations, %d bad\n", bad);
	return bad ? 1 : 0;
}

static sigjmp_buf jb;
static atomic_int phase;
static void *volatile hidden;

static void
on_alarm(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

/* Deeper frames than the read's: the only pointer to the block lives here. */
__attribute__((noinline)) static void
hold_deep(int depth, int spin)
{
	volatile char pad[512];
	char *volatile mine;

	pad[0] = (char)depth;
	if (depth > 0) {
		hold_deep(depth - 1, spin);
		return;
	}
	mine = malloc(999);
	memset(mine, 'h', 999);
	atomic_store(&phase, 2);
	if (spin) {
		for (;;)
			mine[pad[0] & 7]++;
	}
	for (;;) {
		char c;

		syscall(SYS_read, pipefd[0], &c, 1);	/* unwrapped, never returns */
	}
}

static void *
jumper(void *arg)
{
	volatile int jumps = 0;
	int spin = (int)(intptr_t)arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (sigsetjmp(jb, 1) != 0)
		jumps++;
	if (jumps < 5) {
		char c;
		struct itimerval it = { { 0, 0 }, { 0, 20000 } };

		setitimer(ITIMER_REAL, &it, NULL);
		(void)read(pipefd[0], &c, 1);	/* interrupted by the longjmp */
		return (void *)-1;		/* not reached */
	}
	atomic_store(&phase, 1);
	if (spin == 2) {	/* jump-exit: cleanup handlers run, nothing else */
		char *mem = malloc(64);

		pthread_cleanup_push(cleanup, mem);
		atomic_store(&phase, 2);
		pthread_exit((void *)7);
		pthread_cleanup_pop(0);
	}
	hold_deep(8, spin);
	return NULL;
}

static int
jump_mode(int spin)
{
	struct sigaction sa;
	sigset_t set;
	pthread_t t;

	if (pipe(pipefd) != 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	/* SIGALRM goes to the jumper only: it unblocks it */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&t, NULL, jumper, (void *)(intptr_t)spin);
	if (spin == 2) {
		void *ret;

		pthread_join(t, &ret);
		printf("jump-exit: thread exited with %ld, cleanups %d\n", (long)(intptr_t)ret,
		       atomic_load(&cleanups));
		return 0;
	}
	while (atomic_load(&phase) != 2)
		usleep(1000);
	usleep(20000);
	printf("jump: five longjmps out of read, thread still %s\n",
	       spin ? "running" : "blocked");
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "cancel";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "cancel") == 0)
		return cancel_mode();
	if (strcmp(mode, "jump") == 0)
		return jump_mode(0);
	if (strcmp(mode, "jump-run") == 0)
		return jump_mode(1);
	if (strcmp(mode, "jump-exit") == 0)
		return jump_mode(2);
	return 2;
}
