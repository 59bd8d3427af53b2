/*
 * interpose_process.c - the process-level calls tether must see:
 * __libc_start_main and exit (to learn the exit status: a return from main
 * reaches exit inside libc, where no wrapper sees it), _exit and _Exit
 * (which skip destructors, so the final dump is written here), and dlclose
 * (so the module map keeps every library that is unloaded).
 *
 * Context: any thread.  Real functions are found with dlsym(RTLD_NEXT).
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "internal.h"
#include "leak_check.h"
#include "modules.h"
#include "unwind.h"


typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int
main_trampoline(int argc, char **argv, char **envp)
{
	int status = real_main(argc, argv, envp);

	tt_final_dump(0, status);	/* only notes the status */
	return status;
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);

TT_EXPORT int
__libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
		  void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	int (*real)(main_fn, int, char **, void (*)(void), void (*)(void),
		    void (*)(void), void *);

	real = (int (*)(main_fn, int, char **, void (*)(void), void (*)(void),
			void (*)(void), void *))dlsym(RTLD_NEXT, "__libc_start_main");
	real_main = main;
	return real(main_trampoline, argc, argv, init, fini, rtld_fini, stack_end);
}

TT_EXPORT void
exit(int status)
{
	static void (*real_exit)(int);

	tt_final_dump(0, status);	/* only notes the status */
	if (real_exit == NULL)
		real_exit = (void (*)(int))dlsym(RTLD_NEXT, "exit");
	real_exit(status);
	__builtin_unreachable();
}

TT_EXPORT void
_exit(int status)
{
	tt_leak_scrub_stack();
	tt_final_dump(TT_TRIGGER_UNDERSCORE_EXIT, status & 0xff);
	for (;;)
		syscall(SYS_exit_group, status);
}

TT_EXPORT void
_Exit(int status)
{
	_exit(status);
}

TT_EXPORT int
dlclose(void *handle)
{
	static int (*real_dlclose)(void *);
	int r;

	if (real_dlclose == NULL)
		real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	if (atomic_load(&tt_state) == TT_STATE_ON)
		tt_modules_snapshot();
	/* Unwind rules learnt from the module's code are forgotten twice:
	 * a rule read while it is being unloaded is not kept either. */
	tt_unwind_modules_changed();
	r = real_dlclose(handle);
	tt_unwind_modules_changed();
	return r;
}
