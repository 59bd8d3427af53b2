/*
 * interpose_thread.c - thread creation and its end: pthread_create (through
 * a trampoline that registers the new thread), pthread_join and its try and
 * timed forms, and pthread_detach.  pthread_exit and cancellation end a
 * thread through the trampoline's cleanup handler, so they need no wrapper.
 *
 * The new thread's slot is filled by its creator (creator, creation stack,
 * start routine) before the real pthread_create, and by the thread itself
 * once it runs (tid, stack bounds).  A joined thread's slot is reused; so
 * is a detached one's when it ends.  Errors pass through unchanged.
 *
 * Context: any thread.  Real functions come from dlsym(RTLD_NEXT).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <time.h>

#include "../format/tdump.h"
#include "crash.h"
#include "dumper.h"
#include "internal.h"
#include "io.h"
#include "je.h"
#include "options.h"
#include "site_cache.h"
#include "record.h"
#include "table.h"
#include "threads.h"
#include "tls.h"
#include "unwind.h"
#include "wait.h"

extern struct tt_opts tt_opts;

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static void *
real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		tt_say("cannot find the real %s", name);
	return f;
}

/* The thread has ended: by returning, pthread_exit or cancellation. */
static void
thread_end(void *arg)
{
	struct tt_thread *t = arg;

	tt_tls.busy++;
	tt_crash_thread_end();
	prctl(PR_GET_NAME, t->name, 0, 0, 0);
	t->ended_ns = tt_now_ns();
	atomic_store_explicit(&t->wait.call, TT_WAIT_NONE, memory_order_relaxed);
	tt_record_thread_end();	/* its noted frees, before the slot is given */
	if (tt_tls.sites != NULL)
		tt_sites_release(tt_tls.sites);	/* its counts to the stack table */
	tt_tls.sites = NULL;
	tt_tls.self = NULL;
	tt_tls.memo = NULL;	/* the slot's memo goes with the slot */
	if (atomic_load(&t->flags) & TT_THR_DETACHED)
		tt_threads_give(t);
	else
		atomic_store_explicit(&t->state, TT_THR_EXITED, memory_order_release);
	tt_tls.busy--;
}

static void *
trampoline(void *arg)
{
	struct tt_thread *t = arg;
	void *(*fn)(void *) = t->fn;
	void *fn_arg = t->arg;
	void *ret;

	tt_threads_started(t);
	tt_crash_thread_start();
	pthread_cleanup_push(thread_end, t);
	ret = fn(fn_arg);
	pthread_cleanup_pop(1);
	return ret;
}

/* tether's own threads: recording stays off in them for their whole life. */
struct internal_start {
	void *(*fn)(void *);
	void *arg;
};

static void *
internal_trampoline(void *p)
{
	struct internal_start st = *(struct internal_start *)p;

	tt_je_free(p);
	tt_tls.busy = 1;	/* never record, never wait, never adopt */
	return st.fn(st.arg);
}

static int
create_internal(create_fn create, pthread_t *thread, const pthread_attr_t *attr,
		void *(*fn)(void *), void *arg)
{
	struct internal_start *st = tt_je_malloc(sizeof(*st));
	int rc;

	if (st == NULL)
		return EAGAIN;
	st->fn = fn;
	st->arg = arg;
	rc = create(thread, attr, internal_trampoline, st);
	if (rc != 0)
		tt_je_free(st);
	return rc;
}

