/*
 * wait.c - the current wait of each thread, kept in its registry slot
 * (threads.h) so dumps see it.  A thread without a slot (the registry is
 * full, or tether is not recording) keeps it in TLS only.
 */
#include "wait.h"

#include "internal.h"
#include "threads.h"
#include "tls.h"

static TT_TLS struct tt_wait_state unlisted;

static inline struct tt_wait_state *
mine(void)
{
	struct tt_thread *t = tt_tls.self;

	return t != NULL ? &t->wait : &unlisted;
}

void
tt_wait_begin(enum tt_wait_call call, uintptr_t object, int fd)
{
	struct tt_wait_state *w;

	if (tt_tls.busy)
		return;
	w = mine();
	w->object = object;
	w->fd = fd;
	w->since_ns = tt_coarse_ns();
	/* pairs with the acquire in tt_threads_read's copy */
	atomic_store_explicit(&w->call, call, memory_order_release);
}

void
tt_wait_end(void)
{
	if (tt_tls.busy)
		return;
	atomic_store_explicit(&mine()->call, TT_WAIT_NONE, memory_order_release);
}
