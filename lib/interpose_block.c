/*
 * interpose_block.c - the calls a thread can block in: locks, condition
 * variables, semaphores, I/O, polling, sleeping, waiting for children, file
 * locks, signals, name resolution.  Each wrapper notes what the thread is
 * about to wait for (wait.h) and forwards to the real function.  Nothing
 * else: the return value, errno, EINTR and cancellation are the real call's.
 * (pthread_join is wrapped with the thread calls, interpose_thread.c.)
 *
 * Order of operations: tt_wait_begin(), the real call, tt_wait_end().
 * Neither touches errno, and both do nothing inside tether (tt_tls.busy).
 *  - pthread_mutex_lock and pthread_rwlock_rdlock/wrlock first call the
 *    real trylock; only on EBUSY do they note a wait and call the real lock,
 *    whose answer is then the answer (EDEADLK for an error-checking relock);
 *    any other answer of the try is the lock's own (0, EOWNERDEAD, EAGAIN...).
 *    Budget for a free lock: one relaxed load and the real trylock.
 *  - sem_wait likewise tries sem_trywait, after pthread_testcancel (glibc's
 *    sem_wait acts on a pending cancellation even when it need not wait),
 *    and restores errno after a failed try.
 *  - The timed forms are not tried first: glibc's timed rwlock and
 *    semaphore calls reject a bad time-out even when they need not wait,
 *    which a try would skip; pthread_mutex_timedlock keeps the same shape.
 *  - flock, lockf and fcntl note a wait only for the forms that can block
 *    (no LOCK_NB; F_LOCK; F_SETLKW, F_OFD_SETLKW); other forms, fcntl's
 *    third argument included, pass through unchanged.
 *  - poll and select note their first file descriptor, epoll its own.
 *
 * Cancellation: around every real call that is, or may be, a cancellation
 * point, pthread_cleanup_push() registers a handler that ends the wait, so
 * a thread cancelled there leaves no wait behind.  The pthread lock and
 * barrier calls are not cancellation points and need none.
 *
 * Real functions: dlsym(RTLD_NEXT), all resolved by a constructor (so that
 * a first call from a signal handler runs no dlsym, and a pending dlerror()
 * of the program is not cleared later), and lazily by any call made before
 * it.  A missing function fails with ENOSYS and is reported once.
 *
 * Symbol versions: glibc keeps pthread_cond_wait and pthread_cond_timedwait
 * twice, the default at GLIBC_2.3.2 and a compat version at GLIBC_2.2.5 for
 * the condition variable layout of before 2002.  The real ones are asked
 * for by version (dlvsym), falling back to dlsym where that version does not
 * exist (architectures younger than it).  The wrappers are unversioned; the
 * dynamic linker binds a versioned reference (pthread_cond_wait@GLIBC_2.3.2
 * in every program) to an unversioned definition, as it does for malloc.
 * A binary linked against the 2.2.5 compat version would reach them too and
 * be given the new implementation: such binaries are not supported.
 *
 * Context: any thread; signal handlers too, once the constructor has run
 * (before it, a first call runs dlsym, which is not async-signal-safe).
 */
