/*
 * tdump.h - the tether dump file format, shared by libtether (writer) and the
 * tether tool (reader).  This header and man/tether-dump.5 describe the same
 * thing; tests/cli/docs.sh checks that every record type named here is
 * documented there.
 *
 * Layout: a fixed file header, then a sequence of records.  Every record
 * starts with a tt_rec_hdr giving its type and payload length, so a reader
 * skips record types it does not know.  All integers are little-endian and
 * naturally aligned; every record payload is padded to a multiple of 8 bytes.
 * Strings are stored as a uint32 length followed by the bytes (no NUL),
 * padded to 8.  A complete file ends with a TT_REC_END record; a file without
 * one is truncated.
 */
#ifndef TETHER_TDUMP_H
#define TETHER_TDUMP_H

#include <stdint.h>

#define TT_DUMP_MAGIC "TETHERDP"	/* 8 bytes, no NUL */
#define TT_DUMP_MAJOR 1			/* readers reject another major */
#define TT_DUMP_MINOR 5			/* readers accept any minor */

/* File header: the first 32 bytes of every dump. */
struct tt_file_hdr {
	char magic[8];		/* TT_DUMP_MAGIC */
	uint16_t major;		/* TT_DUMP_MAJOR */
	uint16_t minor;		/* TT_DUMP_MINOR */
	uint32_t hdr_size;	/* sizeof(struct tt_file_hdr) */
	uint64_t flags;		/* reserved, 0 */
	uint64_t reserved;	/* reserved, 0 */
};

/* Record header: 16 bytes before every record payload. */
struct tt_rec_hdr {
	uint32_t type;		/* enum tt_rec_type */
	uint32_t reserved;	/* 0 */
	uint64_t len;		/* payload bytes that follow, a multiple of 8 */
};

/*
 * Record types.  Keep in step with the record catalogue in
 * man/tether-dump.5.
 */
enum tt_rec_type {
	TT_REC_PROCESS = 1,	/* the process and this dump: exactly one, first */
	TT_REC_MODULE = 2,	/* one loaded (or since unloaded) module */
	TT_REC_STACK = 3,	/* one call stack and its per-site counters */
	TT_REC_BLOCKS = 4,	/* a batch of live blocks */
	TT_REC_STATS = 5,	/* tether's own counters: drops, errors */
	TT_REC_END = 6,		/* last record: counts, proves completeness */
	TT_REC_THREAD = 7,	/* one thread (since 1.1) */
	TT_REC_LONG_WAITS = 8,	/* waits that lasted at least TETHER_LONG_WAIT (1.1) */
	TT_REC_SCAN = 9,	/* a reachability scan: how it went (1.2) */
	TT_REC_LEAKS = 10,	/* a batch of scan verdicts, one per live block (1.2) */
	TT_REC_SITE_LIFE = 11,	/* lifetimes and ownership of one site (1.5) */
	TT_REC_ENDED_THREADS = 12, /* threads that ended and were forgotten (1.5) */
};

/* Why a dump was written. */
enum tt_trigger {
	TT_TRIGGER_EXIT = 1,	/* normal exit (exit, return from main) */
	TT_TRIGGER_UNDERSCORE_EXIT = 2, /* _exit or _Exit */
	TT_TRIGGER_SIGNAL = 3,	/* the dump signal */
	TT_TRIGGER_INTERVAL = 4, /* the dump interval */
	TT_TRIGGER_API = 5,	/* tether_dump() */
	TT_TRIGGER_BYTES = 6,	/* TETHER_DUMP_EVERY_BYTES more allocated (since 1.4) */
	TT_TRIGGER_CRASH = 7,	/* a crash signal, TETHER_DUMP_ON_CRASH (since 1.5) */
};

/*
 * TT_REC_PROCESS payload: fixed part, then strings in this order:
 * exe path, command line (arguments separated by NUL bytes), tether version.
 */
