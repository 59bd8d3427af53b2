/*
 * unwind.c - stack capture.  By default (TETHER_UNWIND=auto) tether walks
 * the stack itself with the rules of cfi.h, one table lookup and two
 * bounded loads per frame; a stack with a frame those rules do not cover is
 * captured again by libunwind's unw_backtrace(), which walks the DWARF
 * call-frame information with a per-thread cache of decoded entries.
 * A per-thread memo answers a stack that repeats without walking it (see
 * "The stack memo" below).  TETHER_UNWIND=libunwind uses libunwind only,
 * TETHER_UNWIND=check both, counting the stacks on which they differ, and
 * checks every memo answer.  Frames inside libtether.so
 * (the wrapper, the recorder, the trampolines around main and thread start
 * routines) are dropped by address range, so the first frame kept is the
 * caller of malloc, whatever the compiler inlined.
 */
#define UNW_LOCAL_ONLY
#include "unwind.h"

#include <link.h>
#include <libunwind.h>
#include <string.h>
#include <ucontext.h>

#include "cfi.h"
#include "internal.h"
#include "io.h"
#include "modules.h"
#include "options.h"
#include "table.h"
#include "threads.h"
#include "tls.h"

extern struct tt_opts tt_opts;

enum { MODE_AUTO, MODE_LIBUNWIND, MODE_CHECK };

/* The stack memo (see struct memo): entries per thread, stack words per
 * entry (two per frame at most, a stack needing more is not kept). */
#define TT_MEMO_BITS 5
#define TT_MEMO_ENTRIES (1u << TT_MEMO_BITS)
#define TT_MEMO_WORDS 48
#define TT_MEMO_SEEN 3	/* misses in a row of one stack that take the entry */

struct tt_stack_memo;
static struct tt_stack_memo *memos;	/* one per thread registry slot */
static uint64_t memos_n;
static void memo_reserve(void);
static int mode = MODE_LIBUNWIND;	/* until tt_unwind_init() */

static struct {
	_Atomic uint64_t stacks;	/* check mode: stacks compared */
	_Atomic uint64_t mismatches;	/* check mode: of which different */
	_Atomic uint64_t fallbacks;	/* stacks left to libunwind */
	_Atomic uint64_t bounds;	/* walks stopped at the stack's bounds */
	_Atomic uint64_t memo_hits;	/* check mode: memo answers compared */
	_Atomic uint64_t memo_mismatches; /* check mode: of which wrong */
} st;

static uintptr_t self_lo, self_hi;

static int
find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t want = (uintptr_t)data;
	uint64_t lo, hi;

	(void)size;
	tt_phdr_range(info, &lo, &hi);
	if (want >= lo && want < hi) {
		self_lo = lo;
		self_hi = hi;
		return 1;
	}
	return 0;
}

/*
 * libunwind is set up at its first use, not at start: its set-up (a pipe,
 * signal masks, mincore) cost every process about 55 us, and most
 * processes never need it.  Whoever comes first sets the
 * per-thread caching policy; the others wait for it, since a policy that
 * changes under a walk in progress would leave libunwind's global cache
 * lock taken.  The one case where waiting cannot end, a signal handler
 * that interrupted the set-up in its own thread, gets no libunwind.
 * Return: true when libunwind may be used.
 */
static _Atomic uint32_t unw_setter;	/* thread number setting up; UINT32_MAX: done */

static bool
libunwind_ready(void)
{
	uint32_t who = atomic_load_explicit(&unw_setter, memory_order_acquire), none = 0;
	uint32_t me = tt_tls.thread ? tt_tls.thread : UINT32_MAX - 1;

	if (who == UINT32_MAX)
		return true;
	if (who == 0 && atomic_compare_exchange_strong(&unw_setter, &none, me)) {
		unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
		atomic_store_explicit(&unw_setter, UINT32_MAX, memory_order_release);
		return true;
	}
	if (who == me)
		return false;
	while (atomic_load_explicit(&unw_setter, memory_order_acquire) != UINT32_MAX)
		;
	return true;
}

