/*
 * leak_check.c - a reachability scan of the whole process (leak_check.h).
 *
 * Root memory is read through process_vm_readv on the process itself, so a
 * page that cannot be read (a file mapping past its file's end, a guard
 * page) costs an error code, never a fault in the program; pages never
 * touched (mincore) are skipped: they hold zeros.  Heap blocks are read
 * directly: they are live, and tether's allocator keeps them mapped.
 */
#include "leak_check.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"
#include "io.h"
#include "own_maps.h"
#include "proc_maps.h"
#include "record.h"
#include "stop.h"
#include "table.h"
#include "threads.h"
#include "tls.h"

#define MAPS_BUF (16u << 20)	/* /proc/self/maps text, at most */
#define MAX_MAPS 131072
#define MAX_EXCL 65536
#define RED_ZONE 128		/* x86-64 ABI: below the stack pointer, live */
#define CHUNK (64u << 10)

struct tt_leak_result tt_leak_result;

struct map {
	uint64_t lo, hi;
	uint8_t r, w, x;
	uint8_t kind;
};

enum { KIND_ANON, KIND_FILE, KIND_SKIP };

/* Work memory, reserved once and kept (tether's own: never a root). */
static char *maps_text;
static struct map *maps;
static struct tt_range *excl, *files, *code;
static uint64_t chunk[CHUNK / 8];
static struct tt_range self_data[8];	/* libtether's writable segments */
static unsigned nself_data;

static int
self_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
	Dl_info *me = arg;

	(void)size;
	if ((void *)info->dlpi_addr != me->dli_fbase)
		return 0;
	for (unsigned i = 0; i < info->dlpi_phnum && nself_data < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t lo, hi;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		lo = (info->dlpi_addr + ph->p_vaddr) & ~4095ull;
		hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + 4095) & ~4095ull;
		self_data[nself_data++] = (struct tt_range){ lo, hi };
	}
	return 1;
}

static int
prepare(void)
{
	Dl_info me;

	if (maps != NULL)
		return 0;
	maps_text = tt_map_reserve(MAPS_BUF);
	maps = tt_map_reserve(MAX_MAPS * sizeof(*maps));
	excl = tt_map_reserve(MAX_EXCL * sizeof(*excl));
	files = tt_map_reserve(MAX_MAPS * sizeof(*files));
	code = tt_map_reserve(MAX_MAPS * sizeof(*code));
	if (maps_text == NULL || maps == NULL || excl == NULL || files == NULL || code == NULL)
		return -ENOMEM;
	if (dladdr((void *)prepare, &me) != 0)
		dl_iterate_phdr(self_segments, &me);
	return 0;
}

static size_t nmaps;

/* One mapping into maps[], classified for the scan. */
static int
add_map(const struct tt_maps_line *l, void *arg)
{
	struct map *m = &maps[nmaps++];
	const char *name = l->name;

	(void)arg;
	*m = (struct map){ .lo = l->lo, .hi = l->hi, .r = l->r, .w = l->w, .x = l->x };
	if (*name == '\0' || strncmp(name, "[anon:", 6) == 0 ||
	    strncmp(name, "[heap]", 6) == 0 || strncmp(name, "[stack", 6) == 0)
		m->kind = KIND_ANON;
	else if (strncmp(name, "/dev/", 5) == 0 && strncmp(name, "/dev/zero", 9) != 0 &&
		 strncmp(name, "/dev/shm/", 9) != 0)
		m->kind = KIND_SKIP;	/* device memory: reading may act */
	else if (*name == '[')
		m->kind = KIND_SKIP;	/* vdso, vvar, vsyscall */
	else
		m->kind = KIND_FILE;
	return nmaps == MAX_MAPS;
}

/* /proc/self/maps into maps[], read with raw system calls. */
static void
read_maps(void)
{
	nmaps = 0;
	tt_proc_maps_each(maps_text, MAPS_BUF, add_map, NULL);
}

static const struct map *
map_of(const struct map *m, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++)
		if (a >= m[i].lo && a < m[i].hi)
			return &m[i];
	return NULL;
}

static size_t nexcl;

static void
exclude(uint64_t lo, uint64_t hi)
{
	if (lo < hi && nexcl < MAX_EXCL)
		excl[nexcl++] = (struct tt_range){ lo, hi };
}