/* Exactly glibc's names: no fortified inline read(), no fcntl -> fcntl64. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS

#include <dlfcn.h>
#include <setjmp.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sys/single_threaded.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "internal.h"
#include "io.h"
#include "threads.h"
#include "tls.h"
#include "unwind.h"
#include "wait.h"

/* The real functions: name, and the symbol version wanted (NULL: default). */
#define TT_REALS(X) \
	X(pthread_mutex_lock, NULL) \
	X(pthread_mutex_trylock, NULL) \
	X(pthread_mutex_unlock, NULL) \
	X(pthread_mutex_timedlock, NULL) \
	X(pthread_rwlock_rdlock, NULL) \
	X(pthread_rwlock_tryrdlock, NULL) \
	X(pthread_rwlock_wrlock, NULL) \
	X(pthread_rwlock_trywrlock, NULL) \
	X(pthread_rwlock_timedrdlock, NULL) \
	X(pthread_rwlock_timedwrlock, NULL) \
	X(pthread_cond_wait, "GLIBC_2.3.2") \
	X(pthread_cond_timedwait, "GLIBC_2.3.2") \
	X(pthread_cond_clockwait, NULL) \
	X(pthread_barrier_wait, NULL) \
	X(sem_wait, NULL) \
	X(sem_trywait, NULL) \
	X(sem_timedwait, NULL) \
	X(read, NULL) \
	X(readv, NULL) \
	X(write, NULL) \
	X(writev, NULL) \
	X(recv, NULL) \
	X(recvfrom, NULL) \
	X(recvmsg, NULL) \
	X(send, NULL) \
	X(sendto, NULL) \
	X(sendmsg, NULL) \
	X(accept, NULL) \
	X(accept4, NULL) \
	X(connect, NULL) \
	X(poll, NULL) \
	X(ppoll, NULL) \
	X(select, NULL) \
	X(pselect, NULL) \
	X(epoll_wait, NULL) \
	X(epoll_pwait, NULL) \
	X(sleep, NULL) \
	X(usleep, NULL) \
	X(nanosleep, NULL) \
	X(clock_nanosleep, NULL) \
	X(wait, NULL) \
	X(waitpid, NULL) \
	X(waitid, NULL) \
	X(flock, NULL) \
	X(lockf, NULL) \
	X(lockf64, NULL) \
	X(fcntl, NULL) \
	X(fcntl64, NULL) \
	X(sigwait, NULL) \
	X(sigtimedwait, NULL) \
	X(sigwaitinfo, NULL) \
	X(sigsuspend, NULL) \
	X(pause, NULL) \
	X(getaddrinfo, NULL) \
	X(longjmp, NULL) \
	X(_longjmp, NULL) \
	X(siglongjmp, NULL) \
	X(__longjmp_chk, NULL)

#define TT_REAL_INDEX(fn, version) R_##fn,
enum real_index { TT_REALS(TT_REAL_INDEX) R_COUNT };

static const struct {
	const char *name;
	const char *version;
} real_names[R_COUNT] = {
#define TT_REAL_NAME(fn, version) [R_##fn] = { #fn, version },
	TT_REALS(TT_REAL_NAME)
};

static _Atomic(void *) reals[R_COUNT];

/*
 * Look the real function up; racing threads may both do it, harmlessly.
 * errno is kept.  Return: the function, or NULL (said once unless quiet).
 */
static __attribute__((noinline, cold)) void *
resolve(enum real_index i, bool quiet)
{
	static _Atomic bool said[R_COUNT];
	int saved = errno;
	void *f = NULL;

	if (real_names[i].version != NULL)
		f = dlvsym(RTLD_NEXT, real_names[i].name, real_names[i].version);
	if (f == NULL)
		f = dlsym(RTLD_NEXT, real_names[i].name);
	errno = saved;
	if (f != NULL)
		atomic_store_explicit(&reals[i], f, memory_order_relaxed);
	else if (!quiet && !atomic_exchange(&said[i], true))
		tt_say("cannot find the real %s; it fails with ENOSYS",
		       real_names[i].name);
	return f;
}

static inline void *
real_fn(enum real_index i)
{
	void *f = atomic_load_explicit(&reals[i], memory_order_relaxed);

	return tt_likely(f != NULL) ? f : resolve(i, false);
}

__attribute__((constructor)) static void
resolve_all(void)
{
	for (unsigned i = 0; i < R_COUNT; i++)
		if (atomic_load_explicit(&reals[i], memory_order_relaxed) == NULL)
			(void)resolve(i, true);
}

/*
 * REAL(var, fn, fail): declare var as the real fn, or return fail when there
 * is none.  FAIL_ERRNO and FAIL_CODE are the two usual fail values.
 */