int
tt_unwind_init(void)
{
	const char *m = tt_opts.unwind;

	dl_iterate_phdr(find_self, (void *)(uintptr_t)&tt_unwind_init);
	memo_reserve();
	if (m == NULL || strcmp(m, "auto") == 0 || strcmp(m, "") == 0)
		mode = MODE_AUTO;
	else if (strcmp(m, "libunwind") == 0)
		mode = MODE_LIBUNWIND;
	else if (strcmp(m, "check") == 0)
		mode = MODE_CHECK;
	else
		return -1;
	return 0;
}

void
tt_unwind_modules_changed(void)
{
	tt_cfi_invalidate();
}

void
tt_unwind_report(void)
{
	if (mode == MODE_LIBUNWIND || !(mode == MODE_CHECK || tt_opts.verbose))
		return;
	if (mode == MODE_CHECK) {
		tt_say("TETHER_UNWIND=check: %llu stacks compared, %llu differ",
		       (unsigned long long)st.stacks, (unsigned long long)st.mismatches);
		tt_say("TETHER_UNWIND=check: %llu memo answers compared, %llu differ",
		       (unsigned long long)st.memo_hits,
		       (unsigned long long)st.memo_mismatches);
	}
	tt_say("unwind: %llu stacks left to libunwind, %llu walks stopped at the stack's "
	       "bounds; %llu rules read (%llu for libunwind), %llu not cached",
	       (unsigned long long)st.fallbacks, (unsigned long long)st.bounds,
	       (unsigned long long)tt_cfi_stats.rules,
	       (unsigned long long)tt_cfi_stats.slow_rules,
	       (unsigned long long)tt_cfi_stats.uncached);
}

bool
tt_self_contains(uintptr_t pc)
{
	return pc >= self_lo && pc < self_hi;
}

/*
 * A walk with cfi.h's rules, in two steps: walk_enter() steps through
 * tether's own frames at the inner end (compiled with frame pointers) to
 * the first frame outside tether, walk_rest() steps from there by rule.
 * Every stack word walk_rest() reads is noted, with its offset from that
 * first frame's stack pointer, for the stack memo.
 */
struct walk {
	uintptr_t lo, span;	/* readable stack: [lo, lo + span) */
	uintptr_t pc, sp, rbp;	/* at the first frame outside tether */
	unsigned raw;		/* frames still allowed, tether's included */
	uint32_t gen;		/* tt_cfi_gen */
	/* notes */
	unsigned n;		/* words read; more than TT_MEMO_WORDS: not kept */
	bool rbp_used;		/* a rule read the starting RBP */
	uint32_t at[TT_MEMO_WORDS];
	uintptr_t val[TT_MEMO_WORDS];
};

/*
 * Into *w the state at the first frame outside tether: the caller's frame
 * of a frame whose RBP is b has its return address at b + 8, its RBP at b
 * and its RSP at b + 16.  Every stack read is bounded to [this frame, the
 * top of the thread's stack].
 * Return: 1, 0 when the allowed frames ran out (no frames), -1 when
 * libunwind must do this stack.
 */