static void
sort_ranges(struct tt_range *r, size_t n)
{
	for (size_t i = 1; i < n; i++) {	/* few and mostly sorted */
		struct tt_range x = r[i];
		size_t k = i;

		for (; k > 0 && r[k - 1].lo > x.lo; k--)
			r[k] = r[k - 1];
		r[k] = x;
	}
}

/* Whether a thread still runs on stack range r. */
static bool
stack_live(const struct tt_range *r, const struct tt_world *w)
{
	if (w->self_sp >= r->lo && w->self_sp < r->hi)
		return true;
	for (uint32_t i = 0; i < w->n; i++) {
		const struct tt_stopped *e = &w->t[i];
		struct tt_thread *t;

		if (e->state == TT_STOP_DONE && e->sp >= r->lo && e->sp < r->hi)
			return true;
		if (e->state == TT_STOP_FAILED && (t = tt_threads_by_tid(e->tid)) != NULL &&
		    t->stack_lo == r->lo)
			return true;
	}
	return false;
}

/* Where root memory goes: the classifier, or a reachability pass. */
struct sink {
	void (*fn)(void *ctx, const void *words, size_t len, uint64_t at);
	void *ctx;
};

static void
to_scan(void *ctx, const void *words, size_t len, uint64_t at)
{
	tt_scan_root(ctx, words, len, at);
}

static void
to_reach(void *ctx, const void *words, size_t len, uint64_t at)
{
	(void)at;
	tt_reach_root(ctx, words, len);
}

/* Scan [lo, hi) through a safe copy, skipping pages never touched. */
static void
scan_copy(const struct sink *k, uint64_t lo, uint64_t hi, uint32_t *flags)
{
	pid_t pid = (pid_t)syscall(SYS_getpid);
	unsigned char vec[CHUNK / 4096];

	lo &= ~7ull;
	for (uint64_t a = lo; a < hi; a += CHUNK - (a % CHUNK)) {
		uint64_t end = a + (CHUNK - a % CHUNK);
		struct iovec local, remote;
		bool any = false;
		long got;

		if (end > hi)
			end = hi;
		if (syscall(SYS_mincore, (void *)(uintptr_t)(a & ~4095ull),
			    ((end - (a & ~4095ull)) + 4095) & ~4095ull, vec) == 0) {
			for (uint64_t p = 0; p < ((end - (a & ~4095ull)) + 4095) / 4096; p++)
				any |= vec[p] & 1;
			if (!any)
				continue;
		}
		local = (struct iovec){ chunk, end - a };
		remote = (struct iovec){ (void *)(uintptr_t)a, end - a };
		got = syscall(SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0);
		if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
			k->fn(k->ctx, (const void *)(uintptr_t)a, end - a, a);
			continue;
		}
		if (got < (long)(end - a))
			*flags |= TT_SCAN_INCOMPLETE;
		if (got > 0)
			k->fn(k->ctx, chunk, (size_t)got, a);
	}
}

/* Scan mapping m less the excluded ranges (sorted). */
static void
scan_map(const struct sink *k, const struct map *m, uint32_t *flags)
{
	uint64_t at = m->lo;

	for (size_t i = 0; i < nexcl && at < m->hi; i++) {
		if (excl[i].hi <= at)
			continue;
		if (excl[i].lo >= m->hi)
			break;
		if (excl[i].lo > at)
			scan_copy(k, at, excl[i].lo, flags);
		if (excl[i].hi > at)
			at = excl[i].hi;
	}
	if (at < m->hi)
		scan_copy(k, at, m->hi, flags);
}