struct tt_rec_process {
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_realtime_ns;	/* CLOCK_REALTIME when tracking began */
	uint64_t start_monotonic_ns;	/* CLOCK_MONOTONIC at the same instant */
	uint64_t dump_monotonic_ns;	/* CLOCK_MONOTONIC when the dump began */
	uint32_t trigger;		/* enum tt_trigger */
	uint32_t seq;			/* dump number in this process, from 1 */
	uint32_t page_size;
	uint32_t stack_depth;		/* frames captured at most */
	int32_t exit_status;		/* status passed to exit, or -1 */
	uint32_t flags;			/* TT_PROC_* */
};

#define TT_PROC_FORKED 0x1u		/* this process is a fork child */

/*
 * TT_REC_MODULE payload: fixed part, then the path string, then the build
 * id as a string of raw bytes (length 0 when the module has none).
 */
struct tt_rec_module {
	uint64_t bias;		/* load bias: runtime address - file vaddr */
	uint64_t lo;		/* lowest mapped runtime address */
	uint64_t hi;		/* one past the highest mapped runtime address */
	uint32_t flags;		/* TT_MOD_* */
	uint32_t reserved;
};

#define TT_MOD_MAIN 0x1u	/* the main executable */
#define TT_MOD_UNLOADED 0x2u	/* dlclose'd before this dump */

/* The allocation function a stack ends in (frame #0 of a report). */
enum tt_alloc_fn {
	TT_FN_MALLOC = 1,
	TT_FN_CALLOC,
	TT_FN_REALLOC,
	TT_FN_REALLOCARRAY,
	TT_FN_POSIX_MEMALIGN,
	TT_FN_ALIGNED_ALLOC,
	TT_FN_MEMALIGN,
	TT_FN_VALLOC,
	TT_FN_PVALLOC,
	TT_FN_MALLOCX,
	TT_FN_RALLOCX,
	TT_FN_XALLOCX,
	TT_FN_PTHREAD_CREATE,	/* a thread creation stack, not an allocation */
	TT_FN_COUNT_
};

/*
 * A stack whose alloc_fn is TT_FN_WAIT_BASE + call is where threads waited
 * in that blocking call (enum tt_wait_call): its alloc_blocks counts the
 * waits and alloc_bytes their total delay in nanoseconds, both estimated
 * from sampled waits (TETHER_BLOCK_RATE); free_* are 0.
 */
#define TT_FN_WAIT_BASE 64

/* tt_fn_is_alloc() - whether a stack is an allocation site. */
static inline int
tt_fn_is_alloc(unsigned fn)
{
	return fn > 0 && fn < TT_FN_PTHREAD_CREATE;
}

/*
 * TT_REC_STACK payload: fixed part, then depth uint64 return addresses,
 * innermost (the caller of the allocation function) first.  Ids are
 * nonzero and unique within a dump; a stack precedes any block using it.
 */
struct tt_rec_stack {
	uint32_t id;
	uint16_t depth;
	uint8_t alloc_fn;	/* enum tt_alloc_fn */
	uint8_t flags;		/* TT_STACK_* */
	uint64_t alloc_blocks;	/* blocks allocated here over the run */
	uint64_t alloc_bytes;
	uint64_t free_blocks;	/* of those, blocks freed */
	uint64_t free_bytes;
};

#define TT_STACK_TRUNCATED 0x1u	/* deeper than stack_depth frames */

/* One live block inside a TT_REC_BLOCKS payload. */
struct tt_rec_block {
	uint64_t addr;		/* the address the program was given */
	uint64_t size;		/* the size the program asked for */
	uint32_t stack;		/* TT_REC_STACK id */
	uint32_t thread;	/* tether thread number, 1 = first thread */
	uint64_t time_ns;	/* CLOCK_MONOTONIC_COARSE at allocation */
};

/* TT_REC_BLOCKS payload: uint64 count, then count tt_rec_block. */