static inline __attribute__((always_inline)) int
walk_enter(struct walk *w, unsigned max)
{
#if defined(__x86_64__)
	const uintptr_t *fp = __builtin_frame_address(0);
	struct tt_thread *self = tt_tls.self;
	uintptr_t lo = (uintptr_t)fp, span, pc, rbp;

	if (self == NULL || lo < self->stack_lo || lo + 16 > self->stack_hi)
		return -1;	/* unknown bounds, or an alternate signal stack */
	span = self->stack_hi - lo;
	w->lo = lo;
	w->span = span;
	w->raw = max + TT_SKIP_SLACK;
	w->gen = atomic_load_explicit(&tt_cfi_gen, memory_order_relaxed);
	w->n = 0;
	w->rbp_used = false;
	pc = fp[1];
	w->sp = (uintptr_t)(fp + 2);
	rbp = fp[0];
	while (pc >= self_lo && pc < self_hi) {
		if (w->raw-- == 0)
			return 0;
		if (tt_unlikely(rbp - lo > span - 16)) {
			atomic_fetch_add_explicit(&st.bounds, 1, memory_order_relaxed);
			return 0;
		}
		w->sp = rbp + 16;
		pc = ((const uintptr_t *)rbp)[1];
		rbp = ((const uintptr_t *)rbp)[0];
	}
	w->pc = pc;
	w->rbp = rbp;
	return 1;
#else
	(void)w; (void)max;
	return -1;
#endif
}

/* Where a walk is, between steps. */
struct cursor {
	uintptr_t pc, sp, rbp;
	unsigned raw, kept, n;	/* frames allowed, frames stored, words noted */
	bool rbp_read;		/* rbp came from the stack, not the start */
};

enum { WALK_DONE, WALK_MORE, WALK_SLOW };

/*
 * Steps of walk_rest(), with the words read noted (note) until at[] is
 * full, when it returns WALK_MORE, or without; the two are one source so
 * that the stacks too deep for the memo pay nothing for it past at[].
 */
static inline __attribute__((always_inline)) int
walk_steps(struct walk *w, struct cursor *c, uintptr_t *out, unsigned max,
	   bool *truncated, const bool note)
{
	const uintptr_t my_lo = self_lo, my_hi = self_hi, lo = w->lo, span = w->span;
	const uintptr_t sp0 = w->sp;
	uintptr_t pc = c->pc, sp = c->sp, rbp = c->rbp;
	const uint32_t gen = w->gen;
	unsigned raw = c->raw, kept = c->kept, n = c->n;
	bool rbp_read = c->rbp_read, rbp_used = false;
	int ret = WALK_DONE;

	while (raw > 0) {
		uint64_t rule;
		uintptr_t cfa;

		if (note && n + 2 > TT_MEMO_WORDS) {
			ret = WALK_MORE;
			break;
		}
		raw--;
		if (tt_unlikely(pc >= my_lo && pc < my_hi)) {
			/* a trampoline at the outer end: not kept */
		} else if (kept < max) {
			out[kept++] = pc;
		} else {
			*truncated = true;
			break;
		}
		rule = tt_cfi_rule(pc, gen);
		if (tt_unlikely(TT_CFI_KIND(rule) != TT_CFI_STEP)) {
			if (TT_CFI_KIND(rule) != TT_CFI_END)
				ret = WALK_SLOW;
			break;
		}
		if (rule & TT_CFI_CFA_RBP) {
			cfa = rbp;
			if (note)
				rbp_used |= !rbp_read;
		} else {
			cfa = sp;
		}
		cfa += (uintptr_t)TT_CFI_CFA_OFF(rule);
		/* cfa - 8 and cfa + rbp_off inside [lo, lo + span - 8], and the
		 * frames going up the stack (the return address at or above the
		 * frame's stack pointer) */
		if (tt_unlikely(cfa - 8 - lo > span - 8 || cfa < sp + 8))
			goto out_of_bounds;
		if (rule & TT_CFI_RBP_SAVED) {
			uintptr_t at = cfa + (uintptr_t)TT_CFI_RBP_OFF(rule);

			if (tt_unlikely(at - lo > span - 8))
				goto out_of_bounds;
			rbp = *(const uintptr_t *)at;
			if (note) {
				rbp_read = true;
				if (tt_unlikely(at < sp0))
					n = TT_MEMO_WORDS;	/* below the start: not kept */
				else {
					w->at[n] = (uint32_t)(at - sp0);
					w->val[n++] = rbp;
				}
			}
		}
		pc = ((const uintptr_t *)cfa)[-1];
		if (note) {
			w->at[n] = (uint32_t)(cfa - 8 - sp0);
			w->val[n++] = pc;
		}
		sp = cfa;
		if (pc == 0)
			break;
	}
	c->pc = pc;
	c->sp = sp;
	c->rbp = rbp;
	c->raw = raw;
	c->kept = kept;
	c->n = n;
	c->rbp_read = rbp_read;
	w->rbp_used |= rbp_used;
	return ret;
out_of_bounds:
	atomic_fetch_add_explicit(&st.bounds, 1, memory_order_relaxed);
	c->kept = kept;
	c->n = n;
	w->rbp_used |= rbp_used;
	return WALK_DONE;
}

