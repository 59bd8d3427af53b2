/*
 * modules.h - the module map over the whole run: every object seen loaded,
 * including those dlclose'd since, so their frames can be symbolized.
 */
#ifndef TT_MODULES_H
#define TT_MODULES_H

#include <link.h>
#include <stdint.h>

struct tt_module {
	uint64_t bias;		/* load bias */
	uint64_t lo, hi;	/* mapped runtime range */
	uint32_t flags;		/* TT_MOD_* from tdump.h */
	uint32_t path_len;
	const char *path;
	uint32_t build_id_len;
	uint8_t build_id[40];
	uint64_t seen;		/* last snapshot that listed it */
};

/*
 * tt_modules_snapshot() - add every currently loaded module to the map.
 * Context: not the malloc path; takes the module lock; may not be called
 * from a signal handler.  Return: the snapshot number.
 */
uint64_t tt_modules_snapshot(void);

/*
 * tt_modules_last() - the number of the last snapshot, taken by none: for
 * the crash dump, which must not call dl_iterate_phdr (the crashed thread
 * may hold the loader's lock).  Context: any, signal handlers included.
 */
uint64_t tt_modules_last(void);

/*
 * tt_modules_each() - call fn for every module ever seen; modules missing
 * from snapshot `now` are flagged TT_MOD_UNLOADED.
 */
/* crash: try the lock a bounded time, then read without it (entries are
 * only ever appended); the crash dump's, whose thread may hold it. */
extern _Atomic int tt_modules_crash;
void tt_modules_each(uint64_t now, void (*fn)(const struct tt_module *, void *),
		     void *arg);

/* tt_phdr_range() - the runtime range a module's PT_LOAD segments span
 * (hi 0 when it has none). */
void tt_phdr_range(const struct dl_phdr_info *info, uint64_t *lo, uint64_t *hi);

/* tt_modules_main_path() - the executable's path ("" if unknown). */
const char *tt_modules_main_path(void);

/* Fork handlers: keep the module lock consistent across fork. */
void tt_modules_prefork(void);
void tt_modules_postfork(void);

#endif /* TT_MODULES_H */