#define REAL(var, fn, fail) \
	__typeof__(fn) *var = (__typeof__(fn) *)real_fn(R_##fn); \
	if (tt_unlikely(var == NULL)) \
		return fail
#define FAIL_ERRNO (errno = ENOSYS, -1)
#define FAIL_CODE ENOSYS

/* The cancellation cleanup buffer of the wrapper this thread waits in, so
 * that a longjmp out of it can unregister it (longjmp below). */
static TT_TLS void *wait_cancel_buf;

/* A thread cancelled inside the real call: its wait is over. */
static void
cancelled(void *unused)
{
	(void)unused;
	wait_cancel_buf = NULL;
	tt_wait_end();
}

/*
 * WAIT_BEGIN() and WAIT_END() bracket a real call that is a cancellation
 * point; like pthread_cleanup_push/pop, they open and close one block.
 */
#define WAIT_BEGIN(call, object, fd) \
	tt_wait_begin((call), (uintptr_t)(object), (fd)); \
	pthread_cleanup_push(cancelled, NULL); \
	void *const outer_cancel_buf = wait_cancel_buf; \
	wait_cancel_buf = &__cancel_buf
#define WAIT_END() \
	wait_cancel_buf = outer_cancel_buf; \
	pthread_cleanup_pop(0); \
	tt_wait_end()

/* ---- pthread locks, condition variables, barriers, semaphores ---------- */

TT_EXPORT int
pthread_mutex_lock(pthread_mutex_t *m)
{
	REAL(try, pthread_mutex_trylock, FAIL_CODE);
	REAL(lock, pthread_mutex_lock, FAIL_CODE);
	int rc;

	/* A single-threaded process has no one to wait for (glibc's lock then
	 * skips its atomic; trylock would not), bar a process-shared mutex
	 * held by another process, which goes unrecorded. */
	if (__libc_single_threaded)
		return lock(m);
	rc = try(m);
	if (tt_likely(rc != EBUSY))
		return rc;
	/* The private jemalloc's own locks, taken inside the program's malloc:
	 * tether's allocator, not a wait of the program (glibc's malloc locks
	 * are not pthread mutexes either), and jemalloc's frames have no
	 * frame pointers for the walk to step over. */
	if (tt_self_contains((uintptr_t)__builtin_return_address(0)))
		return lock(m);
	tt_wait_for_holder((uintptr_t)m, m->__data.__owner);
	tt_wait_begin(TT_WAIT_MUTEX_LOCK, (uintptr_t)m, -1);
	rc = lock(m);
	tt_wait_end();
	return rc;
}

/* Charges the holder for its waiters (wait.h); nothing else. */
TT_EXPORT int
pthread_mutex_unlock(pthread_mutex_t *m)
{
	REAL(unlock, pthread_mutex_unlock, FAIL_CODE);
	struct tt_thread *self = tt_tls.self;

	/* inline fast check: nobody waited for a lock this thread holds */
	if (tt_unlikely(self != NULL && __atomic_load_n(&self->waiters, __ATOMIC_RELAXED)))
		tt_wait_unlocked((uintptr_t)m);
	return unlock(m);
}

TT_EXPORT int
pthread_mutex_timedlock(pthread_mutex_t *restrict m,
			const struct timespec *restrict abstime)
{
	REAL(lock, pthread_mutex_timedlock, FAIL_CODE);
	int rc;

	tt_wait_begin(TT_WAIT_MUTEX_TIMEDLOCK, (uintptr_t)m, -1);
	rc = lock(m, abstime);
	tt_wait_end();
	return rc;
}

TT_EXPORT int
pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	REAL(try, pthread_rwlock_tryrdlock, FAIL_CODE);
	int rc = try(l);

	if (tt_likely(rc != EBUSY))
		return rc;
	REAL(lock, pthread_rwlock_rdlock, FAIL_CODE);
	tt_wait_begin(TT_WAIT_RWLOCK_RDLOCK, (uintptr_t)l, -1);
	rc = lock(l);
	tt_wait_end();
	return rc;
}