/*
 * TT_REC_THREAD payload: fixed part, then two strings: the thread's name
 * and what its wait is on (the target of the fd: "socket:[123]",
 * "pipe:[45]", "/dev/pts/0", a path; empty when none).  Thread records come
 * after the stacks (create_stack refers to one) and before the blocks.
 */
struct tt_rec_thread {
	uint32_t num;		/* tether thread number, from 1 */
	uint32_t creator;	/* creating thread's number, 0 = unknown */
	uint32_t state;		/* TT_THREAD_* */
	uint32_t flags;		/* TT_THREAD_F_* */
	int32_t tid;		/* kernel thread id */
	uint32_t create_stack;	/* stack of pthread_create, 0 = unknown */
	uint64_t pthread;	/* pthread_t */
	uint64_t start_routine;	/* address of the start routine, 0 = unknown */
	uint64_t stack_lo;	/* stack bounds, 0 = unknown */
	uint64_t stack_hi;
	uint64_t created_ns;	/* CLOCK_MONOTONIC */
	uint64_t ended_ns;	/* CLOCK_MONOTONIC, 0 while it runs */
	uint32_t wait_call;	/* enum tt_wait_call, 0 = not waiting */
	int32_t wait_fd;	/* -1 = none */
	uint64_t wait_object;	/* mutex, condition variable... address; 0 = none */
	uint64_t wait_since_ns;	/* CLOCK_MONOTONIC when the wait began */
	int32_t wait_holder_tid; /* kernel tid holding the waited mutex or
				    write-locked rwlock; 0 = none or unknown */
	uint32_t wait_stack;	/* stack of the current wait (alloc_fn
				   TT_FN_WAIT_BASE + call); 0 = not captured */
};

#define TT_THREAD_STARTING 1	/* created, not yet in its start routine */
#define TT_THREAD_RUNNING 2	/* running, or blocked when wait_call != 0 */
#define TT_THREAD_EXITED 3	/* ended, not joined */

#define TT_THREAD_F_DETACHED 0x1u
#define TT_THREAD_F_MAIN 0x2u	/* the process's first thread */
#define TT_THREAD_F_ADOPTED 0x4u /* seen only once running: no creation data */
#define TT_THREAD_F_STUCK 0x8u	/* can never wake: the scan of this dump found
				   no thread able to run that can reach what it
				   waits on (since 1.3) */

/* The blocking call a thread waits in (TT_REC_THREAD); keep in step with
 * tt_dump_wait_name() in tdump_read.c and man/tether-dump.5. */
enum tt_wait_call {
	TT_WAIT_NONE = 0,
	TT_WAIT_MUTEX_LOCK,
	TT_WAIT_MUTEX_TIMEDLOCK,
	TT_WAIT_RWLOCK_RDLOCK,
	TT_WAIT_RWLOCK_WRLOCK,
	TT_WAIT_RWLOCK_TIMEDRDLOCK,
	TT_WAIT_RWLOCK_TIMEDWRLOCK,
	TT_WAIT_COND_WAIT,
	TT_WAIT_COND_TIMEDWAIT,
	TT_WAIT_COND_CLOCKWAIT,
	TT_WAIT_BARRIER_WAIT,
	TT_WAIT_SEM_WAIT,
	TT_WAIT_SEM_TIMEDWAIT,
	TT_WAIT_JOIN,
	TT_WAIT_READ,
	TT_WAIT_READV,
	TT_WAIT_WRITE,
	TT_WAIT_WRITEV,
	TT_WAIT_RECV,
	TT_WAIT_RECVFROM,
	TT_WAIT_RECVMSG,
	TT_WAIT_SEND,
	TT_WAIT_SENDTO,
	TT_WAIT_SENDMSG,
	TT_WAIT_ACCEPT,
	TT_WAIT_ACCEPT4,
	TT_WAIT_CONNECT,
	TT_WAIT_POLL,
	TT_WAIT_PPOLL,
	TT_WAIT_SELECT,
	TT_WAIT_PSELECT,
	TT_WAIT_EPOLL_WAIT,
	TT_WAIT_EPOLL_PWAIT,
	TT_WAIT_SLEEP,
	TT_WAIT_USLEEP,
	TT_WAIT_NANOSLEEP,
	TT_WAIT_CLOCK_NANOSLEEP,
	TT_WAIT_WAIT,
	TT_WAIT_WAITPID,
	TT_WAIT_WAITID,
	TT_WAIT_FLOCK,
	TT_WAIT_LOCKF,
	TT_WAIT_FCNTL_LOCK,
	TT_WAIT_SIGWAIT,
	TT_WAIT_SIGTIMEDWAIT,
	TT_WAIT_SIGWAITINFO,
	TT_WAIT_SIGSUSPEND,
	TT_WAIT_PAUSE,
	TT_WAIT_GETADDRINFO,
	TT_WAIT_MUTEX_HELD,	/* not a wait: a mutex held while others waited for
				   it; its profile stack is where it was unlocked */
	TT_WAIT_COUNT_
};