TT_EXPORT int
pthread_create(pthread_t *thread, const pthread_attr_t *attr,
	       void *(*fn)(void *), void *arg)
{
	static _Atomic(create_fn) real_create;
	create_fn create = atomic_load_explicit(&real_create, memory_order_relaxed);
	struct tt_thread *self, *t = NULL;
	int detached = PTHREAD_CREATE_JOINABLE, rc;

	if (create == NULL) {
		create = (create_fn)real("pthread_create");
		if (create == NULL)
			return EAGAIN;
		atomic_store_explicit(&real_create, create, memory_order_relaxed);
	}
	/* tether's own threads (the private jemalloc's background threads,
	 * which MALLOC_CONF can turn on) are never registered or reported. */
	if (tt_self_contains((uintptr_t)fn))
		return create_internal(create, thread, attr, fn, arg);
	if (tt_tls.busy || atomic_load(&tt_state) != TT_STATE_ON)
		return create(thread, attr, fn, arg);
	tt_dumper_threads();	/* a dumper thread, if left out so far */
	tt_tls.busy++;
	self = tt_threads_self();
	t = tt_threads_take();
	if (t == NULL) {
		tt_tls.busy--;
		return create(thread, attr, fn, arg);	/* table full: untracked */
	}
	t->num = tt_thread_number();
	t->creator = self ? self->num : 0;
	t->fn = fn;
	t->arg = arg;
	t->start_routine = (uintptr_t)fn;
	t->create_stack = tt_record_stack(TT_FN_PTHREAD_CREATE);
	if (attr != NULL)
		pthread_attr_getdetachstate(attr, &detached);
	if (detached == PTHREAD_CREATE_DETACHED)
		atomic_store(&t->flags, TT_THR_DETACHED);
	tt_tls.busy--;
	rc = create(thread, attr, trampoline, t);
	if (rc != 0) {
		tt_threads_give(t);
		return rc;
	}
	atomic_store_explicit(&t->pthread, (uint64_t)*thread, memory_order_relaxed);
	return 0;
}

static void
joined(pthread_t th)
{
	struct tt_thread *t;

	if (atomic_load(&tt_state) == TT_STATE_UNINIT)
		return;
	tt_tls.busy++;
	t = tt_threads_by_pthread((uint64_t)th, true);
	if (t != NULL)
		tt_threads_give(t);
	tt_tls.busy--;
}

static void
join_cleanup(void *arg)
{
	(void)arg;
	tt_wait_end();
}

TT_EXPORT int
pthread_join(pthread_t th, void **ret)
{
	static int (*real_join)(pthread_t, void **);
	int rc;

	if (real_join == NULL && (real_join = real("pthread_join")) == NULL)
		return ESRCH;
	tt_wait_begin(TT_WAIT_JOIN, (uintptr_t)th, -1);
	pthread_cleanup_push(join_cleanup, NULL);
	rc = real_join(th, ret);
	pthread_cleanup_pop(1);
	if (rc == 0)
		joined(th);
	return rc;
}

TT_EXPORT int
pthread_tryjoin_np(pthread_t th, void **ret)
{
	static int (*real_tryjoin)(pthread_t, void **);
	int rc;

	if (real_tryjoin == NULL && (real_tryjoin = real("pthread_tryjoin_np")) == NULL)
		return ESRCH;
	rc = real_tryjoin(th, ret);
	if (rc == 0)
		joined(th);
	return rc;
}

TT_EXPORT int
pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *abstime)
{
	static int (*real_timedjoin)(pthread_t, void **, const struct timespec *);
	int rc;

	if (real_timedjoin == NULL &&
	    (real_timedjoin = real("pthread_timedjoin_np")) == NULL)
		return ESRCH;
	tt_wait_begin(TT_WAIT_JOIN, (uintptr_t)th, -1);
	pthread_cleanup_push(join_cleanup, NULL);
	rc = real_timedjoin(th, ret, abstime);
	pthread_cleanup_pop(1);
	if (rc == 0)
		joined(th);
	return rc;
}

TT_EXPORT int
pthread_detach(pthread_t th)
{
	static int (*real_detach)(pthread_t);
	struct tt_thread *t;
	int rc;

	if (real_detach == NULL && (real_detach = real("pthread_detach")) == NULL)
		return ESRCH;
	rc = real_detach(th);
	if (rc != 0 || atomic_load(&tt_state) == TT_STATE_UNINIT)
		return rc;
	tt_tls.busy++;
	t = tt_threads_by_pthread((uint64_t)th, false);
	if (t != NULL) {
		atomic_fetch_or(&t->flags, TT_THR_DETACHED);
		/* it may have ended already, or meanwhile, before seeing the flag */
		if (atomic_load(&t->state) == TT_THR_EXITED)
			tt_threads_give(t);
	}
	tt_tls.busy--;
	return rc;
}