TT_EXPORT int
pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	REAL(try, pthread_rwlock_trywrlock, FAIL_CODE);
	int rc = try(l);

	if (tt_likely(rc != EBUSY))
		return rc;
	REAL(lock, pthread_rwlock_wrlock, FAIL_CODE);
	tt_wait_begin(TT_WAIT_RWLOCK_WRLOCK, (uintptr_t)l, -1);
	rc = lock(l);
	tt_wait_end();
	return rc;
}

TT_EXPORT int
pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict l,
			   const struct timespec *restrict abstime)
{
	REAL(lock, pthread_rwlock_timedrdlock, FAIL_CODE);
	int rc;

	tt_wait_begin(TT_WAIT_RWLOCK_TIMEDRDLOCK, (uintptr_t)l, -1);
	rc = lock(l, abstime);
	tt_wait_end();
	return rc;
}

TT_EXPORT int
pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict l,
			   const struct timespec *restrict abstime)
{
	REAL(lock, pthread_rwlock_timedwrlock, FAIL_CODE);
	int rc;

	tt_wait_begin(TT_WAIT_RWLOCK_TIMEDWRLOCK, (uintptr_t)l, -1);
	rc = lock(l, abstime);
	tt_wait_end();
	return rc;
}

TT_EXPORT int
pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	REAL(wait_fn, pthread_cond_wait, FAIL_CODE);
	int rc;

	WAIT_BEGIN(TT_WAIT_COND_WAIT, c, -1);
	rc = wait_fn(c, m);
	WAIT_END();
	return rc;
}

TT_EXPORT int
pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
		       const struct timespec *restrict abstime)
{
	REAL(wait_fn, pthread_cond_timedwait, FAIL_CODE);
	int rc;

	WAIT_BEGIN(TT_WAIT_COND_TIMEDWAIT, c, -1);
	rc = wait_fn(c, m, abstime);
	WAIT_END();
	return rc;
}

TT_EXPORT int
pthread_cond_clockwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
		       clockid_t clock, const struct timespec *restrict abstime)
{
	REAL(wait_fn, pthread_cond_clockwait, FAIL_CODE);
	int rc;

	WAIT_BEGIN(TT_WAIT_COND_CLOCKWAIT, c, -1);
	rc = wait_fn(c, m, clock, abstime);
	WAIT_END();
	return rc;
}

TT_EXPORT int
pthread_barrier_wait(pthread_barrier_t *b)
{
	REAL(wait_fn, pthread_barrier_wait, FAIL_CODE);
	int rc;

	tt_wait_begin(TT_WAIT_BARRIER_WAIT, (uintptr_t)b, -1);
	rc = wait_fn(b);
	tt_wait_end();
	return rc;
}

TT_EXPORT int
sem_wait(sem_t *s)
{
	REAL(try, sem_trywait, FAIL_ERRNO);
	int saved = errno, rc;

	pthread_testcancel();
	if (tt_likely(try(s) == 0))
		return 0;
	if (errno != EAGAIN)
		return -1;
	errno = saved;
	REAL(wait_fn, sem_wait, FAIL_ERRNO);
	WAIT_BEGIN(TT_WAIT_SEM_WAIT, s, -1);
	rc = wait_fn(s);
	WAIT_END();
	return rc;
}

TT_EXPORT int
sem_timedwait(sem_t *restrict s, const struct timespec *restrict abstime)
{
	REAL(wait_fn, sem_timedwait, FAIL_ERRNO);
	int rc;

	WAIT_BEGIN(TT_WAIT_SEM_TIMEDWAIT, s, -1);
	rc = wait_fn(s, abstime);
	WAIT_END();
	return rc;
}

/* ---- file descriptors ---------------------------------------------------- */