/* TT_REC_LONG_WAITS payload: uint64 count, uint64 dropped (older long
 * waits no longer kept), then count of these, oldest first. */
struct tt_rec_long_wait {
	uint32_t thread;	/* tether thread number */
	uint32_t call;		/* enum tt_wait_call */
	int32_t fd;		/* -1 = none */
	uint32_t stack;		/* stack of the wait, alloc_fn TT_FN_WAIT_BASE + call */
	uint64_t object;	/* waited-on object address, 0 = none */
	uint64_t start_ns;	/* CLOCK_MONOTONIC */
	uint64_t end_ns;	/* CLOCK_MONOTONIC */
};

/*
 * Lifetime buckets of TT_REC_SITE_LIFE: a freed block that lived t ns
 * (CLOCK_MONOTONIC_COARSE at its free minus at its allocation) is counted
 * in bucket 0 when t < 2^20 ns (about 1 ms), in bucket k (1..30) when
 * 2^(19+k) <= t < 2^(20+k), in bucket 31 when t >= 2^50 ns (13 days).
 */
#define TT_LIFE_BUCKETS 32
#define TT_LIFE_SHIFT 20

static inline unsigned
tt_life_bucket(uint64_t t)
{
	unsigned k;

	if (t < (1ull << TT_LIFE_SHIFT))
		return 0;
	k = 64u - (unsigned)__builtin_clzll(t) - TT_LIFE_SHIFT;
	return k < TT_LIFE_BUCKETS ? k : TT_LIFE_BUCKETS - 1;
}

/*
 * TT_REC_SITE_LIFE payload: one per allocation site (TT_REC_STACK id) that
 * allocated anything, after the stacks.  Counts are of recorded blocks
 * (sampled: of the samples, not scaled).
 */
struct tt_rec_site_life {
	uint32_t stack;		/* TT_REC_STACK id */
	uint32_t flags;		/* TT_LIFE_F_* */
	uint32_t alloc_thread;	/* last thread that allocated here */
	uint32_t free_thread;	/* last thread that freed a block of it, 0 = none */
	uint64_t temporary;	/* blocks freed by the allocating thread before
				   it allocated again */
	uint64_t cross_thread_frees; /* blocks freed by another thread than the
				   one that allocated them */
	uint64_t life[TT_LIFE_BUCKETS]; /* freed blocks by lifetime bucket */
};

#define TT_LIFE_F_ALLOC_MANY 0x1u /* more than one thread allocated here */
#define TT_LIFE_F_FREE_MANY 0x2u  /* more than one thread freed its blocks */

/* One entry of TT_REC_ENDED_THREADS: a thread whose registry slot was
 * given back (joined, or ended detached), kept so that the blocks it left
 * can name it. */
