/*
 * dump.c - serialize the tables into a dump file (format/tdump.h,
 * man/tether-dump.5).  Everything goes through a static buffer and raw
 * system calls: the writer runs at exit, after _exit, in forked children,
 * and must neither allocate nor reach tether's own I/O wrappers.
 *
 * Atomicity: the dump is written to ".NAME.tmp" in the same directory with
 * O_EXCL | O_NOFOLLOW and mode 0600, closed, then renamed with
 * RENAME_NOREPLACE; a crash of the program or a full disk (an error from
 * write or close) leaves at most a temporary file, never a partial file
 * under a dump's name, and never replaces another dump.  It is not
 * fsync'ed: that made every process wait for the disk (0.4 ms for a small
 * dump here, 2.7 ms after a git command), and only a crash of the whole
 * machine can leave a short dump then; it replaces nothing, and the tool
 * reports where it breaks.
 */
#include "config.h"
#include "dump.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/uio.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "internal.h"
#include "io.h"
#include "leak_check.h"
#include "modules.h"
#include "options.h"
#include "site_cache.h"
#include "record.h"
#include "table.h"
#include "threads.h"
#include "wait.h"
#include "tls.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

extern struct tt_opts tt_opts;

struct tt_proc tt_proc = { .exit_status = -1 };
char tt_dump_last_path[4096];

#define BUF_SIZE (1u << 16)
#define BLOCKS_PER_REC 2048

struct writer {
	int fd;
	int err;		/* first error, -errno */
	size_t len;
	uint64_t records;
	char buf[BUF_SIZE];
};

static struct writer w;
static struct tt_rec_block batch[BLOCKS_PER_REC];
static uint32_t batch_slot[BLOCKS_PER_REC];	/* write_blocks: batch[i]'s slot */
static char cmdline[8192];
static atomic_flag dumping = ATOMIC_FLAG_INIT;
static _Atomic long dumping_tid;	/* who writes the dump in progress */
_Atomic int tt_dump_exiting;
static int said_error;
static int crash_sig;		/* the crash dump's signal, in its thread */
static int in_handler;		/* a signal dump written in a handler */

static void
flush(void)
{
	if (w.err == 0 && w.len > 0)
		w.err = tt_write_all(w.fd, w.buf, w.len);
	w.len = 0;
}

static void
put(const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		size_t room = BUF_SIZE - w.len, k = n < room ? n : room;

		memcpy(w.buf + w.len, s, k);
		w.len += k;
		s += k;
		n -= k;
		if (w.len == BUF_SIZE)
			flush();
	}
}

static void
pad8(size_t n)
{
	static const char zero[8];

	if (n % 8)
		put(zero, 8 - n % 8);
}

static size_t
str_size(size_t n)
{
	return (4 + n + 7) & ~(size_t)7;
}

static void
put_str(const void *s, size_t n)
{
	uint32_t len = (uint32_t)n;

	put(&len, 4);
	put(s, n);
	pad8(4 + n);
}

static void
rec_begin(uint32_t type, uint64_t len)
{
	struct tt_rec_hdr h = { .type = type, .len = len };

	put(&h, sizeof(h));
	w.records++;
}

static size_t
read_cmdline(void)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/cmdline",
			  O_RDONLY | O_CLOEXEC);
	long n = 0, r;

	if (fd < 0)
		return 0;
	while (n < (long)sizeof(cmdline) &&
	       (r = syscall(SYS_read, fd, cmdline + n, sizeof(cmdline) - n)) > 0)
		n += r;
	syscall(SYS_close, fd);
	/* drop the final NUL: arguments are separated, not terminated */
	return n > 0 && cmdline[n - 1] == '\0' ? (size_t)n - 1 : (size_t)(n > 0 ? n : 0);
}