TT_EXPORT ssize_t
read(int fd, void *buf, size_t n)
{
	REAL(call, read, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_READ, 0, fd);
	r = call(fd, buf, n);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
readv(int fd, const struct iovec *iov, int iovcnt)
{
	REAL(call, readv, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_READV, 0, fd);
	r = call(fd, iov, iovcnt);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(call, write, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_WRITE, 0, fd);
	r = call(fd, buf, n);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	REAL(call, writev, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_WRITEV, 0, fd);
	r = call(fd, iov, iovcnt);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
recv(int fd, void *buf, size_t n, int flags)
{
	REAL(call, recv, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_RECV, 0, fd);
	r = call(fd, buf, n, flags);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
recvfrom(int fd, void *restrict buf, size_t n, int flags,
	 __SOCKADDR_ARG addr, socklen_t *restrict addrlen)
{
	REAL(call, recvfrom, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_RECVFROM, 0, fd);
	r = call(fd, buf, n, flags, addr, addrlen);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	REAL(call, recvmsg, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_RECVMSG, 0, fd);
	r = call(fd, msg, flags);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
send(int fd, const void *buf, size_t n, int flags)
{
	REAL(call, send, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_SEND, 0, fd);
	r = call(fd, buf, n, flags);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
sendto(int fd, const void *buf, size_t n, int flags,
       __CONST_SOCKADDR_ARG addr, socklen_t addrlen)
{
	REAL(call, sendto, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_SENDTO, 0, fd);
	r = call(fd, buf, n, flags, addr, addrlen);
	WAIT_END();
	return r;
}

TT_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	REAL(call, sendmsg, FAIL_ERRNO);
	ssize_t r;

	WAIT_BEGIN(TT_WAIT_SENDMSG, 0, fd);
	r = call(fd, msg, flags);
	WAIT_END();
	return r;
}

TT_EXPORT int
accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict addrlen)
{
	REAL(call, accept, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_ACCEPT, 0, fd);
	r = call(fd, addr, addrlen);
	WAIT_END();
	return r;
}

TT_EXPORT int
accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict addrlen, int flags)
{
	REAL(call, accept4, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_ACCEPT4, 0, fd);
	r = call(fd, addr, addrlen, flags);
	WAIT_END();
	return r;
}

TT_EXPORT int
connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t addrlen)
{
	REAL(call, connect, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_CONNECT, 0, fd);
	r = call(fd, addr, addrlen);
	WAIT_END();
	return r;
}

/* ---- polling ------------------------------------------------------------- */

/* The first descriptor polled, or -1. */
static inline int
first_pollfd(const struct pollfd *fds, nfds_t n)
{
	return n > 0 && fds != NULL ? fds[0].fd : -1;
}

/* The lowest descriptor in any of select's sets, or -1; reads only the
 * words that hold descriptors below n, as the kernel does. */
static int
first_selectfd(int n, const fd_set *r, const fd_set *w, const fd_set *e)
{
	const int bits = 8 * (int)sizeof(__fd_mask);
	const fd_set *sets[3] = { r, w, e };
	int first = -1;

	if (n > FD_SETSIZE)
		n = FD_SETSIZE;
	for (int s = 0; s < 3; s++) {
		if (sets[s] == NULL)
			continue;
		for (int i = 0; i * bits < n && (first < 0 || i * bits < first); i++) {
			unsigned long word = (unsigned long)__FDS_BITS(sets[s])[i];
			int left = n - i * bits;

			if (left < bits)
				word &= (1ul << left) - 1;
			if (word != 0) {
				int fd = i * bits + __builtin_ctzl(word);

				if (first < 0 || fd < first)
					first = fd;
				break;
			}
		}
	}
	return first;
}

TT_EXPORT int
poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(call, poll, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_POLL, 0, first_pollfd(fds, n));
	r = call(fds, n, timeout);
	WAIT_END();
	return r;
}

TT_EXPORT int
ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
      const sigset_t *mask)
{
	REAL(call, ppoll, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_PPOLL, 0, first_pollfd(fds, n));
	r = call(fds, n, timeout, mask);
	WAIT_END();
	return r;
}

