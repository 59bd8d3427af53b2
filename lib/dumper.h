/*
 * dumper.h - dumps while the program runs (lib/dumper.c): the dump signal,
 * the interval, the byte count and tether_dump(), written by tether's own
 * dumper thread and rotated.
 */
#ifndef TT_DUMPER_H
#define TT_DUMPER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/*
 * tt_dumper_start() - install the dump signal's handler (unless the
 * program's disposition is already a handler) and start the dumper thread
 * when any trigger is on.  Context: the constructor, once.
 */
void tt_dumper_start(void);

/* In a forked child: forget the parent's dumper and rotation, start one. */
void tt_dumper_postfork_child(void);

/* tt_dumper_tid() - the dumper thread's kernel tid, 0 when none: a scan
 * leaves it running (stop.c), its stack being tether's own memory. */
int32_t tt_dumper_tid(void);

/*
 * tt_dumper_dump() - write a live dump now in the calling thread, rotate,
 * update the status file.  wait: wait for a live dump in progress, else
 * return -EBUSY.  path (may be NULL): the dump's name, n bytes at most.
 * Context: not a signal handler; not the malloc path.
 * Return: the dump's number (> 0), or -errno.
 */
long tt_dumper_dump(unsigned trigger, int wait, char *path, size_t n);

/* At exit, after the final dump: remove the status file. */
void tt_dumper_exit(void);

/*
 * The byte trigger: tt_tls.dump_bytes counts what the thread allocated;
 * the recorder calls tt_dumper_count_bytes() when it reaches
 * tt_dump_step (UINT64_MAX when the trigger is off).  Context: the
 * recorder, with the guard raised; may wake the dumper (a futex call).
 */
extern uint64_t tt_dump_step;
void tt_dumper_count_bytes(void);

/* For the signal wrappers (interpose_signal.c). */
typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
sigaction_fn tt_dumper_real_sigaction(void);
int tt_dumper_signal(void);		/* the signal tether holds, or 0 */
struct sigaction *tt_dumper_prog_view(void);
void tt_dumper_give_up(void);		/* the program took the signal */
void tt_dumper_take_back(void);		/* ... but installing it failed */

/*
 * tt_dumper_threads() - the program starts a thread: start the dumper
 * thread now if it was left out while the program had none.
 * Context: the pthread_create wrapper, before the real call.
 */
void tt_dumper_threads(void);

/* tt_dumper_deferred() - the dump a signal asked for while this thread held
 * one of tether's locks (TT_PENDING_DUMP).  Context: tt_stop_park_pending. */
void tt_dumper_deferred(void);

#endif /* TT_DUMPER_H */