static void
write_process(unsigned trigger, const char *exe)
{
	static const char version[] = PACKAGE_VERSION;
	struct tt_rec_process p = {
		.pid = (uint32_t)syscall(SYS_getpid),
		.ppid = (uint32_t)syscall(SYS_getppid),
		.start_realtime_ns = tt_proc.start_realtime_ns,
		.start_monotonic_ns = tt_proc.start_monotonic_ns,
		.dump_monotonic_ns = tt_now_ns(),
		.trigger = trigger,
		.seq = tt_proc.seq,
		.page_size = (uint32_t)sysconf(_SC_PAGESIZE),
		.stack_depth = (uint32_t)tt_opts.stack_depth,
		.exit_status = tt_proc.exit_status,
		.flags = tt_proc.flags,
	};
	size_t exe_len = strlen(exe), cmd_len = read_cmdline();

	rec_begin(TT_REC_PROCESS, sizeof(p) + str_size(exe_len) + str_size(cmd_len) +
		  str_size(sizeof(version) - 1));
	put(&p, sizeof(p));
	put_str(exe, exe_len);
	put_str(cmdline, cmd_len);
	put_str(version, sizeof(version) - 1);
}

struct module_count {
	uint64_t n;
	const char *exe;
};

static void
write_module(const struct tt_module *m, void *arg)
{
	struct module_count *mc = arg;
	struct tt_rec_module r = {
		.bias = m->bias, .lo = m->lo, .hi = m->hi, .flags = m->flags,
	};

	rec_begin(TT_REC_MODULE, sizeof(r) + str_size(m->path_len) +
		  str_size(m->build_id_len));
	put(&r, sizeof(r));
	put_str(m->path, m->path_len);
	put_str(m->build_id, m->build_id_len);
	mc->n++;
}

static uint64_t
write_stacks(uint32_t high)
{
	uint64_t n = 0;

	for (uint32_t id = 1; id < high; id++) {
		struct tt_stack *s = tt_stacks_get(id);
		struct tt_site_sum sum;
		struct tt_rec_stack r;

		if (s == NULL || (s->flags & TT_STACK_DEAD))
			continue;
		tt_sites_sum(id, &sum);
		tt_record_pending_add(id, &sum);
		r = (struct tt_rec_stack){
			.id = id,
			.depth = s->depth,
			.alloc_fn = s->fn,
			.flags = s->flags & TT_STACK_TRUNCATED,
			.alloc_blocks = sum.alloc_blocks,
			.alloc_bytes = sum.alloc_bytes,
			.free_blocks = sum.free_blocks,
			.free_bytes = sum.free_bytes,
		};
		rec_begin(TT_REC_STACK, sizeof(r) + s->depth * 8u);
		put(&r, sizeof(r));
		put(s->frames, s->depth * 8u);
		n++;
	}
	return n;
}

/* Lifetimes and ownership of every allocation site (TT_REC_SITE_LIFE). */
static void
write_site_life(uint32_t high)
{
	for (uint32_t id = 1; id < high; id++) {
		struct tt_stack *s = tt_stacks_get(id);
		struct tt_site_sum sum;
		struct tt_rec_site_life r;

		if (s == NULL || (s->flags & TT_STACK_DEAD) || !tt_fn_is_alloc(s->fn))
			continue;
		tt_sites_sum(id, &sum);
		tt_record_pending_add(id, &sum);
		if (sum.alloc_blocks == 0)
			continue;
		r = (struct tt_rec_site_life){
			.stack = id,
			.flags = sum.life_flags,
			.alloc_thread = sum.alloc_thread,
			.free_thread = sum.free_thread,
			.temporary = sum.temporary,
			.cross_thread_frees = sum.cross_frees,
		};
		for (unsigned k = 0; k < TT_LIFE_BUCKETS; k++)
			r.life[k] = sum.life[k];
		rec_begin(TT_REC_SITE_LIFE, sizeof(r));
		put(&r, sizeof(r));
	}
}

/* Threads forgotten by the registry (joined, or ended detached), so the
 * blocks they left can name them (TT_REC_ENDED_THREADS). */
static void
write_ended_threads(uint32_t stack_high)
{
	struct tt_rec_ended_thread *e = (struct tt_rec_ended_thread *)(void *)batch;
	uint64_t n, dropped;

	_Static_assert(sizeof(batch) >= TT_THREADS_ENDED_KEPT * sizeof(*e),
		       "the block batch holds the ended threads");
	dropped = tt_threads_ended(e, &n);
	if (n == 0)
		return;
	for (uint64_t i = 0; i < n; i++)
		if (e[i].create_stack >= stack_high)
			e[i].create_stack = 0;
	rec_begin(TT_REC_ENDED_THREADS, 16 + n * sizeof(*e));
	put(&n, 8);
	put(&dropped, 8);
	put(e, n * sizeof(*e));
}