TT_EXPORT int
select(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
       struct timeval *restrict timeout)
{
	REAL(call, select, FAIL_ERRNO);
	int rc;

	WAIT_BEGIN(TT_WAIT_SELECT, 0, first_selectfd(n, r, w, e));
	rc = call(n, r, w, e, timeout);
	WAIT_END();
	return rc;
}

TT_EXPORT int
pselect(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
	const struct timespec *restrict timeout, const sigset_t *restrict mask)
{
	REAL(call, pselect, FAIL_ERRNO);
	int rc;

	WAIT_BEGIN(TT_WAIT_PSELECT, 0, first_selectfd(n, r, w, e));
	rc = call(n, r, w, e, timeout, mask);
	WAIT_END();
	return rc;
}

TT_EXPORT int
epoll_wait(int epfd, struct epoll_event *events, int max, int timeout)
{
	REAL(call, epoll_wait, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_EPOLL_WAIT, 0, epfd);
	r = call(epfd, events, max, timeout);
	WAIT_END();
	return r;
}

TT_EXPORT int
epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout,
	    const sigset_t *mask)
{
	REAL(call, epoll_pwait, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_EPOLL_PWAIT, 0, epfd);
	r = call(epfd, events, max, timeout, mask);
	WAIT_END();
	return r;
}

/* ---- sleeping ------------------------------------------------------------ */

TT_EXPORT unsigned int
sleep(unsigned int seconds)
{
	REAL(call, sleep, (errno = ENOSYS, seconds));
	unsigned int left;

	WAIT_BEGIN(TT_WAIT_SLEEP, 0, -1);
	left = call(seconds);
	WAIT_END();
	return left;
}

TT_EXPORT int
usleep(useconds_t usec)
{
	REAL(call, usleep, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_USLEEP, 0, -1);
	r = call(usec);
	WAIT_END();
	return r;
}

TT_EXPORT int
nanosleep(const struct timespec *req, struct timespec *rem)
{
	REAL(call, nanosleep, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_NANOSLEEP, 0, -1);
	r = call(req, rem);
	WAIT_END();
	return r;
}

TT_EXPORT int
clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
		struct timespec *rem)
{
	REAL(call, clock_nanosleep, FAIL_CODE);
	int rc;

	WAIT_BEGIN(TT_WAIT_CLOCK_NANOSLEEP, 0, -1);
	rc = call(clock, flags, req, rem);
	WAIT_END();
	return rc;
}

/* ---- children ------------------------------------------------------------ */

TT_EXPORT pid_t
wait(int *status)
{
	REAL(call, wait, FAIL_ERRNO);
	pid_t r;

	WAIT_BEGIN(TT_WAIT_WAIT, 0, -1);
	r = call(status);
	WAIT_END();
	return r;
}

TT_EXPORT pid_t
waitpid(pid_t pid, int *status, int options)
{
	REAL(call, waitpid, FAIL_ERRNO);
	pid_t r;

	WAIT_BEGIN(TT_WAIT_WAITPID, 0, -1);
	r = call(pid, status, options);
	WAIT_END();
	return r;
}

TT_EXPORT int
waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	REAL(call, waitid, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_WAITID, 0, -1);
	r = call(idtype, id, info, options);
	WAIT_END();
	return r;
}

/* ---- file locks ---------------------------------------------------------- */

TT_EXPORT int
flock(int fd, int op)
{
	REAL(call, flock, FAIL_ERRNO);
	int r;

	if ((op & LOCK_NB) || !(op & (LOCK_SH | LOCK_EX)))
		return call(fd, op);
	WAIT_BEGIN(TT_WAIT_FLOCK, 0, fd);
	r = call(fd, op);
	WAIT_END();
	return r;
}

TT_EXPORT int
lockf(int fd, int cmd, off_t len)
{
	REAL(call, lockf, FAIL_ERRNO);
	int r;

	if (cmd != F_LOCK)
		return call(fd, cmd, len);
	WAIT_BEGIN(TT_WAIT_LOCKF, 0, fd);
	r = call(fd, cmd, len);
	WAIT_END();
	return r;
}