static void
scan_world(struct tt_scan *s, struct tt_world *w, uint32_t *flags)
{
	const struct sink k = { to_scan, s };
	size_t nfiles = 0, ncode = 0;
	const struct tt_range *seen;
	const uint64_t *seen_tp;
	size_t nseen = tt_stacks_seen(&seen, &seen_tp);
	const struct map *m;
	size_t own;

	read_maps();
	/* Heuristic ranges: vtables live in file mappings and point to code. */
	for (size_t i = 0; i < nmaps; i++) {
		if (maps[i].r && maps[i].kind == KIND_FILE)
			files[nfiles++] = (struct tt_range){ maps[i].lo, maps[i].hi };
		if (maps[i].x && maps[i].kind == KIND_FILE)
			code[ncode++] = (struct tt_range){ maps[i].lo, maps[i].hi };
	}
	s->files = files;
	s->nfiles = nfiles;
	s->code = code;
	s->ncode = ncode;

	/* Not roots: tether's memory, dead stack parts. */
	nexcl = 0;
	own = tt_own_ranges(excl, MAX_EXCL / 2);
	if (own > MAX_EXCL / 2) {
		*flags |= TT_SCAN_INCOMPLETE;
		own = MAX_EXCL / 2;
	}
	nexcl = own;
	for (unsigned i = 0; i < nself_data; i++)
		exclude(self_data[i].lo, self_data[i].hi);
	if ((m = map_of(maps, nmaps, w->self_sp)) != NULL)
		exclude(m->lo, w->self_sp);
	for (uint32_t i = 0; i < w->n; i++) {
		const struct tt_stopped *e = &w->t[i];

		if (e->state == TT_STOP_DONE && (m = map_of(maps, nmaps, e->sp)) != NULL &&
		    e->sp - RED_ZONE > m->lo)
			exclude(m->lo, e->sp - RED_ZONE);
	}
	/* A stack whose thread ended (joined, or cached by glibc for reuse)
	 * holds stale pointers up to its thread descriptor; the descriptor
	 * itself is live glibc data (the TLS vector, a joinable thread's
	 * return value). */
	for (size_t i = 0; i < nseen; i++) {
		struct tt_range r = seen[i];

		if (stack_live(&r, w))
			continue;
		exclude(r.lo, seen_tp[i] > r.lo && seen_tp[i] < r.hi ? seen_tp[i] : r.hi);
	}
	sort_ranges(excl, nexcl);

	/* Registers, then memory. */
	for (uint32_t i = 0; i < w->n; i++)
		if (w->t[i].state == TT_STOP_DONE)
			tt_scan_root(s, w->t[i].regs, w->t[i].nregs * 8u, 0);
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].r && maps[i].w && maps[i].kind != KIND_SKIP)
			scan_map(&k, &maps[i], flags);
}

/*
 * Threads that can never wake, found while the world is still stopped.
 *
 * A thread blocked (claimed in its wrapper) on a mutex, rwlock, condition
 * variable, semaphore or barrier can be woken only by a thread that can
 * reach the object; one blocked in a join, only by the joined thread
 * ending.  As Go's goroutine-leak profile does, the roots here leave out
 * the stacks and registers of those blocked threads: everything else
 * (module data, the stacks of threads that run, or wait for an fd, a
 * signal or a time-out, tether's own caller, anonymous memory) is marked
 * through the heap, any pointer into a block reaching it.  A blocked
 * thread whose object was reached, or whose object lies outside the heap
 * and outside every blocked thread's stack (a global), or on the stack of
 * a thread found able to run, or that a pointer seen on the way points
 * into, can run again: its stack and registers become roots too, and the
 * marking goes on until nothing changes.  The threads left can never wake.
 */
#define MAX_BLOCKED 256

struct blocked {
	struct tt_thread *t;
	const struct tt_stopped *e;
	uint32_t call;		/* its wait, read once: it stays claimed */
	uint64_t since_ns;
	uint64_t obj;
	struct tt_range live;	/* its stack from the stack pointer */
	struct tt_range whole;	/* its stack mapping */
	int target;		/* a join: the joined thread's index, or -1 */
	bool awake;
};

static struct blocked blocked[MAX_BLOCKED];
static struct tt_range watch[MAX_BLOCKED];
static uint8_t watch_seen[MAX_BLOCKED];

/* Bytes of the object a call waits on; 0 for a call that may wake alone. */
static uint64_t
object_size(uint32_t call)
{
	switch (call) {
	case TT_WAIT_MUTEX_LOCK: return sizeof(pthread_mutex_t);
	case TT_WAIT_RWLOCK_RDLOCK:
	case TT_WAIT_RWLOCK_WRLOCK: return sizeof(pthread_rwlock_t);
	case TT_WAIT_COND_WAIT: return sizeof(pthread_cond_t);
	case TT_WAIT_BARRIER_WAIT: return sizeof(pthread_barrier_t);
	case TT_WAIT_SEM_WAIT: return sizeof(sem_t);
	case TT_WAIT_JOIN: return 1;
	default: return 0;	/* timed, or fd, sleep, signal: not stuck for good */
	}
}

