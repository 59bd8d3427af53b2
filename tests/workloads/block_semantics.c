/*
 * block_semantics.c - prints how the blocking calls behave: return values,
 * errno, timeouts, EINTR, contention between threads and processes, and
 * cancellation of threads blocked inside them.  tests/cli/block_semantics.sh
 * runs it with and without libtether.so and requires identical output and
 * exit status: tether's wrappers (lib/interpose_block.c) must change nothing.
 *
 * Deterministic by construction: only the main thread prints, every result
 * printed is decided by the program's own ordering (a waiter cannot get a
 * lock before it is released), never by timing; sleeps only make it likely
 * that a thread is already blocked when it is released or cancelled.
 * errno is set to ERANGE before each call, so a success that clobbers errno
 * shows.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------- */

static const char *
ename(int e)
{
	static char other[32];

	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case EDEADLK: return "EDEADLK";
	case ENOSYS: return "ENOSYS";
	case ENOTSOCK: return "ENOTSOCK";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EISCONN: return "EISCONN";
	case ENOTCONN: return "ENOTCONN";
	case EOWNERDEAD: return "EOWNERDEAD";
	case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
	default:
		snprintf(other, sizeof(other), "errno#%d", e);
		return other;
	}
}

/* ERR: a call that returns -1 and sets errno.  CODE: one that returns an
 * error number.  Both print the result and errno after the call. */
#define ERR(what, expr) do { errno = ERANGE; long r_ = (long)(expr); int e_ = errno; \
	printf("%-44s -> %ld errno=%s\n", what, r_, ename(e_)); } while (0)
#define CODE(what, expr) do { errno = ERANGE; int r_ = (expr); int e_ = errno; \
	printf("%-44s -> %s errno=%s\n", what, ename(r_), ename(e_)); } while (0)

static void
section(const char *name)
{
	printf("== %s\n", name);
	fflush(stdout);
}

static void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static struct timespec
in_ms(clockid_t clock, int ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_nsec += (long)ms * 1000000L;
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static const struct timespec bad_ts = { 0, 2000000000L };

static pthread_t
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, fn, arg);

	if (rc != 0) {
		printf("pthread_create failed: %s\n", ename(rc));
		exit(2);
	}
	return t;
}

static void *
join(pthread_t t)
{
	void *ret = NULL;
	int rc = pthread_join(t, &ret);

	if (rc != 0)
		printf("pthread_join failed: %s\n", ename(rc));
	return ret;
}

/* What a helper thread saw: a return value and errno after the call. */
struct result {
	long rc;
	int err;
	atomic_int done;
};

static void
show_result(const char *what, const struct result *r)
{
	printf("%-44s -> %ld errno=%s\n", what, r->rc, ename(r->err));
}

static void
show_code(const char *what, const struct result *r)
{
	printf("%-44s -> %s errno=%s\n", what, ename((int)r->rc), ename(r->err));
}

static char tmpdir[256];

static void
tmp_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

/* ---- mutexes ------------------------------------------------------------- */

static pthread_mutex_t m_plain = PTHREAD_MUTEX_INITIALIZER;

static void *
mutex_locker(void *arg)
{
	struct result *r = arg;

	errno = ERANGE;
	r->rc = pthread_mutex_lock(&m_plain);
	r->err = errno;
	atomic_store(&r->done, 1);
	pthread_mutex_unlock(&m_plain);
	return NULL;
}

/* A thread that holds m until told to let go. */
struct holder {
	pthread_mutex_t *m;
	pthread_rwlock_t *l;
	int write;
	sem_t held, release;
};

static void *
holder_main(void *arg)
{
	struct holder *h = arg;

	if (h->m != NULL)
		pthread_mutex_lock(h->m);
	else if (h->write)
		pthread_rwlock_wrlock(h->l);
	else
		pthread_rwlock_rdlock(h->l);
	sem_post(&h->held);
	while (sem_wait(&h->release) != 0)
		;
	if (h->m != NULL)
		pthread_mutex_unlock(h->m);
	else
		pthread_rwlock_unlock(h->l);
	return NULL;
}

static pthread_t
hold(struct holder *h)
{
	pthread_t t;

	sem_init(&h->held, 0, 0);
	sem_init(&h->release, 0, 0);
	t = spawn(holder_main, h);
	while (sem_wait(&h->held) != 0)
		;
	return t;
}

static void
unhold(struct holder *h, pthread_t t)
{
	sem_post(&h->release);
	join(t);
	sem_destroy(&h->held);
	sem_destroy(&h->release);
}

static void *
robust_die(void *arg)
{
	pthread_mutex_lock(arg);
	return NULL;	/* ends holding it */
}

static void
test_mutex(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	struct result r = { 0 };
	struct holder h = { 0 };
	struct timespec ts;
	pthread_t t;

	section("mutex");
	CODE("lock free mutex", pthread_mutex_lock(&m_plain));
	CODE("trylock held mutex", pthread_mutex_trylock(&m_plain));
	t = spawn(mutex_locker, &r);
	msleep(30);
	printf("%-44s -> %d\n", "waiter still blocked while held", atomic_load(&r.done));
	CODE("unlock", pthread_mutex_unlock(&m_plain));
	join(t);
	show_code("contended lock in thread (errno kept)", &r);

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	CODE("errorcheck lock", pthread_mutex_lock(&m));
	CODE("errorcheck relock by owner", pthread_mutex_lock(&m));
	CODE("errorcheck trylock by owner", pthread_mutex_trylock(&m));
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("errorcheck timedlock by owner", pthread_mutex_timedlock(&m, &ts));
	CODE("errorcheck unlock", pthread_mutex_unlock(&m));
	CODE("errorcheck unlock unowned", pthread_mutex_unlock(&m));
	pthread_mutex_destroy(&m);

	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m, &a);
	CODE("recursive lock", pthread_mutex_lock(&m));
	CODE("recursive lock again", pthread_mutex_lock(&m));
	CODE("recursive trylock", pthread_mutex_trylock(&m));
	CODE("recursive unlock 1", pthread_mutex_unlock(&m));
	CODE("recursive unlock 2", pthread_mutex_unlock(&m));
	CODE("recursive unlock 3", pthread_mutex_unlock(&m));
	CODE("recursive unlock 4", pthread_mutex_unlock(&m));
	pthread_mutex_destroy(&m);

	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_NORMAL);
	pthread_mutex_init(&m, &a);
	h.m = &m;
	t = hold(&h);
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("timedlock held by other thread", pthread_mutex_timedlock(&m, &ts));
	CODE("timedlock bad abstime, held", pthread_mutex_timedlock(&m, &bad_ts));
	unhold(&h, t);
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("timedlock free", pthread_mutex_timedlock(&m, &ts));
	CODE("unlock", pthread_mutex_unlock(&m));
	pthread_mutex_destroy(&m);

	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_DEFAULT);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&m, &a);
	join(spawn(robust_die, &m));
	CODE("robust lock, owner died", pthread_mutex_lock(&m));
	CODE("robust consistent", pthread_mutex_consistent(&m));
	CODE("robust unlock", pthread_mutex_unlock(&m));
	CODE("robust lock again", pthread_mutex_lock(&m));
	CODE("robust unlock", pthread_mutex_unlock(&m));
	join(spawn(robust_die, &m));
	CODE("robust lock, owner died again", pthread_mutex_lock(&m));
	CODE("robust unlock without consistent", pthread_mutex_unlock(&m));
	CODE("robust lock, not recoverable", pthread_mutex_lock(&m));
	pthread_mutex_destroy(&m);
	pthread_mutexattr_destroy(&a);
}