_Static_assert(TT_THR_STARTING == TT_THREAD_STARTING && TT_THR_RUNNING == TT_THREAD_RUNNING &&
	       TT_THR_EXITED == TT_THREAD_EXITED && TT_THR_DETACHED == TT_THREAD_F_DETACHED &&
	       TT_THR_MAIN == TT_THREAD_F_MAIN && TT_THR_ADOPTED == TT_THREAD_F_ADOPTED,
	       "registry states and flags are the dump's");

/* Read a small /proc file or link into buf; returns its length. */
static size_t
read_proc(const char *path, char *buf, size_t n, int link)
{
	long r, fd;

	if (link) {
		r = syscall(SYS_readlinkat, AT_FDCWD, path, buf, n - 1);
		return r > 0 ? (size_t)r : 0;
	}
	fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = syscall(SYS_read, fd, buf, n - 1);
	syscall(SYS_close, fd);
	if (r <= 0)
		return 0;
	if (buf[r - 1] == '\n')
		r--;
	return (size_t)r;
}

/*
 * Who holds the mutex or rwlock a thread waits on: glibc keeps the owner's
 * tid in the object (__data.__owner, __data.__cur_writer).  Read through
 * process_vm_readv so that an object freed meanwhile gives an error, not a
 * crash.  Return: the tid, or 0.
 */
static int32_t
holder_tid(uint32_t call, uint64_t object)
{
	int32_t tid = 0;
	uint64_t at;
	struct iovec local = { &tid, sizeof(tid) }, remote;

	if (object == 0)
		return 0;
	if (call == TT_WAIT_MUTEX_LOCK || call == TT_WAIT_MUTEX_TIMEDLOCK)
		at = object + offsetof(pthread_mutex_t, __data.__owner);
	else if (call >= TT_WAIT_RWLOCK_RDLOCK && call <= TT_WAIT_RWLOCK_TIMEDWRLOCK)
		at = object + offsetof(pthread_rwlock_t, __data.__cur_writer);
	else
		return 0;
	remote = (struct iovec){ (void *)(uintptr_t)at, sizeof(tid) };
	if (syscall(SYS_process_vm_readv, syscall(SYS_getpid), &local, 1UL, &remote,
		    1UL, 0UL) != (long)sizeof(tid))
		return 0;
	/* 0x7ffffffe and 0x7fffffff mark a robust mutex not recoverable or
	 * inconsistent: no owner to name */
	return tid > 0 && tid < 0x7ffffffe ? tid : 0;
}

static void
write_threads(uint32_t stack_high)
{
	struct tt_thread t;
	char path[64], name[64], target[256];

	for (uint32_t i = 0; i < tt_threads_high(); i++) {
		size_t name_len, target_len = 0;
		struct tt_rec_thread r;

		if (!tt_threads_read(i, &t))
			continue;
		r = (struct tt_rec_thread){
			.num = t.num, .creator = t.creator, .state = t.state,
			.flags = t.flags, .tid = t.tid,
			.create_stack = t.create_stack < stack_high ? t.create_stack : 0,
			.pthread = t.pthread, .start_routine = t.start_routine,
			.stack_lo = t.stack_lo, .stack_hi = t.stack_hi,
			.created_ns = t.created_ns, .ended_ns = t.ended_ns,
			.wait_call = (uint32_t)t.wait.call, .wait_fd = -1,
			.wait_object = t.wait.object, .wait_since_ns = t.wait.since_ns,
		};
		if (r.wait_call != 0) {
			if (tt_leak_stuck(t.num, t.wait.since_ns))
				r.flags |= TT_THREAD_F_STUCK;
			r.wait_holder_tid = holder_tid(r.wait_call, r.wait_object);
			r.wait_stack = t.wait.stack < stack_high ? t.wait.stack : 0;
		}
		if (r.wait_call != 0 && t.wait.fd >= 0) {
			r.wait_fd = t.wait.fd;
			tt_fmt(path, sizeof(path), "/proc/self/fd/%d", t.wait.fd);
			target_len = read_proc(path, target, sizeof(target), 1);
		}
		if (t.state == TT_THR_EXITED || t.tid == 0) {
			name_len = strnlen(t.name, sizeof(t.name));
			memcpy(name, t.name, name_len);
		} else {
			tt_fmt(path, sizeof(path), "/proc/self/task/%d/comm", (int)t.tid);
			name_len = read_proc(path, name, sizeof(name), 0);
		}
		rec_begin(TT_REC_THREAD, sizeof(r) + str_size(name_len) + str_size(target_len));
		put(&r, sizeof(r));
		put_str(name, name_len);
		put_str(target, target_len);
	}
}