/*
 * The rest of the walk, into out as tt_unwind_capture() returns it: the
 * same frames as unw_backtrace(max + TT_SKIP_SLACK) filtered by
 * keep_frames() would give.  Each frame costs a rule lookup and two loads;
 * the frames must go up the stack, and a return address is followed only
 * once its rule says that a module's CFI covers it.  With note, the words
 * read are noted in w for the memo while they fit.
 * Return: frames stored, or -1 when libunwind must do this stack.
 */
static inline __attribute__((always_inline)) int
walk_rest(struct walk *w, uintptr_t *out, unsigned max, bool *truncated, const bool note)
{
	struct cursor c = { .pc = w->pc, .sp = w->sp, .rbp = w->rbp, .raw = w->raw };
	int r = WALK_MORE;

	*truncated = false;
	if (note)
		r = walk_steps(w, &c, out, max, truncated, true);
	if (r == WALK_MORE) {
		r = walk_steps(w, &c, out, max, truncated, false);
		c.n = TT_MEMO_WORDS + 1;	/* too deep for the memo */
	}
	/* a stack too tall for at[]'s offsets is not kept either */
	w->n = w->lo + w->span - w->sp > UINT32_MAX ? TT_MEMO_WORDS + 1 : c.n;
	return r == WALK_SLOW ? -1 : (int)c.kept;
}

static __attribute__((noinline)) int
walk_cfi(uintptr_t *out, unsigned max, bool *truncated)
{
	struct walk w;
	int r = walk_enter(&w, max);

	*truncated = false;
	return r <= 0 ? r : walk_rest(&w, out, max, truncated, false);
}

/* Drop tether's frames wherever they are: the wrappers at the inner end,
 * trampolines (main, thread start) at the outer end. */
static unsigned
keep_frames(const uintptr_t *buf, int n, uintptr_t *out, unsigned max, bool *truncated)
{
	unsigned kept = 0;

	*truncated = false;
	for (int i = 0; i < n; i++) {
		if (tt_self_contains(buf[i]))
			continue;
		if (kept == max) {
			*truncated = true;
			break;
		}
		out[kept++] = buf[i];
	}
	return kept;
}

static unsigned
capture_libunwind(uintptr_t *out, unsigned max, bool *truncated)
{
	void **buf = tt_tls.frames;
	int n = libunwind_ready() ? unw_backtrace(buf, (int)(max + TT_SKIP_SLACK)) : 0;

	return keep_frames((const uintptr_t *)(void *)buf, n, out, max, truncated);
}

static void
say_frames(const char *what, const uintptr_t *f, unsigned n, bool truncated)
{
	char line[400];
	size_t len = 0;

	for (unsigned i = 0; i < n && len + 20 < sizeof(line); i++)
		len += tt_fmt(line + len, sizeof(line) - len, " %llx", (unsigned long long)f[i]);
	line[len] = '\0';
	tt_say("  %s (%u%s):%s", what, n, truncated ? ", truncated" : "", line);
}

