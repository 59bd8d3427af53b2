/*
 * unwind.c - stack capture with libunwind's unw_backtrace(), which walks the
 * DWARF call-frame information with a per-thread cache of decoded entries.
 * Frames inside libtether.so (the wrapper, the recorder, the trampolines
 * around main and thread start routines) are dropped by address range, so
 * the first frame kept is the caller of malloc, whatever the compiler
 * inlined.
 */
#define UNW_LOCAL_ONLY
#include "unwind.h"

#include <link.h>
#include <libunwind.h>
#include <string.h>
#include <ucontext.h>

#include "modules.h"
#include "tls.h"

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

void
tt_unwind_init(void)
{
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&tt_unwind_init);
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

bool
tt_self_contains(uintptr_t pc)
{
	return pc >= self_lo && pc < self_hi;
}

unsigned
tt_unwind_capture(uintptr_t *out, unsigned max, bool *truncated)
{
	void **buf = tt_tls.frames;
	int n = unw_backtrace(buf, (int)(max + TT_SKIP_SLACK));
	unsigned kept = 0;

	*truncated = false;
	/* Drop tether's frames wherever they are: the wrappers at the inner
	 * end, trampolines (main, thread start) at the outer end. */
	for (int i = 0; i < n; i++) {
		if (tt_self_contains((uintptr_t)buf[i]))
			continue;
		if (kept == max) {
			*truncated = true;
			break;
		}
		out[kept++] = (uintptr_t)buf[i];
	}
	return kept;
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