#define WAITS_PER_REC (sizeof(batch) / (sizeof(struct tt_rec_long_wait)))

struct waits_ctx {
	uint32_t stack_high;
	uint64_t n;		/* staged in the batch buffer */
	uint64_t dropped;	/* older waits no longer kept */
};

static void
flush_waits(struct waits_ctx *c)
{
	rec_begin(TT_REC_LONG_WAITS, 16 + c->n * sizeof(struct tt_rec_long_wait));
	put(&c->n, 8);
	put(&c->dropped, 8);
	put(batch, c->n * sizeof(struct tt_rec_long_wait));
	c->n = 0;
}

static void
stage_wait(const struct tt_rec_long_wait *lw, void *arg)
{
	struct waits_ctx *c = arg;
	struct tt_rec_long_wait *staged = (struct tt_rec_long_wait *)(void *)batch;

	staged[c->n] = *lw;
	if (lw->stack >= c->stack_high)
		staged[c->n].stack = 0;	/* interned after the dump began */
	if (++c->n == WAITS_PER_REC)
		flush_waits(c);
}

/* The long-wait log, in records of at most WAITS_PER_REC. */
static void
write_long_waits(uint32_t stack_high)
{
	struct waits_ctx c = { stack_high, 0, 0 };

	c.dropped = tt_waits_each_max(stage_wait, &c, UINT64_MAX);
	if (c.n > 0 || c.dropped > 0)
		flush_waits(&c);
}

static void
write_batch(uint64_t n)
{
	rec_begin(TT_REC_BLOCKS, 8 + n * sizeof(batch[0]));
	put(&n, 8);
	put(batch, n * sizeof(batch[0]));
}

/* The blocks of the last scan, with their verdicts, instead of the live
 * table: the verdicts must cover the blocks written, no more, no less. */
static uint64_t
write_scanned(uint32_t stack_high)
{
	const struct tt_scan *s = &tt_leak_result.scan;
	struct tt_rec_leak *leaks = (struct tt_rec_leak *)(void *)batch;
	uint64_t total = 0, n = 0;

	_Static_assert(sizeof(batch) >= BLOCKS_PER_REC * sizeof(struct tt_rec_leak),
		       "the block batch holds a batch of verdicts");
	for (size_t i = 0; i < s->n; i++) {
		const struct tt_scan_blk *b = &s->b[i];

		if (b->stack >= stack_high)
			continue;
		batch[n++] = (struct tt_rec_block){
			.addr = b->addr, .size = b->size, .stack = b->stack,
			.thread = b->thread, .time_ns = b->time_ns,
		};
		if (n == BLOCKS_PER_REC) {
			write_batch(n);
			total += n;
			n = 0;
		}
	}
	if (n > 0) {
		write_batch(n);
		total += n;
		n = 0;
	}
	rec_begin(TT_REC_SCAN, sizeof(tt_leak_result.rec));
	put(&tt_leak_result.rec, sizeof(tt_leak_result.rec));
	for (size_t i = 0; i < s->n; i++) {
		const struct tt_scan_blk *b = &s->b[i];

		if (b->stack >= stack_high)
			continue;
		leaks[n++] = (struct tt_rec_leak){
			.addr = b->addr, .from = b->from, .kind = b->kind, .flags = b->flags,
		};
		if (n == BLOCKS_PER_REC) {
			rec_begin(TT_REC_LEAKS, 8 + n * sizeof(*leaks));
			put(&n, 8);
			put(leaks, n * sizeof(*leaks));
			n = 0;
		}
	}
	if (n > 0) {
		rec_begin(TT_REC_LEAKS, 8 + n * sizeof(*leaks));
		put(&n, 8);
		put(leaks, n * sizeof(*leaks));
	}
	return total;
}

static inline struct tt_rec_block
rec_block(const struct tt_block_copy *b)
{
	return (struct tt_rec_block){
		.addr = b->addr, .size = b->size, .stack = b->stack,
		.thread = b->thread, .time_ns = b->time_ns,
	};
}