static __attribute__((noinline)) unsigned
capture_check(uintptr_t *out, unsigned max, bool *truncated)
{
	uintptr_t kept[TT_MAX_DEPTH];
	void **buf = tt_tls.frames;
	int n = libunwind_ready() ? unw_backtrace(buf, (int)(max + TT_SKIP_SLACK)) : 0;
	unsigned nk, nl = keep_frames((const uintptr_t *)(void *)buf, n, out, max, truncated);
	bool tr;
	int m = walk_cfi(kept, max, &tr);

	atomic_fetch_add_explicit(&st.stacks, 1, memory_order_relaxed);
	if (m < 0) {
		atomic_fetch_add_explicit(&st.fallbacks, 1, memory_order_relaxed);
		return nl;
	}
	nk = (unsigned)m;
	if (nk != nl || tr != *truncated || memcmp(kept, out, nk * sizeof(*out)) != 0) {
		uint64_t bad = atomic_fetch_add_explicit(&st.mismatches, 1, memory_order_relaxed);

		if (bad < 5) {
			tt_say("TETHER_UNWIND=check: stacks differ:");
			say_frames("libunwind", out, nl, *truncated);
			say_frames("tether", kept, nk, tr);
		}
	}
	return nl;
}

unsigned
tt_unwind_capture(uintptr_t *out, unsigned max, bool *truncated)
{
	int n;

	if (tt_likely(mode == MODE_AUTO)) {
		n = walk_cfi(out, max, truncated);
		if (tt_likely(n >= 0))
			return (unsigned)n;
		atomic_fetch_add_explicit(&st.fallbacks, 1, memory_order_relaxed);
	} else if (mode == MODE_CHECK) {
		return capture_check(out, max, truncated);
	}
	return capture_libunwind(out, max, truncated);
}

/*
 * The stack memo: per thread, the stacks last walked, each kept with the
 * state its walk started from (return address, stack pointer and RBP at
 * the first frame outside tether, the frames allowed, the rules'
 * generation) and every stack word the walk read.  The walk is a function
 * of exactly these, so when they are all the same again the stack is the
 * same, and its interned id is reused: a compare per word instead of a
 * rule lookup per frame and the stack table's hash and compare.  The
 * starting RBP counts only when a rule read it (code without frame
 * pointers keeps a variable there).  Every word noted lies between the
 * starting stack pointer and the top of the thread's stack, so reading it
 * again from the same thread at the same stack pointer is in bounds.
 */
struct memo {
	uintptr_t pc, sp, rbp;
	uint64_t cand;		/* the last miss's stack and start (memo_admit) */
	uint32_t seen;		/* its misses in a row, less one */
	uint32_t stack;		/* interned id; 0 = empty */
	uint32_t gen;
	uint16_t raw;
	uint8_t fn;
	uint8_t n;		/* words in at[] and val[] */
	bool rbp_used;
	uint32_t at[TT_MEMO_WORDS];
	uintptr_t val[TT_MEMO_WORDS];
};

struct tt_stack_memo {
	struct memo e[TT_MEMO_ENTRIES];
};

static void
memo_reserve(void)
{
	memos_n = tt_opts.max_threads;
	memos = tt_map_reserve(memos_n * sizeof(*memos));	/* NULL: no memo */
}

static inline struct memo *
memo_slot(struct tt_stack_memo *set, const struct walk *w, unsigned fn)
{
	uint64_t h = (w->pc ^ (w->sp >> 4) * 0x9e3779b97f4a7c15ull ^ fn) * 0xff51afd7ed558ccdull;

	return &set->e[h >> (64 - TT_MEMO_BITS)];
}

static inline bool
memo_hit(const struct memo *m, const struct walk *w, unsigned fn)
{
	if (m->stack == 0 || m->pc != w->pc || m->sp != w->sp || m->fn != fn ||
	    m->raw != w->raw || m->gen != w->gen || (m->rbp_used && m->rbp != w->rbp))
		return false;
	for (unsigned i = 0; i < m->n; i++)
		if (*(const uintptr_t *)(w->sp + m->at[i]) != m->val[i])
			return false;
	return true;
}

