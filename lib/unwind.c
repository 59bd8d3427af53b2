/*
 * unwind.c - stack capture.  By default (TETHER_UNWIND=auto) tether walks
 * the stack itself with the rules of cfi.h, one table lookup and two
 * bounded loads per frame; a stack with a frame those rules do not cover is
 * captured again by libunwind's unw_backtrace(), which walks the DWARF
 * call-frame information with a per-thread cache of decoded entries.
 * TETHER_UNWIND=libunwind uses libunwind only, TETHER_UNWIND=check both,
 * counting the stacks on which they differ.  Frames inside libtether.so
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
#include "threads.h"
#include "tls.h"

extern struct tt_opts tt_opts;

enum { MODE_AUTO, MODE_LIBUNWIND, MODE_CHECK };
static int mode = MODE_LIBUNWIND;	/* until tt_unwind_init() */

static struct {
	_Atomic uint64_t stacks;	/* check mode: stacks compared */
	_Atomic uint64_t mismatches;	/* check mode: of which different */
	_Atomic uint64_t fallbacks;	/* stacks left to libunwind */
	_Atomic uint64_t bounds;	/* walks stopped at the stack's bounds */
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

int
tt_unwind_init(void)
{
	const char *m = tt_opts.unwind;

	dl_iterate_phdr(find_self, (void *)(uintptr_t)&tt_unwind_init);
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
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
	if (mode == MODE_CHECK)
		tt_say("TETHER_UNWIND=check: %llu stacks compared, %llu differ",
		       (unsigned long long)st.stacks, (unsigned long long)st.mismatches);
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
 * The walk with cfi.h's rules: the stack above this function's caller,
 * into out as tt_unwind_capture() returns it, the same frames as
 * unw_backtrace(max + TT_SKIP_SLACK) filtered by keep_frames() would give.
 * tether's own frames at the inner end (this function's callers up to the
 * wrapper) are compiled with frame pointers and stepped through by them;
 * then each frame costs a rule lookup and two loads.  Every stack read is
 * bounded to [this frame, the top of the thread's stack], and the frames
 * must go up the stack; a return address is followed only once its rule
 * says that a module's CFI covers it.
 * Return: frames stored, or -1 when libunwind must do this stack.
 */
static __attribute__((noinline)) int
walk_cfi(uintptr_t *out, unsigned max, bool *truncated)
{
#if defined(__x86_64__)
	const uintptr_t *fp = __builtin_frame_address(0);
	struct tt_thread *self = tt_tls.self;
	const uintptr_t my_lo = self_lo, my_hi = self_hi;
	uintptr_t lo = (uintptr_t)fp, span, pc, sp, rbp;
	uint32_t gen = atomic_load_explicit(&tt_cfi_gen, memory_order_relaxed);
	unsigned raw = max + TT_SKIP_SLACK, kept = 0;

	*truncated = false;
	if (self == NULL || lo < self->stack_lo || lo + 16 > self->stack_hi)
		return -1;	/* unknown bounds, or an alternate signal stack */
	span = self->stack_hi - lo;	/* readable: [lo, lo + span) */
	pc = fp[1];
	sp = (uintptr_t)(fp + 2);
	rbp = fp[0];
	/* tether's frames, by frame pointer: the caller's frame of a frame
	 * whose RBP is b has its return address at b + 8, its RBP at b and
	 * its RSP at b + 16. */
	while (pc >= my_lo && pc < my_hi) {
		if (raw-- == 0)
			return 0;
		if (tt_unlikely(rbp - lo > span - 16))
			goto out_of_bounds;
		sp = rbp + 16;
		pc = ((const uintptr_t *)rbp)[1];
		rbp = ((const uintptr_t *)rbp)[0];
	}
	while (raw-- > 0) {
		uint64_t rule;
		uintptr_t cfa;

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
			if (TT_CFI_KIND(rule) == TT_CFI_END)
				break;
			return -1;
		}
		cfa = ((rule & TT_CFI_CFA_RBP) ? rbp : sp) + (uintptr_t)TT_CFI_CFA_OFF(rule);
		/* cfa - 8 and cfa + rbp_off inside [lo, lo + span - 8], and the
		 * frames going up the stack */
		if (tt_unlikely(cfa - 8 - lo > span - 8 || cfa <= sp))
			goto out_of_bounds;
		if (rule & TT_CFI_RBP_SAVED) {
			uintptr_t at = cfa + (uintptr_t)TT_CFI_RBP_OFF(rule);

			if (tt_unlikely(at - lo > span - 8))
				goto out_of_bounds;
			rbp = *(const uintptr_t *)at;
		}
		pc = ((const uintptr_t *)cfa)[-1];
		sp = cfa;
		if (pc == 0)
			break;
	}
	return (int)kept;
out_of_bounds:
	atomic_fetch_add_explicit(&st.bounds, 1, memory_order_relaxed);
	return (int)kept;
#else
	(void)out; (void)max; (void)truncated;
	return -1;
#endif
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
	int n = unw_backtrace(buf, (int)(max + TT_SKIP_SLACK));
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
	void **buf = tt_tls.frames;
	int n;

	if (tt_likely(mode == MODE_AUTO)) {
		n = walk_cfi(out, max, truncated);
		if (tt_likely(n >= 0))
			return (unsigned)n;
		atomic_fetch_add_explicit(&st.fallbacks, 1, memory_order_relaxed);
	} else if (mode == MODE_CHECK) {
		return capture_check(out, max, truncated);
	}
	n = unw_backtrace(buf, (int)(max + TT_SKIP_SLACK));
	return keep_frames((const uintptr_t *)(void *)buf, n, out, max, truncated);
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
	if (unw_init_local(&c, &uc) < 0)
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
	int n = unw_backtrace(buf, TT_MAX_DEPTH), i = 0;

	while (i < n && tt_self_contains((uintptr_t)buf[i]))
		i++;	/* the wrapper and the recorder */
	for (; i < n; i++)
		if (tt_self_contains((uintptr_t)buf[i]))
			return true;
	return false;
}