/* The blocked thread whose stack mapping holds a, or -1. */
static int
stack_owner(size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++)
		if (a >= blocked[i].whole.lo && a < blocked[i].whole.hi)
			return (int)i;
	return -1;
}

static bool
can_wake(const struct tt_reach *r, size_t n, size_t c)
{
	const struct blocked *b = &blocked[c];
	long i;
	int k;

	if (b->call == TT_WAIT_JOIN)
		return b->target < 0 || blocked[b->target].awake;
	if ((i = tt_scan_find(r->s, b->obj)) >= 0)
		return tt_reach_marked(r, i);
	if ((k = stack_owner(n, b->obj)) >= 0)
		return watch_seen[c] || ((size_t)k != c && blocked[k].awake);
	return true;
}

static void
find_stuck(struct tt_scan *s, struct tt_world *w, uint32_t *flags)
{
	struct tt_leak_result *res = &tt_leak_result;
	struct tt_reach r;
	struct sink k = { to_reach, &r };
	size_t n = 0;
	bool any, changed;

	res->nstuck = 0;
	for (uint32_t i = 0; i < w->n && n < MAX_BLOCKED; i++) {
		const struct tt_stopped *e = &w->t[i];
		struct tt_thread *t = e->claimed;
		const struct map *m;
		uint32_t call;

		if (t == NULL || e->state != TT_STOP_DONE)
			continue;
		call = (uint32_t)atomic_load_explicit(&t->wait.call, memory_order_acquire);
		if (object_size(call) == 0 || t->wait.object == 0 ||
		    (m = map_of(maps, nmaps, e->sp)) == NULL)
			continue;
		blocked[n] = (struct blocked){
			.t = t, .e = e, .call = call, .since_ns = t->wait.since_ns, .obj = t->wait.object,
			.live = { e->sp - RED_ZONE > m->lo ? e->sp - RED_ZONE : m->lo, m->hi },
			.whole = { m->lo, m->hi }, .target = -1,
		};
		watch[n] = (struct tt_range){ t->wait.object, t->wait.object + object_size(call) };
		watch_seen[n] = 0;
		n++;
	}
	/* Objects outside the heap and every blocked stack (globals) need no
	 * marking: someone can always reach them. */
	any = false;
	for (size_t c = 0; c < n; c++) {
		struct blocked *b = &blocked[c];

		if (b->call == TT_WAIT_JOIN)
			b->target = stack_owner(n, b->obj);
		else if (tt_scan_find(s, b->obj) < 0 && stack_owner(n, b->obj) < 0)
			b->awake = true;
		any |= !b->awake;
	}
	if (!any || tt_reach_init(&r, s, watch, n, watch_seen) != 0)
		return;
	for (size_t c = 0; c < n; c++)
		if (!blocked[c].awake)
			exclude(blocked[c].live.lo, blocked[c].live.hi);
	sort_ranges(excl, nexcl);
	for (uint32_t i = 0; i < w->n; i++) {
		int c = stack_owner(n, w->t[i].sp);

		if (w->t[i].state == TT_STOP_DONE && (c < 0 || blocked[c].awake))
			tt_reach_root(&r, w->t[i].regs, w->t[i].nregs * 8u);
	}
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].r && maps[i].w && maps[i].kind != KIND_SKIP)
			scan_map(&k, &maps[i], flags);
	do {
		changed = false;
		tt_reach_drain(&r);
		for (size_t c = 0; c < n; c++) {
			struct blocked *b = &blocked[c];

			if (b->awake || !can_wake(&r, n, c))
				continue;
			b->awake = changed = true;
			tt_reach_root(&r, b->e->regs, b->e->nregs * 8u);
			scan_copy(&k, b->live.lo, b->live.hi, flags);
		}
	} while (changed);
	for (size_t c = 0; c < n && res->nstuck < TT_LEAK_MAX_STUCK; c++)
		if (!blocked[c].awake)
			res->stuck[res->nstuck++] = (struct tt_leak_stuck){
				.num = blocked[c].t->num, .since_ns = blocked[c].since_ns,
			};
	tt_reach_free(&r);
}