static void
memo_fill(struct memo *m, const struct walk *w, unsigned fn, uint32_t stack)
{
	m->stack = 0;
	if (w->n > TT_MEMO_WORDS || stack == 0)
		return;	/* too deep to keep, or not interned */
	m->pc = w->pc;
	m->sp = w->sp;
	m->rbp = w->rbp;
	m->gen = w->gen;
	m->raw = (uint16_t)w->raw;
	m->fn = (uint8_t)fn;
	m->n = (uint8_t)w->n;
	m->rbp_used = w->rbp_used;
	memcpy(m->at, w->at, w->n * sizeof(*w->at));
	memcpy(m->val, w->val, w->n * sizeof(*w->val));
	m->stack = stack;
}

/*
 * After a miss: keep this stack in m only if m is empty or the last
 * TT_MEMO_SEEN misses at m were this same stack from this same start, so
 * that a call site that repeats takes the entry, and a stream of different
 * stacks (a compiler's, say) pays little more than this check; nor is a
 * stack kept that is likely too deep for at[] (more than TT_MEMO_WORDS / 2
 * frames).  Keeping walks the stack again, noting the words read.
 * Measured on gcc -O2 -c (cc1, 1M allocations, few repeats): admitting at
 * the first repeat cost +3.9% instructions, at the third +1.7%.
 */
static void
memo_admit(struct memo *m, struct walk *w, unsigned fn, uint32_t id, unsigned depth,
	   uintptr_t *frames)
{
	uint64_t cand = (uint64_t)id << 32 | (uint32_t)(w->pc ^ w->sp ^ fn);
	bool truncated;

	if (depth > TT_MEMO_WORDS / 2 || id == 0)
		return;
	if (m->stack != 0 && (m->cand != cand || ++m->seen < TT_MEMO_SEEN)) {
		if (m->cand != cand)
			m->seen = 0;
		m->cand = cand;
		return;
	}
	m->cand = 0;
	m->seen = 0;
	if (walk_rest(w, frames, (unsigned)tt_opts.stack_depth, &truncated, true) >= 0)
		memo_fill(m, w, fn, id);
}

/* The calling thread's memo, cleared when it first uses its registry
 * slot's (the slot's last thread may have left entries). */
static __attribute__((noinline)) struct tt_stack_memo *
memo_first(void)
{
	struct tt_thread *self = tt_tls.self;
	struct tt_stack_memo *set;
	uint64_t i;

	if (memos == NULL || self == NULL)
		return NULL;
	i = (uint64_t)(self - tt_threads_slot(0));
	if (i >= memos_n)
		return NULL;
	set = &memos[i];
	for (unsigned k = 0; k < TT_MEMO_ENTRIES; k++)
		set->e[k].stack = 0, set->e[k].cand = 0;
	tt_tls.memo = set;
	return set;
}

static inline struct tt_stack_memo *
memo_self(void)
{
	struct tt_stack_memo *set = tt_tls.memo;

	return tt_likely(set != NULL) ? set : memo_first();
}

/* The stack id as TETHER_UNWIND=auto finds it: the memo (then *hit is
 * set, when hit is not NULL), else a walk. */
static inline __attribute__((always_inline)) uint32_t
stack_auto(unsigned fn, struct tt_stack_memo *set, bool *hit)
{
	unsigned max = (unsigned)tt_opts.stack_depth;
	uintptr_t frames[TT_MAX_DEPTH];
	bool truncated = false;
	struct memo *m;
	struct walk w;
	uint32_t id;
	int n;

	if ((n = walk_enter(&w, max)) > 0) {
		m = memo_slot(set, &w, fn);
		if (tt_likely(memo_hit(m, &w, fn))) {
			if (hit != NULL)
				*hit = true;
			return m->stack;
		}
		n = walk_rest(&w, frames, max, &truncated, false);
		if (tt_likely(n >= 0)) {
			id = tt_stacks_intern(frames, (unsigned)n, fn,
					      truncated ? TT_STACK_TRUNCATED : 0);
			memo_admit(m, &w, fn, id, (unsigned)n, frames);
			return id;
		}
	}
	if (n < 0) {
		atomic_fetch_add_explicit(&st.fallbacks, 1, memory_order_relaxed);
		n = (int)capture_libunwind(frames, max, &truncated);
	}
	return tt_stacks_intern(frames, (unsigned)n, fn, truncated ? TT_STACK_TRUNCATED : 0);
}