/* ---- rwlocks ------------------------------------------------------------- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void *
rw_writer(void *arg)
{
	struct result *r = arg;

	errno = ERANGE;
	r->rc = pthread_rwlock_wrlock(&rw);
	r->err = errno;
	atomic_store(&r->done, 1);
	pthread_rwlock_unlock(&rw);
	return NULL;
}

static void *
rw_reader(void *arg)
{
	struct result *r = arg;

	errno = ERANGE;
	r->rc = pthread_rwlock_rdlock(&rw);
	r->err = errno;
	atomic_store(&r->done, 1);
	pthread_rwlock_unlock(&rw);
	return NULL;
}

static void
test_rwlock(void)
{
	struct result r = { 0 };
	struct holder h = { .l = &rw };
	struct timespec ts;
	pthread_t t;

	section("rwlock");
	CODE("rdlock", pthread_rwlock_rdlock(&rw));
	CODE("rdlock again (recursive read)", pthread_rwlock_rdlock(&rw));
	CODE("trywrlock while read-held", pthread_rwlock_trywrlock(&rw));
	t = spawn(rw_writer, &r);
	msleep(30);
	printf("%-44s -> %d\n", "writer still blocked while read-held", atomic_load(&r.done));
	CODE("unlock", pthread_rwlock_unlock(&rw));
	CODE("unlock", pthread_rwlock_unlock(&rw));
	join(t);
	show_code("contended wrlock in thread", &r);

	CODE("wrlock", pthread_rwlock_wrlock(&rw));
	CODE("rdlock by the writer", pthread_rwlock_rdlock(&rw));
	CODE("wrlock by the writer", pthread_rwlock_wrlock(&rw));
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("timedwrlock by the writer", pthread_rwlock_timedwrlock(&rw, &ts));
	memset(&r, 0, sizeof(r));
	t = spawn(rw_reader, &r);
	msleep(30);
	printf("%-44s -> %d\n", "reader still blocked while write-held", atomic_load(&r.done));
	CODE("unlock", pthread_rwlock_unlock(&rw));
	join(t);
	show_code("contended rdlock in thread", &r);

	h.write = 1;
	t = hold(&h);
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("timedrdlock, other thread writes", pthread_rwlock_timedrdlock(&rw, &ts));
	CODE("timedrdlock bad abstime", pthread_rwlock_timedrdlock(&rw, &bad_ts));
	unhold(&h, t);
	h.write = 0;
	t = hold(&h);
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("timedwrlock, other thread reads", pthread_rwlock_timedwrlock(&rw, &ts));
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("timedrdlock, other thread reads", pthread_rwlock_timedrdlock(&rw, &ts));
	CODE("unlock", pthread_rwlock_unlock(&rw));
	unhold(&h, t);
}

/* ---- condition variables and barriers ------------------------------------ */

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_ready;

static void *
cv_waiter(void *arg)
{
	struct result *r = arg;

	pthread_mutex_lock(&cm);
	errno = ERANGE;
	while (!cv_ready)
		r->rc = pthread_cond_wait(&cv, &cm);
	r->err = errno;
	cv_ready--;
	pthread_mutex_unlock(&cm);
	return NULL;
}

static pthread_barrier_t bar;

static void *
barrier_main(void *arg)
{
	(void)arg;
	return (void *)(long)pthread_barrier_wait(&bar);
}

static void
test_cond(void)
{
	struct result r1 = { 0 }, r2 = { 0 };
	pthread_condattr_t ca;
	pthread_cond_t mc;
	struct timespec ts;
	pthread_t t1, t2;
	long serial, other;

	section("cond");
	pthread_mutex_lock(&cm);
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("timedwait timeout", pthread_cond_timedwait(&cv, &cm, &ts));
	CODE("timedwait bad abstime", pthread_cond_timedwait(&cv, &cm, &bad_ts));
	ts = in_ms(CLOCK_MONOTONIC, 20);
	CODE("clockwait MONOTONIC timeout", pthread_cond_clockwait(&cv, &cm, CLOCK_MONOTONIC, &ts));
	ts = in_ms(CLOCK_REALTIME, 20);
	CODE("clockwait REALTIME timeout", pthread_cond_clockwait(&cv, &cm, CLOCK_REALTIME, &ts));
	CODE("clockwait bad clock", pthread_cond_clockwait(&cv, &cm, CLOCK_PROCESS_CPUTIME_ID, &ts));
	pthread_mutex_unlock(&cm);

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mc, &ca);
	pthread_mutex_lock(&cm);
	ts = in_ms(CLOCK_MONOTONIC, 20);
	CODE("timedwait on MONOTONIC cond", pthread_cond_timedwait(&mc, &cm, &ts));
	pthread_mutex_unlock(&cm);
	pthread_cond_destroy(&mc);
	pthread_condattr_destroy(&ca);

	t1 = spawn(cv_waiter, &r1);
	msleep(30);
	pthread_mutex_lock(&cm);
	cv_ready = 1;
	CODE("signal", pthread_cond_signal(&cv));
	pthread_mutex_unlock(&cm);
	join(t1);
	show_code("cond_wait woken by signal", &r1);

	memset(&r1, 0, sizeof(r1));
	t1 = spawn(cv_waiter, &r1);
	t2 = spawn(cv_waiter, &r2);
	msleep(30);
	pthread_mutex_lock(&cm);
	cv_ready = 2;
	CODE("broadcast", pthread_cond_broadcast(&cv));
	pthread_mutex_unlock(&cm);
	join(t1);
	join(t2);
	show_code("cond_wait woken by broadcast (1)", &r1);
	show_code("cond_wait woken by broadcast (2)", &r2);

	section("barrier");
	pthread_barrier_init(&bar, NULL, 2);
	for (int round = 0; round < 3; round++) {
		long mine, theirs;

		t1 = spawn(barrier_main, NULL);
		mine = pthread_barrier_wait(&bar);
		theirs = (long)join(t1);
		serial = (mine == PTHREAD_BARRIER_SERIAL_THREAD) + (theirs == PTHREAD_BARRIER_SERIAL_THREAD);
		other = (mine == 0) + (theirs == 0);
		printf("%-44s -> serial=%ld zero=%ld\n", "barrier of 2, round", serial, other);
	}
	pthread_barrier_destroy(&bar);
}