TT_EXPORT int
lockf64(int fd, int cmd, off64_t len)
{
	REAL(call, lockf64, FAIL_ERRNO);
	int r;

	if (cmd != F_LOCK)
		return call(fd, cmd, len);
	WAIT_BEGIN(TT_WAIT_LOCKF, 0, fd);
	r = call(fd, cmd, len);
	WAIT_END();
	return r;
}

/* How fcntl's third argument is passed (fcntl(2)). */
enum fcntl_arg { ARG_NONE, ARG_INT, ARG_PTR };

static enum fcntl_arg
fcntl_arg(int cmd)
{
	switch (cmd) {
	case F_GETFD:
	case F_GETFL:
	case F_GETOWN:
#ifdef F_GETSIG
	case F_GETSIG:
#endif
#ifdef F_GETLEASE
	case F_GETLEASE:
#endif
#ifdef F_GETPIPE_SZ
	case F_GETPIPE_SZ:
#endif
#ifdef F_GET_SEALS
	case F_GET_SEALS:
#endif
		return ARG_NONE;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
	case F_SETFD:
	case F_SETFL:
	case F_SETOWN:
#ifdef F_SETSIG
	case F_SETSIG:
#endif
#ifdef F_SETLEASE
	case F_SETLEASE:
#endif
#ifdef F_NOTIFY
	case F_NOTIFY:
#endif
#ifdef F_SETPIPE_SZ
	case F_SETPIPE_SZ:
#endif
#ifdef F_ADD_SEALS
	case F_ADD_SEALS:
#endif
		return ARG_INT;
	default:
		/* the locks, F_GETOWN_EX and F_SETOWN_EX, the read/write hints;
		 * and commands unknown here, read whole as glibc reads them */
		return ARG_PTR;
	}
}

static inline bool
fcntl_blocks(int cmd)
{
#if defined F_SETLKW64 && F_SETLKW64 != F_SETLKW
	if (cmd == F_SETLKW64)
		return true;
#endif
	return cmd == F_SETLKW || cmd == F_OFD_SETLKW;
}

/* fcntl and fcntl64: the same, under two names (the second for programs
 * built with _FILE_OFFSET_BITS=64). */
static inline int
fcntl_common(int (*call)(int, int, ...), int fd, int cmd, va_list ap)
{
	void *p;
	int r;

	switch (fcntl_arg(cmd)) {
	case ARG_NONE:
		return call(fd, cmd);
	case ARG_INT:
		return call(fd, cmd, (long)va_arg(ap, int));
	default:
		break;
	}
	p = va_arg(ap, void *);
	if (!fcntl_blocks(cmd))
		return call(fd, cmd, p);
	WAIT_BEGIN(TT_WAIT_FCNTL_LOCK, 0, fd);
	r = call(fd, cmd, p);
	WAIT_END();
	return r;
}

TT_EXPORT int
fcntl(int fd, int cmd, ...)
{
	REAL(call, fcntl, FAIL_ERRNO);
	va_list ap;
	int r;

	va_start(ap, cmd);
	r = fcntl_common(call, fd, cmd, ap);
	va_end(ap);
	return r;
}

TT_EXPORT int
fcntl64(int fd, int cmd, ...)
{
	REAL(call, fcntl64, FAIL_ERRNO);
	va_list ap;
	int r;

	va_start(ap, cmd);
	r = fcntl_common(call, fd, cmd, ap);
	va_end(ap);
	return r;
}

/* ---- signals ------------------------------------------------------------- */

TT_EXPORT int
sigwait(const sigset_t *restrict set, int *restrict sig)
{
	REAL(call, sigwait, FAIL_CODE);
	int rc;

	WAIT_BEGIN(TT_WAIT_SIGWAIT, 0, -1);
	rc = call(set, sig);
	WAIT_END();
	return rc;
}