/* The stack id captured afresh by tt_unwind_capture(). */
static uint32_t
stack_fresh(unsigned fn)
{
	uintptr_t frames[TT_MAX_DEPTH];
	bool truncated;
	unsigned n = tt_unwind_capture(frames, (unsigned)tt_opts.stack_depth, &truncated);

	return tt_stacks_intern(frames, n, fn, truncated ? TT_STACK_TRUNCATED : 0);
}

/* TETHER_UNWIND=check: the memo's answer against a fresh capture (itself
 * compared with libunwind's). */
static __attribute__((noinline)) uint32_t
stack_check(unsigned fn, struct tt_stack_memo *set)
{
	bool hit = false;
	uint32_t memo = stack_auto(fn, set, &hit), fresh = stack_fresh(fn);

	if (!hit)
		return fresh;
	atomic_fetch_add_explicit(&st.memo_hits, 1, memory_order_relaxed);
	if (memo != fresh &&
	    atomic_fetch_add_explicit(&st.memo_mismatches, 1, memory_order_relaxed) < 5)
		tt_say("TETHER_UNWIND=check: the stack memo said stack %u, a fresh walk %u",
		       (unsigned)memo, (unsigned)fresh);
	return fresh;
}

uint32_t
tt_unwind_stack(unsigned fn)
{
	struct tt_stack_memo *set = mode != MODE_LIBUNWIND ? memo_self() : NULL;

	if (tt_likely(mode == MODE_AUTO && set != NULL))
		return stack_auto(fn, set, NULL);
	if (mode == MODE_CHECK && set != NULL)
		return stack_check(fn, set);
	return stack_fresh(fn);
}

unsigned
tt_unwind_capture_from(uint64_t ip, uint64_t sp, const uint64_t regs[6], uintptr_t *out,
		       unsigned max, bool *truncated)
{
	unsigned kept = 0;
#if defined(__x86_64__)
	unw_context_t uc;
	unw_cursor_t c;
	static const int saved[6] = { REG_RBX, REG_RBP, REG_R12, REG_R13, REG_R14, REG_R15 };

	*truncated = false;
	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)ip;
	uc.uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
	for (unsigned i = 0; i < 6; i++)
		uc.uc_mcontext.gregs[saved[i]] = (greg_t)regs[i];
	if (!libunwind_ready() || unw_init_local(&c, &uc) < 0)
		return 0;
	for (unsigned depth = 0; depth < max + TT_SKIP_SLACK; depth++) {
		unw_word_t pc;

		if (unw_get_reg(&c, UNW_REG_IP, &pc) < 0 || pc == 0)
			break;
		if (!tt_self_contains((uintptr_t)pc)) {
			if (kept == max) {
				*truncated = true;
				break;
			}
			out[kept++] = (uintptr_t)pc;
		}
		if (unw_step(&c) <= 0)
			break;
	}
#else
	(void)ip; (void)sp; (void)regs; (void)out; (void)max;
	*truncated = false;
#endif
	return kept;
}

bool
tt_unwind_is_internal_thread(void)
{
	void **buf = tt_tls.frames;
	int n = libunwind_ready() ? unw_backtrace(buf, TT_MAX_DEPTH) : 0, i = 0;

	while (i < n && tt_self_contains((uintptr_t)buf[i]))
		i++;	/* the wrapper and the recorder */
	for (; i < n; i++)
		if (tt_self_contains((uintptr_t)buf[i]))
			return true;
	return false;
}