/*
 * Leave out of a batch read from the block table the blocks freed since:
 * a free noted in a thread's free queue (free_queue.h) leaves the block in
 * its slot until recorded, and the address may meanwhile be a new block,
 * read already.  After the batch is read, a slot noted or being recorded,
 * or no longer holding the block, was freed by then: out.
 */
static uint64_t
drop_freed(uint64_t n, uint32_t stack_high)
{
	size_t npending;
	const uint32_t *pending = tt_freeq_pending(TT_FREEQ_DUMP, &npending);
	uint64_t kept = 0;

	for (uint64_t i = 0; i < n; i++) {
		struct tt_block_copy b;

		if (tt_freeq_has(pending, npending, batch_slot[i]) ||
		    !tt_blocks_read(batch_slot[i], &b) || b.addr != batch[i].addr ||
		    b.stack >= stack_high)
			continue;
		/* the block there now: the same, or a new one at that address */
		batch[kept] = rec_block(&b);
		batch_slot[kept++] = batch_slot[i];
	}
	return kept;
}

/* Blocks whose stack is newer than the stacks written are left out: they
 * were allocated after the dump began. */
static uint64_t
write_blocks(uint32_t stack_high)
{
	uint32_t high = tt_blocks_high();
	uint64_t total = 0, n = 0;
	struct tt_block_copy b;

	if (tt_leak_result.valid)
		return write_scanned(stack_high);
	for (uint32_t i = 1; i < high; i++) {
		if (!tt_blocks_read(i, &b) || b.stack >= stack_high)
			continue;
		batch_slot[n] = i;
		batch[n++] = rec_block(&b);
		if (n == BLOCKS_PER_REC && (n = drop_freed(n, stack_high)) == BLOCKS_PER_REC) {
			write_batch(n);
			total += n;
			n = 0;
		}
	}
	if (n > 0 && (n = drop_freed(n, stack_high)) > 0)
		write_batch(n);
	return total + n;
}