/* ---- semaphores and join ------------------------------------------------- */

static sem_t sem;

static void *
sem_waiter(void *arg)
{
	struct result *r = arg;

	errno = ERANGE;
	r->rc = sem_wait(&sem);
	r->err = errno;
	atomic_store(&r->done, 1);
	return NULL;
}

static void
test_sem(void)
{
	struct result r = { 0 };
	struct timespec ts;
	pthread_t t;
	int v;

	section("semaphore");
	sem_init(&sem, 0, 0);
	ERR("post", sem_post(&sem));
	ERR("wait, value 1", sem_wait(&sem));
	ERR("trywait, value 0", sem_trywait(&sem));
	ts = in_ms(CLOCK_REALTIME, 20);
	ERR("timedwait timeout", sem_timedwait(&sem, &ts));
	ERR("timedwait bad abstime", sem_timedwait(&sem, &bad_ts));
	sem_post(&sem);
	ERR("timedwait bad abstime, value 1", sem_timedwait(&sem, &bad_ts));
	ts = in_ms(CLOCK_REALTIME, 20);
	ERR("timedwait, value 1", sem_timedwait(&sem, &ts));
	t = spawn(sem_waiter, &r);
	msleep(30);
	printf("%-44s -> %d\n", "waiter still blocked at 0", atomic_load(&r.done));
	sem_post(&sem);
	join(t);
	show_result("contended wait in thread (errno kept)", &r);
	sem_getvalue(&sem, &v);
	printf("%-44s -> %d\n", "value after", v);
	sem_destroy(&sem);

	section("join");
	CODE("join self", pthread_join(pthread_self(), NULL));
	sem_init(&sem, 0, 1);
	t = spawn(sem_waiter, &r);
	printf("%-44s -> %s\n", "join a thread", join(t) == NULL ? "NULL" : "value");
	sem_destroy(&sem);
}

/* ---- pipes and sockets --------------------------------------------------- */

static void
test_pipe(void)
{
	char buf[64];
	struct iovec iov[2];
	char a[3], b[8];
	int p[2], flags;

	section("pipe");
	if (pipe(p) != 0)
		exit(2);
	ERR("write 5", write(p[1], "hello", 5));
	memset(buf, 0, sizeof(buf));
	ERR("read", read(p[0], buf, sizeof(buf)));
	printf("%-44s -> %s\n", "read data", buf);
	iov[0] = (struct iovec){ "abc", 3 };
	iov[1] = (struct iovec){ "defgh", 5 };
	ERR("writev 3+5", writev(p[1], iov, 2));
	iov[0] = (struct iovec){ a, sizeof(a) };
	iov[1] = (struct iovec){ b, sizeof(b) };
	memset(b, 0, sizeof(b));
	ERR("readv 3+8", readv(p[0], iov, 2));
	printf("%-44s -> %.3s|%s\n", "readv data", a, b);
	flags = fcntl(p[0], F_GETFL);
	fcntl(p[0], F_SETFL, flags | O_NONBLOCK);
	ERR("nonblocking read, empty", read(p[0], buf, sizeof(buf)));
	ERR("nonblocking readv, empty", readv(p[0], iov, 2));
	fcntl(p[0], F_SETFL, flags);
	ERR("read bad fd", read(-1, buf, 1));
	ERR("write bad fd", write(-1, buf, 1));
	ERR("read NULL buffer", read(p[0], NULL, 0));
	close(p[1]);
	ERR("read at end of file", read(p[0], buf, sizeof(buf)));
	close(p[0]);
	if (pipe(p) != 0)
		exit(2);
	close(p[0]);
	ERR("write, no reader (SIGPIPE ignored)", write(p[1], "x", 1));
	ERR("writev, no reader", writev(p[1], iov, 1));
	close(p[1]);
}

