/*
 * interpose_signal.c - sigaction, signal, bsd_signal and sysv_signal, for
 * the dump signal only (every other signal passes straight through).
 *
 * While tether holds the dump signal, the program sees the disposition it
 * would have had without tether: what it inherited, then what it set.
 * Setting SIG_DFL or SIG_IGN is only noted (tether keeps dumping on the
 * signal); installing a handler gives the signal to the program for good:
 * its handler is installed for real and runs exactly as without tether.
 * The crash signals tether holds for TETHER_DUMP_ON_CRASH (lib/crash.c)
 * are kept the same way, each on its own.
 * A raw rt_sigaction system call is not seen (libtether(7)).
 *
 * Context: any thread, signal handlers included (sigaction is
 * async-signal-safe): no locks, no allocation after the first call.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "crash.h"
#include "dumper.h"
#include "internal.h"

typedef sighandler_t (*signal_fn)(int, sighandler_t);

static int
is_default_or_ignore(const struct sigaction *a)
{
	return !(a->sa_flags & SA_SIGINFO) &&
	       (a->sa_handler == SIG_DFL || a->sa_handler == SIG_IGN);
}

TT_EXPORT int
sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	sigaction_fn real = tt_dumper_real_sigaction();
	int rc;

	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (tt_crash_owns(sig)) {
		struct sigaction was = *tt_crash_view(sig);

		/* SIG_DFL is only noted; a handler or SIG_IGN is the
		 * program's for good. */
		if (act != NULL && (act->sa_flags & SA_SIGINFO || act->sa_handler != SIG_DFL)) {
			tt_crash_give_up(sig);
			rc = real(sig, act, NULL);
			if (rc != 0) {
				tt_crash_take_back(sig);
				return rc;
			}
		} else if (act != NULL) {
			*tt_crash_view(sig) = *act;
		}
		if (old != NULL)
			*old = was;
		return 0;
	}
	if (sig == 0 || sig != tt_dumper_signal())
		return real(sig, act, old);
	if (act != NULL && !is_default_or_ignore(act)) {
		struct sigaction was = *tt_dumper_prog_view();

		tt_dumper_give_up();
		rc = real(sig, act, NULL);
		if (rc != 0) {
			tt_dumper_take_back();
			return rc;
		}
		if (old != NULL)
			*old = was;
		return 0;
	}
	if (old != NULL)
		*old = *tt_dumper_prog_view();
	if (act != NULL)
		*tt_dumper_prog_view() = *act;	/* tether keeps dumping on it */
	return 0;
}

static sighandler_t
bsd_style(int k, const char *name, int sig, sighandler_t h, int sysv)
{
	static _Atomic(signal_fn) reals[3];
	signal_fn real = atomic_load(&reals[k]);
	struct sigaction *view, sa;
	sighandler_t was;

	if (real == NULL) {
		real = (signal_fn)dlsym(RTLD_NEXT, name);
		atomic_store(&reals[k], real);
	}
	if (real == NULL) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	if (h != SIG_ERR && tt_crash_owns(sig)) {
		was = tt_crash_view(sig)->sa_handler;
		if (h == SIG_DFL)
			return was;
		tt_crash_give_up(sig);
		if (real(sig, h) == SIG_ERR) {
			tt_crash_take_back(sig);
			return SIG_ERR;
		}
		return was;
	}
	if (sig == 0 || sig != tt_dumper_signal() || h == SIG_ERR)
		return real(sig, h);
	view = tt_dumper_prog_view();
	was = view->sa_handler;	/* a union with sa_sigaction */
	if (h == SIG_DFL || h == SIG_IGN) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = h;
		sa.sa_flags = sysv ? (int)(SA_RESETHAND | SA_NODEFER) : SA_RESTART;
		*view = sa;
		return was;
	}
	tt_dumper_give_up();
	if (real(sig, h) == SIG_ERR) {
		tt_dumper_take_back();
		return SIG_ERR;
	}
	return was;
}

TT_EXPORT sighandler_t
signal(int sig, sighandler_t h)
{
	return bsd_style(0, "signal", sig, h, 0);
}

sighandler_t bsd_signal(int sig, sighandler_t h);
TT_EXPORT sighandler_t
bsd_signal(int sig, sighandler_t h)
{
	return bsd_style(1, "bsd_signal", sig, h, 0);
}

sighandler_t sysv_signal(int sig, sighandler_t h);
TT_EXPORT sighandler_t
sysv_signal(int sig, sighandler_t h)
{
	return bsd_style(2, "sysv_signal", sig, h, 1);
}