static void
write_stats(void)
{
	struct tt_rec_stats s = {
		.dropped_blocks = atomic_load(&tt_drops.blocks),
		.dropped_stacks = atomic_load(&tt_drops.stacks),
		.leaked_slots = atomic_load(&tt_drops.leaked_slots),
		.bad_frees = atomic_load(&tt_drops.bad_frees),
		.internal_bytes = tt_blocks_bytes() + tt_stacks_bytes(),
		.threads_seen = tt_threads_seen(),
		.thread_slots = tt_threads_high(),
		.sample_rate = tt_sample_rate,
	};

	rec_begin(TT_REC_STATS, sizeof(s));
	put(&s, sizeof(s));
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static const char *const trigger_names[] = {
	[TT_TRIGGER_EXIT] = "exit",
	[TT_TRIGGER_UNDERSCORE_EXIT] = "exit",
	[TT_TRIGGER_SIGNAL] = "signal",
	[TT_TRIGGER_INTERVAL] = "interval",
	[TT_TRIGGER_API] = "api",
	[TT_TRIGGER_BYTES] = "bytes",
	[TT_TRIGGER_CRASH] = "crash",
};

static int
is_dir(const char *path)
{
	struct stat st;

	return syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The final name: in a directory "<prog>.<pid>.<seq>.<trigger>.tdump"; as a
 * template, %p %e %n %% expanded.  attempt > 0 picks another name after a
 * collision.
 */
static int
make_name(char *out, size_t n, const char *exe, unsigned trigger, unsigned attempt)
{
	const char *o = tt_opts.output;
	unsigned pid = (unsigned)syscall(SYS_getpid), seq = tt_proc.seq + attempt;
	size_t len;

	if (is_dir(o) || o[strlen(o) - 1] == '/') {
		len = tt_fmt(out, n, "%s%s%s.%u.%u.%s.tdump", o,
			     o[strlen(o) - 1] == '/' ? "" : "/", base_name(exe), pid,
			     seq, trigger_names[trigger]);
		return len + 1 < n ? 0 : -ENAMETOOLONG;
	}
	len = 0;
	for (; *o && len + 1 < n; o++) {
		if (*o != '%') {
			out[len++] = *o;
			continue;
		}
		switch (*++o) {
		case 'p': len += tt_fmt(out + len, n - len, "%u", pid); break;
		case 'n': len += tt_fmt(out + len, n - len, "%u", seq); break;
		case 'e': len += tt_fmt(out + len, n - len, "%s", base_name(exe)); break;
		case '%': out[len++] = '%'; break;
		case '\0': o--; out[len++] = '%'; break;
		default: out[len++] = '%'; out[len++] = *o;
		}
	}
	if (attempt > 0)
		len += tt_fmt(out + len, n - len, ".%u", attempt);
	out[len < n ? len : n - 1] = '\0';
	return len + 1 < n ? 0 : -ENAMETOOLONG;
}

static int
tmp_name(char *out, size_t n, const char *final)
{
	const char *slash = strrchr(final, '/');
	size_t dir = slash ? (size_t)(slash - final) + 1 : 0;
	size_t len;

	if (dir + 1 > n)
		return -ENAMETOOLONG;
	memcpy(out, final, dir);
	len = dir + tt_fmt(out + dir, n - dir, ".%s.%u.tmp", final + dir,
			   (unsigned)syscall(SYS_getpid));
	return len + 1 < n ? 0 : -ENAMETOOLONG;
}

static void
say_error(const char *what, const char *path, int err)
{
	if (said_error++)
		return;
	tt_say("cannot %s dump %s: %s (errno %d); the previous dump, if any, "
	       "is left as it was", what, path, err == -ENOSPC ? "no space left" :
	       err == -EACCES ? "permission denied" : err == -ENOENT ?
	       "no such directory" : "error", -err);
}

int
tt_dump_check_output(void)
{
	char name[4096], dir[4096];
	const char *slash;

	if (make_name(name, sizeof(name), "x", TT_TRIGGER_EXIT, 0) < 0)
		return -ENAMETOOLONG;
	slash = strrchr(name, '/');
	if (slash == NULL)
		return syscall(SYS_faccessat, AT_FDCWD, ".", W_OK | X_OK) ? -errno : 0;
	tt_fmt(dir, sizeof(dir), "%s", name);
	dir[slash - name > 0 ? slash - name : 1] = '\0';
	return syscall(SYS_faccessat, AT_FDCWD, dir, W_OK | X_OK) ? -errno : 0;
}

int
tt_dump_write(unsigned trigger)
{
	char final[4096], tmp[4096];
	struct module_count mc = { 0, "" };
	struct tt_rec_end end = { 0 };
	struct tt_file_hdr fh = {
		.major = TT_DUMP_MAJOR, .minor = TT_DUMP_MINOR, .hdr_size = sizeof(fh),
	};
	uint64_t now_mods;
	uint32_t stack_high;
	int err;

	if (atomic_flag_test_and_set(&dumping))
		return -EBUSY;
	atomic_store(&dumping_tid, syscall(SYS_gettid));
	tt_tls.busy++;
	tt_proc.seq++;
	/* The crash dump takes no snapshot: dl_iterate_phdr takes the
	 * loader's lock, which the crashed thread may hold. */
	now_mods = crash_sig || in_handler ? tt_modules_last() : tt_modules_snapshot();

	w.len = 0;
	w.err = 0;
	w.records = 0;
	w.fd = -1;
	mc.exe = tt_modules_main_path();
	err = make_name(final, sizeof(final), mc.exe, trigger, 0);
	if (err == 0)
		err = tmp_name(tmp, sizeof(tmp), final);
	if (err < 0) {
		say_error("name", tt_opts.output, err);
		goto out;
	}
	w.fd = (int)syscall(SYS_openat, AT_FDCWD, tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w.fd < 0) {
		err = -errno;
		say_error("create", tmp, err);
		goto out;
	}
	w.len = 0;
	memcpy(fh.magic, TT_DUMP_MAGIC, 8);
	put(&fh, sizeof(fh));
	write_process(trigger, mc.exe);
	tt_modules_each(now_mods, write_module, &mc);
	end.modules = mc.n;
	if (!crash_sig && !in_handler)
		tt_waits_unwind_blocked();	/* before the stacks are written */
	stack_high = tt_stacks_high();
	tt_record_pending_collect(stack_high);	/* frees noted, not yet recorded */
	tt_sites_collect(stack_high);	/* every thread's site counts */
	end.stacks = write_stacks(stack_high);
	write_site_life(stack_high);
	tt_sites_uncollect();
	write_threads(stack_high);
	write_ended_threads(stack_high);
	write_long_waits(stack_high);
	end.blocks = write_blocks(stack_high);
	write_stats();
	end.records = w.records;
	rec_begin(TT_REC_END, sizeof(end));
	put(&end, sizeof(end));
	flush();
	if (syscall(SYS_close, w.fd) != 0 && w.err == 0)
		w.err = -errno;	/* a file system that reports late (NFS) */
	err = w.err;
	if (err < 0) {
		say_error("write", final, err);
		syscall(SYS_unlinkat, AT_FDCWD, tmp, 0);
		goto out;
	}
	for (unsigned attempt = 1;; attempt++) {
		if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, final,
			    RENAME_NOREPLACE) == 0)
			break;
		err = -errno;
		if (err != -EEXIST || attempt > 1000 ||
		    make_name(final, sizeof(final), mc.exe, trigger, attempt) < 0) {
			say_error("rename", final, err);
			syscall(SYS_unlinkat, AT_FDCWD, tmp, 0);
			goto out;
		}
		err = 0;
	}
	memcpy(tt_dump_last_path, final, sizeof(final));
	if (tt_opts.verbose)
		tt_say("dump written: %s", final);
out:
	tt_tls.busy--;
	atomic_store(&dumping_tid, 0);
	atomic_flag_clear(&dumping);
	return err;
}