static void
test_socketpair(void)
{
	char buf[64], cbuf[CMSG_SPACE(sizeof(int))];
	struct sockaddr_storage from;
	struct msghdr msg;
	struct iovec iov[2];
	struct cmsghdr *c;
	socklen_t flen;
	int s[2], d[2], p[2], fd;

	section("socketpair");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, d) != 0 || pipe(p) != 0)
		exit(2);
	ERR("send", send(s[0], "ping", 4, 0));
	memset(buf, 0, sizeof(buf));
	ERR("recv", recv(s[1], buf, sizeof(buf), 0));
	printf("%-44s -> %s\n", "recv data", buf);
	ERR("recv MSG_DONTWAIT, empty", recv(s[1], buf, sizeof(buf), MSG_DONTWAIT));
	ERR("send bad fd", send(-1, "x", 1, 0));
	ERR("recv on a pipe", recv(p[0], buf, 1, MSG_DONTWAIT));
	ERR("sendto (dgram)", sendto(d[0], "dgram", 5, 0, NULL, 0));
	flen = sizeof(from);
	memset(buf, 0, sizeof(buf));
	ERR("recvfrom (dgram)", recvfrom(d[1], buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	printf("%-44s -> %s addrlen=%u\n", "recvfrom data", buf, (unsigned)flen);
	ERR("sendto, short buffer then recv truncates", sendto(d[0], "0123456789", 10, 0, NULL, 0));
	ERR("recv 4 of 10 (dgram)", recv(d[1], buf, 4, 0));

	/* sendmsg with two pieces and a descriptor; recvmsg takes them */
	iov[0] = (struct iovec){ "two ", 4 };
	iov[1] = (struct iovec){ "parts", 5 };
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	ERR("sendmsg 4+5 with a descriptor", sendmsg(s[0], &msg, 0));
	memset(buf, 0, sizeof(buf));
	iov[0] = (struct iovec){ buf, sizeof(buf) };
	memset(&msg, 0, sizeof(msg));
	memset(cbuf, 0, sizeof(cbuf));
	msg.msg_iov = iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	ERR("recvmsg", recvmsg(s[1], &msg, 0));
	c = CMSG_FIRSTHDR(&msg);
	fd = -1;
	if (c != NULL && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	printf("%-44s -> %s flags=%d fd=%s\n", "recvmsg data", buf, msg.msg_flags,
	       fd >= 0 ? "yes" : "no");
	ERR("write through the passed descriptor", write(fd, "!", 1));
	ERR("read it from the pipe", read(p[0], buf, 1));
	ERR("recvmsg MSG_DONTWAIT, empty", recvmsg(s[1], &msg, MSG_DONTWAIT));
	ERR("sendmsg bad fd", sendmsg(-1, &msg, 0));
	close(fd);
	close(s[1]);
	ERR("send, peer closed", send(s[0], "x", 1, MSG_NOSIGNAL));
	close(s[0]);
	close(d[0]);
	close(d[1]);
	close(p[0]);
	close(p[1]);
}

static void
test_tcp(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in peer;
	socklen_t len = sizeof(sa);
	char buf[16];
	int l, c1, c2, a1, a2, nul, closed_port;

	section("tcp loopback");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(l, 4) != 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) != 0)
		exit(2);
	c1 = socket(AF_INET, SOCK_STREAM, 0);
	c2 = socket(AF_INET, SOCK_STREAM, 0);
	ERR("connect", connect(c1, (struct sockaddr *)&sa, sizeof(sa)));
	len = sizeof(peer);
	a1 = accept(l, (struct sockaddr *)&peer, &len);
	printf("%-44s -> %s family=%s len=%u\n", "accept", a1 >= 0 ? "fd" : ename(errno),
	       peer.sin_family == AF_INET ? "AF_INET" : "?", (unsigned)len);
	ERR("connect 2", connect(c2, (struct sockaddr *)&sa, sizeof(sa)));
	a2 = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	printf("%-44s -> %s cloexec=%d nonblock=%d\n", "accept4 CLOEXEC|NONBLOCK",
	       a2 >= 0 ? "fd" : ename(errno), (fcntl(a2, F_GETFD) & FD_CLOEXEC) != 0,
	       (fcntl(a2, F_GETFL) & O_NONBLOCK) != 0);
	ERR("connect again, already connected", connect(c1, (struct sockaddr *)&sa, sizeof(sa)));
	ERR("send to the accepted side", send(c1, "tcp!", 4, 0));
	memset(buf, 0, sizeof(buf));
	ERR("recv", recv(a1, buf, sizeof(buf), 0));
	printf("%-44s -> %s\n", "recv data", buf);
	ERR("recv nonblocking accepted, empty", recv(a2, buf, sizeof(buf), 0));
	fcntl(l, F_SETFL, O_NONBLOCK);
	ERR("accept, none pending (nonblocking)", accept(l, NULL, NULL));
	ERR("accept4 bad flags", accept4(l, NULL, NULL, -1));
	ERR("accept bad fd", accept(-1, NULL, NULL));
	nul = open("/dev/null", O_RDONLY);
	ERR("accept on a non-socket", accept(nul, NULL, NULL));
	close(nul);
	close(c1);
	ERR("recv after peer close (EOF)", recv(a1, buf, sizeof(buf), 0));
	close(a1);
	close(a2);
	close(c2);

	/* a port nobody listens on: bind one, close it, connect to it */
	closed_port = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	len = sizeof(sa);
	bind(closed_port, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(closed_port, (struct sockaddr *)&sa, &len);
	close(closed_port);
	c1 = socket(AF_INET, SOCK_STREAM, 0);
	ERR("connect to a closed port", connect(c1, (struct sockaddr *)&sa, sizeof(sa)));
	close(c1);
	close(l);
}

static void
test_unix(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[16];
	int l, c, a;

	section("unix socket");
	tmp_path(sa.sun_path, sizeof(sa.sun_path), "sock");
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(l, 4) != 0)
		exit(2);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	ERR("connect", connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	printf("%-44s -> %s\n", "accept4", a >= 0 ? "fd" : ename(errno));
	ERR("send", send(a, "unix", 4, 0));
	memset(buf, 0, sizeof(buf));
	ERR("recv", recv(c, buf, sizeof(buf), 0));
	printf("%-44s -> %s\n", "recv data", buf);
	close(a);
	close(c);
	close(l);
	unlink(sa.sun_path);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	ERR("connect, socket file gone", connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	close(c);
}

/* ---- polling ------------------------------------------------------------- */

static void
test_poll(void)
{
	struct pollfd pf[2];
	struct timespec ts = { 0, 10000000L };
	struct timeval tv;
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	fd_set rs;
	sigset_t none;
	int p[2], q[2], ep, closed;

	section("poll");
	if (pipe(p) != 0 || pipe(q) != 0)
		exit(2);
	sigemptyset(&none);
	write(p[1], "x", 1);
	pf[0] = (struct pollfd){ .fd = q[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	ERR("poll, second of two ready", poll(pf, 2, 1000));
	printf("%-44s -> %d %d\n", "revents", pf[0].revents, pf[1].revents);
	ERR("poll, none ready, 10 ms", poll(pf, 1, 10));
	ERR("poll no descriptors, 1 ms", poll(NULL, 0, 1));
	closed = dup(p[0]);
	close(closed);
	pf[0] = (struct pollfd){ .fd = closed, .events = POLLIN };
	ERR("poll on a closed descriptor", poll(pf, 1, 0));
	printf("%-44s -> %s\n", "revents", pf[0].revents == POLLNVAL ? "POLLNVAL" : "?");
	pf[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	ERR("ppoll ready", ppoll(pf, 1, &ts, NULL));
	pf[0] = (struct pollfd){ .fd = q[0], .events = POLLIN };
	ERR("ppoll timeout, with mask", ppoll(pf, 1, &ts, &none));
	ERR("ppoll bad timeout", ppoll(pf, 1, &bad_ts, NULL));

	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	FD_SET(q[0], &rs);
	tv = (struct timeval){ 1, 0 };
	ERR("select, one of two ready", select((p[0] > q[0] ? p[0] : q[0]) + 1, &rs, NULL, NULL, &tv));
	printf("%-44s -> %d %d\n", "ready set", FD_ISSET(p[0], &rs) != 0, FD_ISSET(q[0], &rs) != 0);
	FD_ZERO(&rs);
	FD_SET(q[0], &rs);
	tv = (struct timeval){ 0, 10000 };
	ERR("select timeout", select(q[0] + 1, &rs, NULL, NULL, &tv));
	FD_ZERO(&rs);
	FD_SET(closed, &rs);
	tv = (struct timeval){ 0, 0 };
	ERR("select on a closed descriptor", select(closed + 1, &rs, NULL, NULL, &tv));
	tv = (struct timeval){ 0, 1000 };
	ERR("select nothing, 1 ms", select(0, NULL, NULL, NULL, &tv));
	ERR("select negative nfds", select(-1, NULL, NULL, NULL, &tv));
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	ERR("pselect ready", pselect(p[0] + 1, &rs, NULL, NULL, &ts, NULL));
	FD_ZERO(&rs);
	FD_SET(q[0], &rs);
	ERR("pselect timeout, with mask", pselect(q[0] + 1, &rs, NULL, NULL, &ts, &none));

	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.u32 = 7;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	ERR("epoll_wait ready", epoll_wait(ep, out, 4, 1000));
	printf("%-44s -> events=%u data=%u\n", "epoll event", out[0].events, out[0].data.u32);
	ERR("epoll_pwait ready, with mask", epoll_pwait(ep, out, 4, 1000, &none));
	read(p[0], &ev, 1);
	ERR("epoll_wait timeout", epoll_wait(ep, out, 4, 10));
	ERR("epoll_pwait timeout", epoll_pwait(ep, out, 4, 10, NULL));
	ERR("epoll_wait maxevents 0", epoll_wait(ep, out, 0, 0));
	ERR("epoll_wait on a pipe", epoll_wait(p[0], out, 4, 0));
	close(ep);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

/* ---- sleeping ------------------------------------------------------------ */

static void
test_sleep(void)
{
	struct timespec ts = { 0, 1000000L }, rem = { 9, 9 }, abs;

	section("sleep");
	ERR("sleep(0)", sleep(0));
	ERR("usleep(1000)", usleep(1000));
	ERR("usleep(0)", usleep(0));
	ERR("nanosleep 1 ms", nanosleep(&ts, &rem));
	ERR("nanosleep bad request", nanosleep(&bad_ts, NULL));
	CODE("clock_nanosleep MONOTONIC 1 ms", clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL));
	abs = in_ms(CLOCK_MONOTONIC, 2);
	CODE("clock_nanosleep ABSTIME", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
	abs = (struct timespec){ 1, 0 };
	CODE("clock_nanosleep ABSTIME in the past", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL));
	CODE("clock_nanosleep bad clock", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL));
	CODE("clock_nanosleep bad request", clock_nanosleep(CLOCK_MONOTONIC, 0, &bad_ts, NULL));
}

/* ---- children ------------------------------------------------------------ */

static void
test_wait(void)
{
	siginfo_t si;
	pid_t pid, got;
	int status;

	section("wait");
	pid = fork();
	if (pid == 0)
		_exit(3);
	got = waitpid(pid, &status, 0);
	printf("%-44s -> %s exited=%d status=%d\n", "waitpid", got == pid ? "pid" : ename(errno),
	       WIFEXITED(status), WEXITSTATUS(status));
	pid = fork();
	if (pid == 0)
		_exit(4);
	got = wait(&status);
	printf("%-44s -> %s exited=%d status=%d\n", "wait", got == pid ? "pid" : ename(errno),
	       WIFEXITED(status), WEXITSTATUS(status));
	pid = fork();
	if (pid == 0)
		_exit(5);
	memset(&si, 0, sizeof(si));
	ERR("waitid P_PID WEXITED", waitid(P_PID, (id_t)pid, &si, WEXITED));
	printf("%-44s -> pid=%d code=%s status=%d\n", "waitid info", si.si_pid == pid,
	       si.si_code == CLD_EXITED ? "CLD_EXITED" : "?", si.si_status);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	ERR("waitpid WNOHANG, child running", waitpid(pid, &status, WNOHANG));
	memset(&si, 0, sizeof(si));
	ERR("waitid WNOHANG, child running", waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG));
	kill(pid, SIGKILL);
	got = waitpid(pid, &status, 0);
	printf("%-44s -> %s signaled=%d sig=%d\n", "waitpid killed child", got == pid ? "pid" : "?",
	       WIFSIGNALED(status), WTERMSIG(status));
	ERR("waitpid, no children", waitpid(-1, &status, 0));
	ERR("wait, no children", wait(NULL));
	ERR("waitid, no children", waitid(P_ALL, 0, &si, WEXITED));
	ERR("waitid bad options", waitid(P_ALL, 0, &si, 0));
}

/* ---- file locks ---------------------------------------------------------- */

static int out_pipe[2];

/* Child side: print into the pipe the parent relays. */
static void __attribute__((format(printf, 1, 2)))
child_say(const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	write(out_pipe[1], line, (size_t)n);
}

#define CHILD_ERR(what, expr) do { errno = ERANGE; long r_ = (long)(expr); int e_ = errno; \
	child_say("  child: %-35s -> %ld errno=%s\n", what, r_, ename(e_)); } while (0)

/* Run fn in a child; unlock() in the parent once the child is (likely)
 * blocked; relay what the child said. */
static void
in_child(void (*fn)(const char *), const char *path, void (*unlock)(void))
{
	char buf[2048];
	ssize_t n;
	pid_t pid;
	int status;

	fflush(stdout);
	if (pipe(out_pipe) != 0)
		exit(2);
	pid = fork();
	if (pid == 0) {
		close(out_pipe[0]);
		fn(path);
		_exit(0);
	}
	close(out_pipe[1]);
	msleep(50);
	unlock();
	while ((n = read(out_pipe[0], buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		fputs(buf, stdout);
	}
	close(out_pipe[0]);
	waitpid(pid, &status, 0);
	printf("%-44s -> exited=%d status=%d\n", "child", WIFEXITED(status), WEXITSTATUS(status));
}

static int lock_fd;

static void
flock_child(const char *path)
{
	int fd = open(path, O_RDWR);

	CHILD_ERR("flock EX|NB, parent holds EX", flock(fd, LOCK_EX | LOCK_NB));
	CHILD_ERR("flock SH|NB, parent holds EX", flock(fd, LOCK_SH | LOCK_NB));
	CHILD_ERR("flock EX, blocks until released", flock(fd, LOCK_EX));
	CHILD_ERR("flock UN", flock(fd, LOCK_UN));
	close(fd);
}

static void
flock_unlock(void)
{
	flock(lock_fd, LOCK_UN);
}

static void
lockf_child(const char *path)
{
	int fd = open(path, O_RDWR);

	CHILD_ERR("lockf F_TEST, parent holds", lockf(fd, F_TEST, 0));
	CHILD_ERR("lockf F_TLOCK, parent holds", lockf(fd, F_TLOCK, 0));
	CHILD_ERR("lockf F_LOCK, blocks until released", lockf(fd, F_LOCK, 0));
	CHILD_ERR("lockf F_ULOCK", lockf(fd, F_ULOCK, 0));
	CHILD_ERR("lockf64 F_LOCK", lockf64(fd, F_LOCK, 0));
	CHILD_ERR("lockf64 F_ULOCK", lockf64(fd, F_ULOCK, 0));
	close(fd);
}

static void
lockf_unlock(void)
{
	lockf(lock_fd, F_ULOCK, 0);
}

static void
fcntl_child(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(path, O_RDWR);

	CHILD_ERR("F_SETLK, parent holds", fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_RDLCK;
	CHILD_ERR("F_GETLK", fcntl(fd, F_GETLK, &fl));
	child_say("  child: %-35s -> type=%s pid=%s\n", "F_GETLK result",
		  fl.l_type == F_WRLCK ? "F_WRLCK" : "?", fl.l_pid == getppid() ? "parent" : "?");
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	CHILD_ERR("F_SETLKW, blocks until released", fcntl(fd, F_SETLKW, &fl));
	fl.l_type = F_UNLCK;
	CHILD_ERR("F_SETLK unlock", fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_WRLCK;
	CHILD_ERR("fcntl64 F_SETLKW, free", fcntl64(fd, F_SETLKW, &fl));
	close(fd);
}

static void
fcntl_unlock(void)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	fcntl(lock_fd, F_SETLK, &fl);
}

struct ofd {
	int fd;
	struct result r;
};

static void *
ofd_waiter(void *arg)
{
	struct ofd *o = arg;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	errno = ERANGE;
	o->r.rc = fcntl(o->fd, F_OFD_SETLKW, &fl);
	o->r.err = errno;
	atomic_store(&o->r.done, 1);
	return NULL;
}

static void
test_locks(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct f_owner_ex own = { F_OWNER_PID, 0 };
	struct ofd o = { 0 };
	char path[300];
	pthread_t t;
	int fd2, p[2], dup_fd;

	section("file locks");
	tmp_path(path, sizeof(path), "lockfile");
	lock_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (lock_fd < 0)
		exit(2);
	write(lock_fd, "0123456789", 10);

	ERR("flock EX", flock(lock_fd, LOCK_EX));
	in_child(flock_child, path, flock_unlock);
	ERR("flock bad operation", flock(lock_fd, 0));
	ERR("flock bad fd", flock(-1, LOCK_EX));

	ERR("lockf F_LOCK", lockf(lock_fd, F_LOCK, 0));
	in_child(lockf_child, path, lockf_unlock);
	ERR("lockf bad command", lockf(lock_fd, 99, 0));

	ERR("fcntl F_SETLKW, free", fcntl(lock_fd, F_SETLKW, &fl));
	in_child(fcntl_child, path, fcntl_unlock);
	ERR("fcntl F_SETLKW bad fd", fcntl(-1, F_SETLKW, &fl));
	fl.l_type = 99;
	ERR("fcntl F_SETLKW bad type", fcntl(lock_fd, F_SETLKW, &fl));

	/* open file description locks conflict within one process */
	fd2 = open(path, O_RDWR);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	ERR("F_OFD_SETLKW on first description", fcntl(lock_fd, F_OFD_SETLKW, &fl));
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	ERR("F_OFD_SETLK on second, conflicts", fcntl(fd2, F_OFD_SETLK, &fl));
	o.fd = fd2;
	t = spawn(ofd_waiter, &o);
	msleep(30);
	printf("%-44s -> %d\n", "F_OFD_SETLKW waiter still blocked", atomic_load(&o.r.done));
	fl = (struct flock){ .l_type = F_UNLCK, .l_whence = SEEK_SET };
	ERR("F_OFD_SETLK unlock first", fcntl(lock_fd, F_OFD_SETLK, &fl));
	join(t);
	show_result("F_OFD_SETLKW in thread", &o.r);
	close(fd2);

	section("fcntl pass-through");
	if (pipe(p) != 0)
		exit(2);
	ERR("F_GETFD", fcntl(p[0], F_GETFD));
	ERR("F_SETFD FD_CLOEXEC", fcntl(p[0], F_SETFD, FD_CLOEXEC));
	ERR("F_GETFD", fcntl(p[0], F_GETFD));
	ERR("F_GETFL & O_NONBLOCK", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	ERR("F_SETFL O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
	ERR("F_GETFL & O_NONBLOCK", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	dup_fd = fcntl(p[0], F_DUPFD, 200);
	printf("%-44s -> %s\n", "F_DUPFD 200", dup_fd >= 200 ? ">=200" : ename(errno));
	ERR("F_GETFD of the dup", fcntl(dup_fd, F_GETFD));
	close(dup_fd);
	dup_fd = fcntl(p[0], F_DUPFD_CLOEXEC, 300);
	printf("%-44s -> %s cloexec=%d\n", "F_DUPFD_CLOEXEC 300", dup_fd >= 300 ? ">=300" : ename(errno),
	       fcntl(dup_fd, F_GETFD) == FD_CLOEXEC);
	close(dup_fd);
	ERR("F_DUPFD negative", fcntl(p[0], F_DUPFD, -1));
	ERR("F_SETPIPE_SZ 8192", fcntl(p[1], F_SETPIPE_SZ, 8192));
	ERR("F_GETPIPE_SZ", fcntl(p[1], F_GETPIPE_SZ));
	ERR("fcntl64 F_GETPIPE_SZ", fcntl64(p[1], F_GETPIPE_SZ));
	own.pid = getpid();
	ERR("F_SETOWN_EX", fcntl(p[0], F_SETOWN_EX, &own));
	own = (struct f_owner_ex){ 0, 0 };
	ERR("F_GETOWN_EX", fcntl(p[0], F_GETOWN_EX, &own));
	printf("%-44s -> type=%d pid=%s\n", "owner", own.type, own.pid == getpid() ? "self" : "?");
	ERR("F_GETOWN is self", fcntl(p[0], F_GETOWN) == getpid());
	ERR("F_SETSIG SIGUSR1", fcntl(p[0], F_SETSIG, SIGUSR1));
	ERR("F_GETSIG", fcntl(p[0], F_GETSIG));
	fl = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET };
	ERR("F_GETLK, no conflict", fcntl(lock_fd, F_GETLK, &fl));
	printf("%-44s -> %s\n", "F_GETLK type", fl.l_type == F_UNLCK ? "F_UNLCK" : "?");
	ERR("F_GETFL bad fd", fcntl(-1, F_GETFL));
	ERR("unknown command", fcntl(p[0], 12345, 0L));
	ERR("F_SETLK on a pipe", fcntl(p[0], F_SETLK, &fl));
	close(p[0]);
	close(p[1]);
	close(lock_fd);
	unlink(path);
}

/* ---- signals ------------------------------------------------------------- */

static volatile sig_atomic_t handled;
static int restart_pipe = -1;

static void
on_signal(int sig)
{
	(void)sig;
	handled++;
}

/* With SA_RESTART: the third signal writes a byte, so the restarted read
 * finds it. */
static void
on_signal_feed(int sig)
{
	int saved = errno;

	(void)sig;
	if (++handled == 3)
		write(restart_pipe, "r", 1);
	errno = saved;
}

static void
set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void
ticker(int ms)
{
	struct itimerval it = { { 0, ms * 1000 }, { 0, ms * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void
test_signals(void)
{
	struct timespec ts = { 0, 10000000L };
	sigset_t set, old, empty;
	siginfo_t si;
	char buf[4];
	int sig = 0, p[2];

	section("signals");
	sigemptyset(&set);
	sigemptyset(&empty);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, &old);

	raise(SIGUSR1);
	CODE("sigwait, SIGUSR1 pending", sigwait(&set, &sig));
	printf("%-44s -> %s\n", "signal", sig == SIGUSR1 ? "SIGUSR1" : "?");
	ERR("sigtimedwait, nothing pending, 10 ms", sigtimedwait(&set, &si, &ts));
	ERR("sigtimedwait bad timeout", sigtimedwait(&set, &si, &bad_ts));
	raise(SIGUSR2);
	ERR("sigtimedwait, SIGUSR2 pending", sigtimedwait(&set, &si, &ts) == SIGUSR2);
	pthread_kill(pthread_self(), SIGUSR2);
	memset(&si, 0, sizeof(si));
	ERR("sigwaitinfo, SIGUSR2 from pthread_kill", sigwaitinfo(&set, &si) == SIGUSR2);
	printf("%-44s -> signo=%s code=%d pid=%s\n", "siginfo", si.si_signo == SIGUSR2 ? "SIGUSR2" : "?",
	       si.si_code, si.si_pid == getpid() ? "self" : "?");

	set_handler(SIGUSR1, on_signal, 0);
	handled = 0;
	raise(SIGUSR1);
	ERR("sigsuspend, SIGUSR1 pending, handler", sigsuspend(&empty));
	printf("%-44s -> %d\n", "handler ran", handled);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	set_handler(SIGALRM, on_signal, 0);
	handled = 0;
	alarm(1);
	ERR("pause, alarm(1)", pause());
	printf("%-44s -> %d\n", "handler ran", handled);

	/* EINTR: a read on an empty pipe, a handler without SA_RESTART */
	if (pipe(p) != 0)
		exit(2);
	handled = 0;
	ticker(20);
	errno = ERANGE;
	{
		long r = read(p[0], buf, sizeof(buf));
		int e = errno;

		ticker(0);
		printf("%-44s -> %ld errno=%s\n", "read interrupted, no SA_RESTART", r, ename(e));
	}
	/* the same with SA_RESTART: restarted until the handler feeds it */
	set_handler(SIGALRM, on_signal_feed, SA_RESTART);
	restart_pipe = p[1];
	handled = 0;
	ticker(20);
	errno = ERANGE;
	{
		long r = read(p[0], buf, sizeof(buf));
		int e = errno;

		ticker(0);
		printf("%-44s -> %ld errno=%s data=%c\n", "read restarted, SA_RESTART", r, ename(e), buf[0]);
	}
	set_handler(SIGALRM, SIG_DFL, 0);
	close(p[0]);
	close(p[1]);
}

/* ---- names --------------------------------------------------------------- */

static void
test_getaddrinfo(void)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char host[64];
	int rc;

	section("getaddrinfo");
	rc = getaddrinfo("127.0.0.1", "8080", &hints, &res);
	printf("%-44s -> %s\n", "getaddrinfo 127.0.0.1 numeric", rc == 0 ? "0" : gai_strerror(rc));
	if (rc == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)res->ai_addr;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		printf("%-44s -> family=%s addr=%s port=%d next=%s\n", "result",
		       res->ai_family == AF_INET ? "AF_INET" : "?", host, ntohs(in->sin_port),
		       res->ai_next ? "more" : "none");
		freeaddrinfo(res);
	}
	rc = getaddrinfo("::1", NULL, &hints, &res);
	printf("%-44s -> %s\n", "getaddrinfo ::1 numeric", rc == 0 ? "0" : gai_strerror(rc));
	if (rc == 0)
		freeaddrinfo(res);
	rc = getaddrinfo("not-a-number", NULL, &hints, &res);
	printf("%-44s -> %s\n", "getaddrinfo name with AI_NUMERICHOST",
	       rc == EAI_NONAME ? "EAI_NONAME" : "?");
	rc = getaddrinfo(NULL, NULL, &hints, &res);
	printf("%-44s -> %s\n", "getaddrinfo no node, no service",
	       rc == EAI_NONAME ? "EAI_NONAME" : "?");
}

/* ---- cancellation -------------------------------------------------------- */

enum cancel_kind { C_COND, C_READ, C_SEM, C_NANOSLEEP, C_POLL, C_WAITPID, C_SEM_PENDING,
		   C_READ_PENDING, C_MUTEX_PENDING };

struct cancel_case {
	enum cancel_kind kind;
	const char *name;
	atomic_int cleanup;	/* the thread's own cleanup handler ran */
	sem_t go;		/* for the pending cases */
	int fd;
	sem_t *sem;
	pthread_mutex_t *m;
	pid_t pid;
};

static void
cancel_cleanup(void *arg)
{
	struct cancel_case *c = arg;

	if (c->kind == C_COND)
		pthread_mutex_unlock(&cm);
	atomic_store(&c->cleanup, 1);
}

static void *
cancel_main(void *arg)
{
	struct cancel_case *c = arg;
	struct timespec ts = { 60, 0 };
	struct pollfd pf = { .fd = c->fd, .events = POLLIN };
	char buf[4];
	int status;

	if (c->kind >= C_SEM_PENDING) {
		/* the cancel arrives while cancellation is disabled, and is
		 * pending when the call is made */
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		while (sem_wait(&c->go) != 0)
			;
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	}
	pthread_cleanup_push(cancel_cleanup, c);
	switch (c->kind) {
	case C_COND:
		pthread_mutex_lock(&cm);
		for (;;)
			pthread_cond_wait(&cv, &cm);
		break;
	case C_READ:
	case C_READ_PENDING:
		read(c->fd, buf, 1);
		break;
	case C_SEM:
	case C_SEM_PENDING:
		sem_wait(c->sem);
		break;
	case C_NANOSLEEP:
		nanosleep(&ts, NULL);
		break;
	case C_POLL:
		poll(&pf, 1, 60000);
		break;
	case C_WAITPID:
		waitpid(c->pid, &status, 0);
		break;
	case C_MUTEX_PENDING:
		pthread_mutex_lock(c->m);	/* not a cancellation point */
		pthread_mutex_unlock(c->m);
		break;
	}
	pthread_cleanup_pop(0);
	return (void *)"returned";
}

static void
cancel_one(struct cancel_case *c)
{
	pthread_t t;
	void *ret;

	sem_init(&c->go, 0, 0);
	t = spawn(cancel_main, c);
	if (c->kind >= C_SEM_PENDING) {
		pthread_cancel(t);
		sem_post(&c->go);
	} else {
		msleep(30);
		pthread_cancel(t);
	}
	ret = join(t);
	printf("%-44s -> %s cleanup=%d\n", c->name,
	       ret == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : (const char *)ret,
	       atomic_load(&c->cleanup));
	sem_destroy(&c->go);
}

static void
test_cancel(void)
{
	struct cancel_case c;
	sem_t s;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	char buf[4];
	int p[2], v;
	pid_t pid;

	section("cancellation");
	if (pipe(p) != 0)
		exit(2);
	sem_init(&s, 0, 0);

	c = (struct cancel_case){ .kind = C_COND, .name = "cancel in pthread_cond_wait" };
	cancel_one(&c);
	CODE("cond mutex free again", pthread_mutex_trylock(&cm));
	pthread_mutex_unlock(&cm);
	c = (struct cancel_case){ .kind = C_READ, .name = "cancel in read", .fd = p[0] };
	cancel_one(&c);
	c = (struct cancel_case){ .kind = C_SEM, .name = "cancel in sem_wait", .sem = &s };
	cancel_one(&c);
	c = (struct cancel_case){ .kind = C_NANOSLEEP, .name = "cancel in nanosleep" };
	cancel_one(&c);
	c = (struct cancel_case){ .kind = C_POLL, .name = "cancel in poll", .fd = p[0] };
	cancel_one(&c);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	c = (struct cancel_case){ .kind = C_WAITPID, .name = "cancel in waitpid", .pid = pid };
	cancel_one(&c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	sem_post(&s);
	c = (struct cancel_case){ .kind = C_SEM_PENDING, .name = "pending cancel, sem_wait, value 1", .sem = &s };
	cancel_one(&c);
	sem_getvalue(&s, &v);
	printf("%-44s -> %d\n", "semaphore value kept", v);
	write(p[1], "d", 1);
	c = (struct cancel_case){ .kind = C_READ_PENDING, .name = "pending cancel, read, data ready", .fd = p[0] };
	cancel_one(&c);
	ERR("data still in the pipe", read(p[0], buf, 1));
	c = (struct cancel_case){ .kind = C_MUTEX_PENDING, .name = "pending cancel, mutex lock", .m = &m };
	cancel_one(&c);
	sem_destroy(&s);
	close(p[0]);
	close(p[1]);

	/* the main thread's own calls still behave after all that */
	ERR("usleep after the cancellations", usleep(100));
}

int
main(void)
{
	const char *base = getenv("TMPDIR");

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "%s/tt-block.XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_mutex();
	test_rwlock();
	test_cond();
	test_sem();
	test_pipe();
	test_socketpair();
	test_tcp();
	test_unix();
	test_poll();
	test_sleep();
	test_wait();
	test_locks();
	test_signals();
	test_getaddrinfo();
	test_cancel();
	rmdir(tmpdir);
	printf("done\n");
	return 0;
}
