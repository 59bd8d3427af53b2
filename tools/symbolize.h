/*
 * symbolize.h - return addresses to functions, files and lines, with
 * elfutils' libdwfl, for the modules a dump lists.  Inline frames are
 * expanded; C++ names are demangled; separate debug information is found
 * by build id (/usr/lib/debug/.build-id, or --debug-dir).  Nothing is ever
 * fetched over the network.  When a module's file is missing or is not the
 * one the dump saw (build id differs), lookups fall back to module+offset.
 *
 * Context: the tether tool only.
 */
#ifndef TT_SYMBOLIZE_H
#define TT_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

struct tt_sym;

/* sysroot: prefix for module paths (NULL = none); debug_dir: extra
 * directory searched for debug files (NULL = only the defaults). */
struct tt_sym *tt_sym_new(const char *sysroot, const char *debug_dir);
void tt_sym_free(struct tt_sym *s);

/*
 * tt_sym_add_module() - register a module as the dump recorded it.
 * Return: the module index (>= 0), even when its file cannot be opened
 * (its addresses then resolve to module+offset only).
 */
int tt_sym_add_module(struct tt_sym *s, const char *path, uint64_t bias,
		      uint64_t lo, uint64_t hi, const uint8_t *build_id,
		      size_t build_id_len);

#define TT_SYM_MAX_INLINE 16

struct tt_sym_frame {
	const char *function;	/* demangled; NULL when unknown */
	const char *mangled;	/* linkage name as in the binary; NULL if none */
	const char *file;	/* source file; NULL when unknown */
	int line;		/* 0 when unknown */
};

struct tt_sym_result {
	int module;		/* module index, -1 when no module has the pc */
	uint64_t offset;	/* pc - module bias (a file virtual address) */
	int nframes;		/* 0 when nothing is known beyond the module */
	/* frames[0] is the innermost inlined function, frames[nframes-1] the
	 * function the code physically belongs to. */
	struct tt_sym_frame frames[TT_SYM_MAX_INLINE];
};

/*
 * tt_sym_lookup() - symbolize a return address (the pc after a call: the
 * lookup itself uses pc - 1, so the line is the call's).  The result and
 * its strings stay valid until tt_sym_free(); repeated pcs are cached.
 */
const struct tt_sym_result *tt_sym_lookup(struct tt_sym *s, uint64_t pc);

/*
 * tt_sym_data() - the data symbol (a global, a static) holding runtime
 * address addr, or NULL; *module gets the module index (-1 if none) and
 * *off the offset of addr in the symbol.
 */
const char *tt_sym_data(struct tt_sym *s, uint64_t addr, int *module, uint64_t *off);

/* tt_sym_module_path() - the path a module was registered with. */
const char *tt_sym_module_path(struct tt_sym *s, int module);

#endif /* TT_SYMBOLIZE_H */