TT_EXPORT int
sigtimedwait(const sigset_t *restrict set, siginfo_t *restrict info,
	     const struct timespec *restrict timeout)
{
	REAL(call, sigtimedwait, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_SIGTIMEDWAIT, 0, -1);
	r = call(set, info, timeout);
	WAIT_END();
	return r;
}

TT_EXPORT int
sigwaitinfo(const sigset_t *restrict set, siginfo_t *restrict info)
{
	REAL(call, sigwaitinfo, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_SIGWAITINFO, 0, -1);
	r = call(set, info);
	WAIT_END();
	return r;
}

TT_EXPORT int
sigsuspend(const sigset_t *mask)
{
	REAL(call, sigsuspend, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_SIGSUSPEND, 0, -1);
	r = call(mask);
	WAIT_END();
	return r;
}

TT_EXPORT int
pause(void)
{
	REAL(call, pause, FAIL_ERRNO);
	int r;

	WAIT_BEGIN(TT_WAIT_PAUSE, 0, -1);
	r = call();
	WAIT_END();
	return r;
}

/* ---- names --------------------------------------------------------------- */

TT_EXPORT int
getaddrinfo(const char *restrict node, const char *restrict service,
	    const struct addrinfo *restrict hints, struct addrinfo **restrict res)
{
	REAL(call, getaddrinfo, (errno = ENOSYS, EAI_SYSTEM));
	int rc;

	WAIT_BEGIN(TT_WAIT_GETADDRINFO, 0, -1);
	rc = call(node, service, hints, res);
	WAIT_END();
	return rc;
}

/* ---- longjmp ------------------------------------------------------------- */

/*
 * A longjmp out of a signal handler that interrupted a wrapped call (the
 * classic alarm-and-siglongjmp timeout around read) leaves the wrapper
 * without running its end: its cancellation cleanup buffer would stay
 * registered in glibc's thread descriptor, pointing into a dead frame that
 * a later pthread_exit or cancellation jumps to, and its wait note would
 * stay behind for scans and dumps.  The wrappers below see the jump's
 * target stack pointer (glibc keeps it mangled with the thread's pointer
 * guard, %fs:0x30 on x86-64) and forget what lies below it.
 */
extern void __longjmp_chk(sigjmp_buf env, int val) __attribute__((noreturn));

static void
forget_jumped_waits(const void *env)
{
#if defined(__x86_64__)
	uint64_t sp = ((const uint64_t *)env)[6], guard;
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	__asm__("movq %%fs:0x30, %0" : "=r"(guard));
	sp = ((sp >> 17) | (sp << 47)) ^ guard;
	if (sp < here || sp - here > (1ull << 30))
		return;		/* another stack (sigaltstack): left as it is */
	if (wait_cancel_buf != NULL && (uintptr_t)wait_cancel_buf < sp) {
		__pthread_unregister_cancel(wait_cancel_buf);
		wait_cancel_buf = NULL;
	}
	tt_wait_jumped(sp);
#else
	(void)env;
#endif
}

#define LONGJMP_WRAPPER(fn, type) \
	TT_EXPORT __attribute__((noreturn)) void \
	fn(type env, int val) \
	{ \
		void (*real)(struct __jmp_buf_tag *, int) = \
			(void (*)(struct __jmp_buf_tag *, int))real_fn(R_##fn); \
		\
		if (tt_likely(atomic_load_explicit(&tt_state, memory_order_relaxed) == \
			      TT_STATE_ON)) \
			forget_jumped_waits(env); \
		if (real == NULL) \
			abort(); \
		real(env, val); \
		__builtin_unreachable(); \
	}
LONGJMP_WRAPPER(longjmp, jmp_buf)
LONGJMP_WRAPPER(_longjmp, jmp_buf)
LONGJMP_WRAPPER(siglongjmp, sigjmp_buf)
LONGJMP_WRAPPER(__longjmp_chk, sigjmp_buf)