struct tt_rec_ended_thread {
	uint32_t num;		/* tether thread number */
	uint32_t create_stack;	/* stack of pthread_create, 0 = unknown */
	uint64_t start_routine;	/* 0 = unknown */
	uint64_t created_ns;	/* CLOCK_MONOTONIC */
	uint64_t ended_ns;	/* CLOCK_MONOTONIC, 0 = unknown */
};

/* TT_REC_ENDED_THREADS payload: uint64 count, uint64 dropped (older ones
 * no longer kept), then count tt_rec_ended_thread, oldest first. */

/* TT_REC_STATS payload. */
struct tt_rec_stats {
	uint64_t dropped_blocks;	/* allocations not tracked: table full */
	uint64_t dropped_stacks;	/* stacks not interned: table full */
	uint64_t leaked_slots;		/* block slots not reusable */
	uint64_t bad_frees;		/* frees of pointers tether never gave */
	uint64_t internal_bytes;	/* tether's own memory in use */
	uint64_t threads_seen;		/* threads tether numbered */
	uint64_t thread_slots;		/* registry slots ever used (since 1.1) */
	uint64_t sample_rate;		/* TETHER_SAMPLE_RATE: mean bytes between
					   recorded allocations; 0 = every one
					   (since 1.3) */
};

/*
 * TT_REC_SCAN payload: at most one per dump, before the TT_REC_LEAKS
 * records; present when the dump was taken with a reachability scan
 * (TETHER_LEAK_CHECK, tether check, tether_check_leaks()).
 */
struct tt_rec_scan {
	uint64_t duration_ns;	/* other threads stopped this long */
	uint64_t root_bytes;	/* bytes of roots scanned (data, stacks, TLS) */
	uint64_t mark_ns;	/* a check since a mark: blocks allocated before
				   this CLOCK_MONOTONIC_COARSE time are not
				   counted; 0 = the whole run */
	uint32_t threads_stopped;   /* other threads stopped for the scan */
	uint32_t threads_unstopped; /* threads that could not be stopped; their
				       stacks were scanned whole, while running */
	uint32_t flags;		/* TT_SCAN_* */
	uint32_t reserved;
};

#define TT_SCAN_FREERES 0x1u	/* __libc_freeres ran before the scan */
#define TT_SCAN_INCOMPLETE 0x2u	/* some memory could not be read; verdicts
				   err towards "reachable" */

/* Verdicts, as Valgrind memcheck names them. */
enum tt_leak_kind {
	TT_LEAK_REACHABLE = 1,	/* a chain of start pointers from a root */
	TT_LEAK_POSSIBLE = 2,	/* reached only through an interior pointer */
	TT_LEAK_INDIRECT = 3,	/* reached only from lost blocks */
	TT_LEAK_DEFINITE = 4,	/* no pointer to it anywhere reachable */
};

/* One verdict inside a TT_REC_LEAKS payload. */
struct tt_rec_leak {
	uint64_t addr;		/* the block (as in TT_REC_BLOCKS) */
	uint64_t from;		/* address of the pointer that first reached it:
				   inside another block, or a root (a global, a
				   stack, a register: 1); 0 = nothing reached it */
	uint32_t kind;		/* enum tt_leak_kind */
	uint32_t flags;		/* TT_LEAK_F_* */
};

#define TT_LEAK_F_HEURISTIC 0x1u /* reachable through an interior pointer a
				    heuristic accepts (new[], std::string,
				    length-prefixed, multiple inheritance) */
#define TT_LEAK_FROM_REGISTER 1	/* from: a thread's register */

/* TT_REC_LEAKS payload: uint64 count, then count tt_rec_leak. */

/* TT_REC_END payload. */
struct tt_rec_end {
	uint64_t records;	/* records before this one */
	uint64_t blocks;	/* live blocks in all TT_REC_BLOCKS */
	uint64_t stacks;	/* TT_REC_STACK records */
	uint64_t modules;	/* TT_REC_MODULE records */
};

#endif /* TETHER_TDUMP_H */