int
tt_dump_write_final(unsigned trigger)
{
	struct timespec ms = { 0, 1000000 };
	long me = syscall(SYS_gettid);
	int err;

	atomic_store(&tt_dump_exiting, 1);	/* no live dump starts now */
	/* A live dump in progress ends within its own time; wait for it, up
	 * to a minute, unless this very thread is writing it (an _exit from a
	 * signal handler that interrupted it). */
	for (unsigned i = 0; (err = tt_dump_write(trigger)) == -EBUSY && i < 60000; i++) {
		if (atomic_load(&dumping_tid) == me)
			break;
		syscall(SYS_nanosleep, &ms, NULL);
	}
	return err;
}

int
tt_dump_write_signal(unsigned trigger)
{
	int err;

	in_handler = 1;
	err = tt_dump_write(trigger);
	in_handler = 0;
	return err;
}

int
tt_dump_write_crash(int sig)
{
	struct timespec ms = { 0, 1000000 };
	long me = syscall(SYS_gettid);
	int err;

	if (atomic_load(&tt_state) != TT_STATE_ON)
		return -ECANCELED;
	if (tt_lock_depth > 0 || atomic_load(&dumping_tid) == me) {
		tt_say("the program crashed (signal %d) inside tether itself; no crash dump", sig);
		return -EDEADLK;
	}
	atomic_store(&tt_dump_exiting, 1);	/* no live dump starts now */
	atomic_store(&tt_modules_crash, 1);
	tt_proc.exit_status = 128 + sig;
	crash_sig = sig;
	/* A live dump in progress in another thread ends within its time. */
	for (unsigned i = 0; (err = tt_dump_write(TT_TRIGGER_CRASH)) == -EBUSY && i < 10000; i++)
		syscall(SYS_nanosleep, &ms, NULL);
	atomic_store(&tt_state, TT_STATE_OFF);
	return err;
}

void
tt_dump_dir(char *out, size_t n)
{
	const char *o = tt_opts.output, *slash;
	size_t len = strlen(o);

	if (is_dir(o) || (len > 0 && o[len - 1] == '/')) {
		tt_fmt(out, n, "%.*s", (int)(len > 1 && o[len - 1] == '/' ? len - 1 : len), o);
		return;
	}
	slash = strrchr(o, '/');
	if (slash == NULL)
		tt_fmt(out, n, ".");
	else if (slash == o)
		tt_fmt(out, n, "/");
	else
		tt_fmt(out, n, "%.*s", (int)(slash - o), o);
}

void
tt_dump_postfork_child(void)
{
	tt_proc.seq = 0;
	tt_proc.flags |= TT_PROC_FORKED;
	said_error = 0;
	tt_dump_last_path[0] = '\0';
	atomic_store(&dumping_tid, 0);
	atomic_store(&tt_dump_exiting, 0);
	atomic_flag_clear(&dumping);
}
