/*
 * dump.h - writing a dump file.
 */
#ifndef TT_DUMP_H
#define TT_DUMP_H

#include <stddef.h>
#include <stdint.h>

/* Process facts the dump header reports, set by init.c. */
struct tt_proc {
	uint64_t start_realtime_ns;
	uint64_t start_monotonic_ns;
	int32_t exit_status;	/* -1 while unknown */
	uint32_t flags;		/* TT_PROC_* */
	uint32_t seq;		/* dumps written by this process */
};
extern struct tt_proc tt_proc;

/*
 * tt_dump_write() - write a dump of the current tables, atomically: into a
 * temporary file in the target directory, closed, then renamed to a name
 * no other dump has.  One dump at a time; a second caller returns -EBUSY.
 * Context: not the malloc path; raises the reentrancy guard; uses only raw
 * system calls for I/O.  Return: 0 or -errno (said once on stderr).
 */
int tt_dump_write(unsigned trigger);

/*
 * tt_dump_write_final() - the dump at exit: stops live dumps from starting
 * and waits for one in progress.  Return: as tt_dump_write().
 */
int tt_dump_write_final(unsigned trigger);

/*
 * tt_dump_write_signal() - tt_dump_write() from a signal handler that
 * interrupted the program (dumper.c, no dumper thread): the module map as
 * last read, and no unwinding of blocked threads, as for the crash dump.
 */
int tt_dump_write_signal(unsigned trigger);

/*
 * tt_dump_write_crash() - the crash dump (lib/crash.c): trigger "crash",
 * exit status 128 + SIG; no module snapshot, no unwinding of blocked
 * threads; refused when this thread holds one of tether's locks or was
 * writing a dump itself.  Turns the library off.
 * Context: a crash signal's handler.  Return: 0 or -errno.
 */
int tt_dump_write_crash(int sig);

/* Set once the final dump begins: live dumps are refused from then on. */
extern _Atomic int tt_dump_exiting;

/* tt_dump_dir() - the directory dumps go to (from TETHER_OUTPUT), no
 * trailing slash.  Context: any; raw system calls only. */
void tt_dump_dir(char *out, size_t n);

/* The name of the last dump written. */
extern char tt_dump_last_path[4096];

/*
 * tt_dump_check_output() - whether TETHER_OUTPUT can take a dump (its
 * directory exists and is writable).  Return: 0 or -errno.
 */
int tt_dump_check_output(void);

/* Reset after fork in the child: new pid, dump numbers from 1. */
void tt_dump_postfork_child(void);

#endif /* TT_DUMP_H */