bool
tt_leak_stuck(uint32_t num, uint64_t since_ns)
{
	for (uint32_t i = 0; tt_leak_result.valid && i < tt_leak_result.nstuck; i++)
		if (tt_leak_result.stuck[i].num == num && tt_leak_result.stuck[i].since_ns == since_ns)
			return true;
	return false;
}

/* The scan proper, below the caller's spilled registers. */
__attribute__((noinline)) static int
scan_below(uint64_t self_sp, uint64_t mark_ns, uint32_t flags)
{
	struct tt_leak_result *r = &tt_leak_result;
	uint64_t start = tt_now_ns();
	struct tt_world w;
	const uint32_t *pending;
	size_t npending;
	uint32_t high;
	int err;

	tt_leak_drop();
	high = tt_blocks_high();
	err = tt_scan_init(&r->scan, high + 1);
	if (err < 0)
		return err;
	tt_world_stop(&w);
	/* Frees noted in the threads' free queues and not yet recorded: their
	 * blocks are left out.  No stopped thread is held halfway through
	 * noting or recording one (the recorder raises tt_lock_depth). */
	pending = tt_freeq_pending(TT_FREEQ_SCAN, &npending);
	w.self_sp = self_sp;
	for (uint32_t i = 1; i < high; i++) {
		struct tt_block_copy b;

		if (tt_blocks_read(i, &b) && !tt_freeq_has(pending, npending, i))
			tt_scan_add(&r->scan, b.addr, b.size, b.stack, b.thread, b.time_ns);
	}
	tt_scan_sort(&r->scan);
	scan_world(&r->scan, &w, &flags);
	tt_scan_finish(&r->scan);
	find_stuck(&r->scan, &w, &flags);
	tt_world_resume(&w);
	r->rec = (struct tt_rec_scan){
		.duration_ns = tt_now_ns() - start,
		.root_bytes = r->scan.root_bytes,
		.mark_ns = mark_ns,
		.threads_stopped = w.stopped,
		.threads_unstopped = w.failed,
		.flags = flags,
	};
	r->valid = true;
	return 0;
}

#define SCRUB_BYTES 2048	/* more than tether's frames above the scan's */

__attribute__((noinline)) void
tt_leak_scrub_stack(void)
{
	unsigned char pad[SCRUB_BYTES];

	memset(pad, 0, sizeof(pad));
	__asm__ volatile("" : : "r"(pad) : "memory");	/* keep the stores */
}

void __libc_freeres(void);

int
tt_leak_scan(uint64_t mark_ns, bool freeres)
{
	uint32_t flags = 0;
	uint64_t sp;
	int err;

	tt_tls.busy++;
	err = prepare();
	if (err == 0 && freeres) {
		/* as memcheck does at exit: libc's and libstdc++'s own buffers */
		void (*cxx_freeres)(void) =
			(void (*)(void))dlsym(RTLD_DEFAULT, "_ZN9__gnu_cxx9__freeresEv");

		if (cxx_freeres != NULL)
			cxx_freeres();
		__libc_freeres();
		flags |= TT_SCAN_FREERES;
	}
	if (err == 0) {
		__builtin_unwind_init();	/* the program's registers, to this frame */
#if defined(__x86_64__)
		__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
#else
		sp = (uint64_t)(uintptr_t)__builtin_frame_address(0) - 256;
#endif
		err = scan_below(sp, mark_ns, flags);
	}
	tt_tls.busy--;
	return err;
}

void
tt_leak_drop(void)
{
	if (tt_leak_result.valid || tt_leak_result.scan.b != NULL)
		tt_scan_free(&tt_leak_result.scan);
	tt_leak_result.valid = false;
	tt_leak_result.nstuck = 0;
}

void
tt_leak_count(uint64_t since_ns, struct tt_leak_count out[5])
{
	const struct tt_scan *s = &tt_leak_result.scan;

	memset(out, 0, 5 * sizeof(out[0]));
	if (!tt_leak_result.valid)
		return;
	for (size_t i = 0; i < s->n; i++) {
		const struct tt_scan_blk *b = &s->b[i];

		if (b->time_ns < since_ns || b->kind > 4)
			continue;
		out[b->kind].blocks++;
		out[b->kind].bytes += b->size;
	}
}
