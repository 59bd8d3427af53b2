/*
 * symbolize.c - return addresses to functions, files and lines with
 * elfutils' libdwfl.  A module's file is opened at the first address that
 * falls in it and is used only if its build id is the one the dump saw.
 * Answers are cached per pc and live, with their strings, until
 * tt_sym_free().  Nothing here uses the network.
 * Context: the tether tool only; one thread at a time per struct tt_sym.
 */
#include "tools/symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From libstdc++ (the tool links -lstdc++); declared here so that this
 * file stays C. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/*
 * A map from 64-bit keys to non-NULL pointers, with open addressing and
 * linear probing.  It caches answers per pc, function indexes per
 * compilation unit and display names per linkage-name pointer.
 */
struct u64map {
	uint64_t *keys;		/* key of each slot */
	void **vals;		/* value of each slot; NULL marks a free slot */
	size_t cap;		/* number of slots: 0 or a power of two */
	size_t len;		/* number of slots in use */
};

/* One address range of one function, in the DWARF's own addresses. */
struct fn_range {
	Dwarf_Addr lo;		/* first address */
	Dwarf_Addr hi;		/* one past the last address */
	Dwarf_Addr hi_max;	/* largest hi of this and all earlier ranges */
	Dwarf_Die die;		/* the DW_TAG_subprogram that owns it */
};

/* The functions of one compilation unit, sorted by address. */
struct cu_funcs {
	struct fn_range *r;	/* ranges, sorted by lo */
	size_t n;		/* number of ranges */
};

/* One function symbol of a module's ELF symbol table. */
struct fn_sym {
	Dwarf_Addr addr;	/* start, in libdwfl's (runtime) addresses */
	Dwarf_Addr size;	/* st_size; 0 for sizeless symbols */
	const char *name;	/* owned by libdwfl */
	int rank;		/* binding preference: higher wins ties */
};

enum mod_state {
	MOD_UNOPENED,		/* no address has fallen in it yet */
	MOD_OPEN,		/* its file is reported to libdwfl, matches */
	MOD_MISSING,		/* no file, or not the file the dump saw */
};

struct sym_module {
	char *path;		/* path as the dump recorded it */
	uint64_t bias;		/* load bias: runtime address - file vaddr */
	uint64_t lo;		/* lowest mapped runtime address */
	uint64_t hi;		/* one past the highest mapped address */
	uint8_t *build_id;	/* build id the dump recorded, or NULL */
	size_t build_id_len;	/* its length in bytes; 0 when unknown */
	enum mod_state state;	/* whether the file was opened */
	Dwfl_Module *dwfl_mod;	/* the libdwfl module when MOD_OPEN */
	struct u64map cus;	/* CU DIE offset -> struct cu_funcs */
	struct fn_sym *syms;	/* function symbols sorted by addr */
	size_t nsyms;		/* entries in syms */
	bool syms_built;	/* syms was filled */
};

/* Answers are allocated in slabs so that each stays where it is. */
#define SLAB_RESULTS 64

struct result_slab {
	struct result_slab *next;	/* older slab */
	size_t used;			/* results handed out from this slab */
	struct tt_sym_result r[SLAB_RESULTS];
};

struct tt_sym {
	Dwfl *dwfl;			/* one session for every module */
	Dwfl_Callbacks callbacks;	/* must outlive dwfl */
	char *debuginfo_path;		/* callbacks.debuginfo_path -> here */
	char *sysroot;			/* prefix for module paths, or NULL */
	struct sym_module *mods;	/* in registration order */
	size_t nmods;			/* modules registered */
	size_t mods_cap;		/* modules allocated */
	struct u64map cache;		/* pc -> struct tt_sym_result */
	struct u64map pretty;		/* linkage name pointer -> name */
	struct result_slab *slabs;	/* newest first */
	Dwarf_Die *chain;		/* scratch: subprogram, then inlines */
	size_t chain_cap;		/* entries allocated in chain */
};

/* Allocation failure ends the tool, as tt_xmalloc() does in util.c (which
 * the unit test does not link). */
static void
sym_oom(void)
{
	fputs("tether: out of memory\n", stderr);
	exit(3);
}

static void *
sym_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		sym_oom();
	return p;
}

static void *
sym_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		sym_oom();
	return p;
}

static char *
sym_xstrdup(const char *str)
{
	char *p = strdup(str);

	if (p == NULL)
		sym_oom();
	return p;
}

static size_t
u64map_hash(uint64_t key, size_t cap)
{
	/* A 64-bit finalizer (MurmurHash3's fmix64): pcs differ mostly in
	 * their low bits, and this spreads them over the table. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static void *
u64map_get(const struct u64map *m, uint64_t key)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = u64map_hash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->vals[i] == NULL)
			return NULL;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

static void u64map_put(struct u64map *m, uint64_t key, void *val);

static void
u64map_grow(struct u64map *m)
{
	struct u64map bigger = {
		.cap = m->cap ? m->cap * 2 : 64,
	};

	bigger.keys = sym_xcalloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = sym_xcalloc(bigger.cap, sizeof(*bigger.vals));
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i] != NULL)
			u64map_put(&bigger, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = bigger;
}

/* u64map_put() - insert a key that is not in the map yet. */
static void
u64map_put(struct u64map *m, uint64_t key, void *val)
{
	size_t i;

	/* Keep the load at or below one half, so probes stay short. */
	if (2 * (m->len + 1) > m->cap)
		u64map_grow(m);
	i = u64map_hash(key, m->cap);
	while (m->vals[i] != NULL)
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
}

static void
u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

struct tt_sym *
tt_sym_new(const char *sysroot, const char *debug_dir)
{
	struct tt_sym *s;
	const char *dd = debug_dir != NULL && debug_dir[0] != '\0' ?
			 debug_dir : NULL;
	size_t len;

	/* libdw asks debuginfod servers for missing files when this is set;
	 * a report must never reach the network (STYLE.md C9).  libdw reads
	 * the variable again at each query, so removing it here is enough. */
	unsetenv("DEBUGINFOD_URLS");

	s = sym_xcalloc(1, sizeof(*s));
	if (sysroot != NULL && sysroot[0] != '\0' && strcmp(sysroot, "/") != 0)
		s->sysroot = sym_xstrdup(sysroot);

	/* "-" turns off CRC checks of .gnu_debuglink files (build ids still
	 * validate them); "" and ".debug" are next to the file; then the
	 * user's directory, the sysroot's and the system's.  Build-id lookups
	 * use every absolute entry. */
	len = 64 + (dd ? strlen(dd) : 0) +
	      (s->sysroot ? strlen(s->sysroot) : 0);
	s->debuginfo_path = sym_xcalloc(1, len);
	snprintf(s->debuginfo_path, len, "-:.debug%s%s%s%s%s:/usr/lib/debug",
		 dd ? ":" : "", dd ? dd : "",
		 s->sysroot ? ":" : "", s->sysroot ? s->sysroot : "",
		 s->sysroot ? "/usr/lib/debug" : "");

	/* find_elf is not used for modules reported by path, but libdwfl
	 * requires one. */
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	s->dwfl = dwfl_begin(&s->callbacks);
	if (s->dwfl == NULL) {
		free(s->debuginfo_path);
		free(s->sysroot);
		free(s);
		return NULL;
	}
	return s;
}

void
tt_sym_free(struct tt_sym *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nmods; i++) {
		struct sym_module *m = &s->mods[i];

		for (size_t j = 0; j < m->cus.cap; j++) {
			struct cu_funcs *f = m->cus.vals[j];

			if (f != NULL) {
				free(f->r);
				free(f);
			}
		}
		u64map_free(&m->cus);
		free(m->syms);
		free(m->path);
		free(m->build_id);
	}
	free(s->mods);
	/* A name shown as it is maps to itself, which libdw owns. */
	for (size_t j = 0; j < s->pretty.cap; j++)
		if (s->pretty.vals[j] != NULL &&
		    s->pretty.vals[j] !=
		    (void *)(uintptr_t)s->pretty.keys[j])
			free(s->pretty.vals[j]);
	u64map_free(&s->pretty);
	u64map_free(&s->cache);
	while (s->slabs != NULL) {
		struct result_slab *next = s->slabs->next;

		free(s->slabs);
		s->slabs = next;
	}
	free(s->chain);
	dwfl_end(s->dwfl);
	free(s->debuginfo_path);
	free(s->sysroot);
	free(s);
}

int
tt_sym_add_module(struct tt_sym *s, const char *path, uint64_t bias,
		  uint64_t lo, uint64_t hi, const uint8_t *build_id,
		  size_t build_id_len)
{
	struct sym_module *m;

	if (s->nmods == s->mods_cap) {
		s->mods_cap = s->mods_cap ? 2 * s->mods_cap : 16;
		s->mods = sym_xrealloc(s->mods, s->mods_cap * sizeof(*s->mods));
	}
	m = &s->mods[s->nmods];
	memset(m, 0, sizeof(*m));
	m->path = sym_xstrdup(path ? path : "");
	m->bias = bias;
	m->lo = lo;
	m->hi = hi;
	if (build_id != NULL && build_id_len > 0) {
		m->build_id = sym_xcalloc(1, build_id_len);
		memcpy(m->build_id, build_id, build_id_len);
		m->build_id_len = build_id_len;
	}
	m->state = MOD_UNOPENED;
	return (int)s->nmods++;
}

const char *
tt_sym_module_path(struct tt_sym *s, int module)
{
	if (module < 0 || (size_t)module >= s->nmods)
		return NULL;
	return s->mods[module].path;
}

/*
 * module_open() - report a module's file to libdwfl and check that it is
 * the file the dump saw.  On any failure the module stays MOD_MISSING and
 * its addresses resolve to module+offset only.  A module reported but then
 * rejected stays in the session unused: libdwfl has no call to remove one
 * module, and it is never looked up.
 */
static void
module_open(struct tt_sym *s, struct sym_module *m)
{
	const unsigned char *bits;
	GElf_Addr bits_vaddr;
	Dwfl_Module *mod;
	char *file;
	int len;

	m->state = MOD_MISSING;
	if (m->path[0] == '\0')
		return;
	if (s->sysroot != NULL) {
		size_t n = strlen(s->sysroot) + strlen(m->path) + 2;

		file = sym_xcalloc(1, n);
		snprintf(file, n, "%s%s%s", s->sysroot,
			 m->path[0] == '/' ? "" : "/", m->path);
	} else {
		file = m->path;
	}

	/* report_begin_add keeps every module reported so far, so the
	 * Dwfl_Module pointers and the strings they hand out stay valid.
	 * add_p_vaddr = true makes `base` the load bias (the dump's bias is
	 * runtime address - file vaddr), which is right for objects whose
	 * first PT_LOAD is not at vaddr 0 as well. */
	dwfl_report_begin_add(s->dwfl);
	mod = dwfl_report_elf(s->dwfl, m->path, file, -1, m->bias, true);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (file != m->path)
		free(file);
	if (mod == NULL)
		return;

	if (m->build_id_len > 0) {
		len = dwfl_module_build_id(mod, &bits, &bits_vaddr);
		if (len <= 0 || (size_t)len != m->build_id_len ||
		    memcmp(bits, m->build_id, m->build_id_len) != 0)
			return;
	}
	m->dwfl_mod = mod;
	m->state = MOD_OPEN;
}

/*
 * Modules may overlap: a library dlclose'd and another mapped at the same
 * addresses later are both in the dump, and a bare pc cannot say which one
 * it came from.  The first module registered that contains the pc wins, so
 * a dump that lists modules in load order attributes it to the earliest.
 * addr is pc - 1, the call instruction, so that a call ending a mapping
 * still belongs to it.
 */
static int
module_find(const struct tt_sym *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nmods; i++)
		if (s->mods[i].lo <= addr && addr < s->mods[i].hi)
			return (int)i;
	return -1;
}

/* clone_suffix() - where a compiler's clone suffix starts in a symbol
 * name (".cold", ".isra.0", ".constprop.1", ".part.2", ...), or NULL. */
static const char *
clone_suffix(const char *name)
{
	static const char *const kinds[] = {
		"cold", "isra", "constprop", "part", "lto_priv", "localalias",
		"clone", "specialized",
	};
	const char *dot = strchr(name, '.');

	if (dot == NULL || dot == name)
		return NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (strncmp(dot + 1, kinds[i], strlen(kinds[i])) == 0)
			return dot;
	return NULL;
}

/*
 * sym_pretty() - how to show a linkage name: demangled when it is a C++
 * name, and without a clone suffix, so that the hot and cold parts of a
 * function add up under one name (the frame's mangled name keeps the
 * suffix).  Return: NULL when the name is shown as it is.
 */
static const char *
sym_pretty(struct tt_sym *s, const char *linkage)
{
	uint64_t key = (uintptr_t)linkage;
	const char *suffix, *name;
	char *base = NULL, *out = NULL;
	void *hit;
	int status;

	if (linkage == NULL)
		return NULL;
	/* Keyed by pointer: libdw hands out the same pointer for a name
	 * each time, and the pointers stay valid until dwfl_end(). */
	hit = u64map_get(&s->pretty, key);
	if (hit != NULL)
		return hit == (void *)linkage ? NULL : hit;
	suffix = clone_suffix(linkage);
	if (suffix != NULL) {
		base = sym_xcalloc(1, (size_t)(suffix - linkage) + 1);
		memcpy(base, linkage, (size_t)(suffix - linkage));
	}
	name = base ? base : linkage;
	if (strncmp(name, "_Z", 2) == 0) {
		out = __cxa_demangle(name, NULL, NULL, &status);
		if (status == -1)
			sym_oom();
		if (status != 0) {
			free(out);
			out = NULL;
		}
	}
	if (out == NULL) {
		out = base;
		base = NULL;
	}
	free(base);
	/* A name shown as it is maps to itself. */
	u64map_put(&s->pretty, key, out ? out : (void *)linkage);
	return out;
}

/* Name a frame from a linkage name and a plain name, either may be NULL:
 * C++ names are shown demangled; C's linkage name is its plain name. */
static void
frame_names(struct tt_sym *s, struct tt_sym_frame *f, const char *linkage,
	    const char *name)
{
	const char *pretty = sym_pretty(s, linkage);

	f->mangled = linkage ? linkage : name;
	if (pretty != NULL)
		f->function = pretty;
	else
		f->function = name ? name : linkage;
}

/* A string attribute of die or of the DIEs it refers to. */
static const char *
die_string(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

/* Names of a function DIE, following DW_AT_abstract_origin (inlines,
 * clones) and DW_AT_specification (C++ out-of-line members). */
static void
frame_names_die(struct tt_sym *s, struct tt_sym_frame *f, Dwarf_Die *die)
{
	const char *linkage;
	const char *name;

	linkage = die_string(die, DW_AT_linkage_name);
	if (linkage == NULL)
		linkage = die_string(die, DW_AT_MIPS_linkage_name);
	name = die_string(die, DW_AT_name);
	frame_names(s, f, linkage, name);
}

static int
fn_sym_cmp(const void *a, const void *b)
{
	const struct fn_sym *x = a;
	const struct fn_sym *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if ((x->size > 0) != (y->size > 0))
		return x->size > 0 ? 1 : -1;
	return x->rank - y->rank;
}

/*
 * syms_build() - sort a module's function symbols once.  The module's
 * symbol table is .symtab when the file or its debug file has one, else
 * .dynsym.  dwfl_module_addrinfo() scans the whole table at each call
 * (about 0.1 ms per lookup in libstdc++), which tens of thousands of
 * lookups cannot afford.  At one address, sized symbols sort after
 * sizeless ones and global after weak after local, so the last is best.
 */
static void
syms_build(struct sym_module *m)
{
	int n = dwfl_module_getsymtab(m->dwfl_mod);
	size_t cap = 0;

	m->syms_built = true;
	for (int i = 1; i < n; i++) {
		GElf_Word shndx;
		GElf_Addr addr;
		GElf_Sym sym;
		const char *name;
		int type, bind;

		name = dwfl_module_getsym_info(m->dwfl_mod, i, &sym, &addr,
					       &shndx, NULL, NULL);
		if (name == NULL || name[0] == '\0' || shndx == SHN_UNDEF ||
		    shndx == (GElf_Word)-1)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		if (m->nsyms == cap) {
			cap = cap ? 2 * cap : 256;
			m->syms = sym_xrealloc(m->syms, cap * sizeof(*m->syms));
		}
		bind = GELF_ST_BIND(sym.st_info);
		m->syms[m->nsyms].addr = addr;
		m->syms[m->nsyms].size = sym.st_size;
		m->syms[m->nsyms].name = name;
		m->syms[m->nsyms].rank = bind == STB_GLOBAL ? 2 :
					 bind == STB_WEAK ? 1 : 0;
		m->nsyms++;
	}
	if (m->nsyms > 1)
		qsort(m->syms, m->nsyms, sizeof(*m->syms), fn_sym_cmp);
}

/* The function symbol holding addr, or NULL.  A symbol without a size
 * holds everything up to the next symbol, as in assembly sources. */
static const char *
symtab_name(struct sym_module *m, Dwarf_Addr addr)
{
	size_t lo = 0, hi;

	if (!m->syms_built)
		syms_build(m);
	hi = m->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* Nested or overlapping sized symbols are rare; a few steps back
	 * find the innermost one that holds addr. */
	for (size_t i = lo, steps = 0; i-- > 0 && steps < 16; steps++)
		if (addr < m->syms[i].addr + m->syms[i].size)
			return m->syms[i].name;
	if (m->syms[lo - 1].size == 0)
		return m->syms[lo - 1].name;
	return NULL;
}

/* File and line of the innermost code at addr, from the line table. */
static void
frame_line(struct tt_sym_frame *f, Dwfl_Module *mod, Dwarf_Addr addr)
{
	Dwfl_Line *line = dwfl_module_getsrc(mod, addr);
	int lineno = 0;

	if (line == NULL)
		return;
	f->file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
	f->line = lineno > 0 ? lineno : 0;
}

static int
fn_range_cmp(const void *a, const void *b)
{
	const struct fn_range *x = a;
	const struct fn_range *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void
cu_funcs_add(struct cu_funcs *f, size_t *cap, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (f->n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			f->r = sym_xrealloc(f->r, *cap * sizeof(*f->r));
		}
		f->r[f->n].lo = lo;
		f->r[f->n].hi = hi;
		f->r[f->n].die = *die;
		f->n++;
	}
}

/*
 * Collect the functions with code under parent.  Definitions sit at the
 * top of the CU, inside namespaces (C++, Fortran modules), and inside
 * types, functions and blocks: a C++ lambda's operator() is a member of a
 * closure type local to the enclosing function (or to its abstract
 * instance when that one is inline), and so are local classes' methods
 * and GNU C nested functions.  Inlined subroutines are skipped whole: the
 * functions defined in them hang off their abstract instance.
 */
static void
cu_funcs_collect(struct cu_funcs *f, size_t *cap, Dwarf_Die *parent)
{
	Dwarf_Die child, next;

	if (dwarf_child(parent, &child) != 0)
		return;
	for (;;) {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			cu_funcs_add(f, cap, &child);
			cu_funcs_collect(f, cap, &child);
			break;
		case DW_TAG_lexical_block:
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
			cu_funcs_collect(f, cap, &child);
			break;
		default:
			break;
		}
		if (dwarf_siblingof(&child, &next) != 0)
			break;
		child = next;
	}
}

/*
 * cu_funcs_get() - the sorted function ranges of a CU, built at its first
 * use.  Finding the function by binary search, then walking down only the
 * scopes that contain the address, avoids rescanning every top-level DIE
 * of the CU for each address, as dwarf_getscopes() does: C++ CUs can hold
 * tens of thousands of them.
 */
static struct cu_funcs *
cu_funcs_get(struct sym_module *m, Dwarf_Die *cudie)
{
	uint64_t key = dwarf_dieoffset(cudie);
	struct cu_funcs *f = u64map_get(&m->cus, key);
	size_t cap = 0;

	if (f != NULL)
		return f;
	f = sym_xcalloc(1, sizeof(*f));
	cu_funcs_collect(f, &cap, cudie);
	if (f->n > 1)
		qsort(f->r, f->n, sizeof(*f->r), fn_range_cmp);
	for (size_t i = 0; i < f->n; i++)
		f->r[i].hi_max = i > 0 && f->r[i - 1].hi_max > f->r[i].hi ?
				 f->r[i - 1].hi_max : f->r[i].hi;
	u64map_put(&m->cus, key, f);
	return f;
}

/* The function whose code holds addr, or NULL. */
static Dwarf_Die *
cu_funcs_find(struct cu_funcs *f, Dwarf_Addr addr)
{
	size_t lo = 0, hi = f->n;

	/* Find the last range starting at or before addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->r[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Function ranges do not overlap in what compilers emit, so the
	 * first one tried nearly always decides; hi_max ends the search once
	 * no earlier range reaches addr. */
	for (size_t i = lo; i-- > 0 && addr < f->r[i].hi_max;)
		if (addr < f->r[i].hi)
			return &f->r[i].die;
	return NULL;
}

static void
chain_push(struct tt_sym *s, size_t *n, Dwarf_Die *die)
{
	if (*n == s->chain_cap) {
		s->chain_cap = s->chain_cap ? 2 * s->chain_cap : 16;
		s->chain = sym_xrealloc(s->chain,
					s->chain_cap * sizeof(*s->chain));
	}
	s->chain[(*n)++] = *die;
}

/*
 * chain_build() - fill s->chain with the function, then each inlined call
 * that contains addr, outermost first.  Lexical and exception blocks are
 * walked through but not kept.  Return: the number of entries (>= 1).
 */
static size_t
chain_build(struct tt_sym *s, Dwarf_Die *fn, Dwarf_Addr addr)
{
	Dwarf_Die cur = *fn, child, next;
	size_t n = 0;
	bool found;

	chain_push(s, &n, fn);
	do {
		found = false;
		if (dwarf_child(&cur, &child) != 0)
			break;
		for (;;) {
			switch (dwarf_tag(&child)) {
			case DW_TAG_inlined_subroutine:
			case DW_TAG_lexical_block:
			case DW_TAG_try_block:
			case DW_TAG_catch_block:
			case DW_TAG_with_stmt:
				found = dwarf_haspc(&child, addr) == 1;
				break;
			default:
				break;
			}
			if (found || dwarf_siblingof(&child, &next) != 0)
				break;
			child = next;
		}
		if (found) {
			if (dwarf_tag(&child) == DW_TAG_inlined_subroutine)
				chain_push(s, &n, &child);
			cur = child;
		}
	} while (found);
	return n;
}

/* The call site of an inlined call: where, in the function it was inlined
 * into, the call was written. */
static void
frame_call_site(struct tt_sym_frame *f, Dwarf_Die *inl, Dwarf_Files *files,
		size_t nfiles)
{
	Dwarf_Attribute attr;
	Dwarf_Word v;

	if (files != NULL &&
	    dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &v) == 0 &&
	    v < nfiles)
		f->file = dwarf_filesrc(files, v, NULL, NULL);
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &v) == 0 &&
	    v <= 0x7fffffff)
		f->line = (int)v;
}

/*
 * resolve_dwarf() - fill r from the DWARF of a module.  Return: false when
 * the module has no function DWARF for addr.
 *
 * With more inline levels than TT_SYM_MAX_INLINE, the innermost ones and
 * the physical function are kept and the middle ones left out; each kept
 * frame still carries its own line.
 */
static bool
resolve_dwarf(struct tt_sym *s, struct sym_module *m, Dwarf_Addr addr,
	      struct tt_sym_result *r)
{
	Dwarf_Files *files = NULL;
	struct tt_sym_frame *f;
	struct cu_funcs *funcs;
	Dwarf_Die *cudie, *fn;
	Dwarf_Addr dbias;
	size_t n, keep, nfiles = 0;

	cudie = dwfl_module_addrdie(m->dwfl_mod, addr, &dbias);
	if (cudie == NULL)
		return false;
	funcs = cu_funcs_get(m, cudie);
	fn = cu_funcs_find(funcs, addr - dbias);
	if (fn == NULL)
		return false;
	n = chain_build(s, fn, addr - dbias);
	keep = n < TT_SYM_MAX_INLINE ? n : TT_SYM_MAX_INLINE;
	if (n > 1 && dwarf_getsrcfiles(cudie, &files, &nfiles) != 0)
		files = NULL;

	for (size_t i = 0; i < keep; i++) {
		/* Chain level k: 0 is the function, n - 1 the innermost. */
		size_t k = i == keep - 1 ? 0 : n - 1 - i;

		f = &r->frames[i];
		frame_names_die(s, f, &s->chain[k]);
		if (k == n - 1)
			frame_line(f, m->dwfl_mod, addr);
		else
			frame_call_site(f, &s->chain[k + 1], files, nfiles);
	}
	/* The physical function's symbol names it fully when its DIE has no
	 * C++ linkage name: GCC gives a lambda's operator() none, and the
	 * symbol is "...::{lambda()#1}::operator()() const".  It also names
	 * functions whose DIE has no name at all. */
	f = &r->frames[keep - 1];
	if (f->mangled == NULL || strncmp(f->mangled, "_Z", 2) != 0) {
		const char *sym = symtab_name(m, addr);

		if (sym != NULL &&
		    (f->function == NULL || strncmp(sym, "_Z", 2) == 0))
			frame_names(s, f, sym, NULL);
	}
	r->nframes = (int)keep;
	return true;
}

static void
resolve(struct tt_sym *s, struct sym_module *m, Dwarf_Addr addr,
	struct tt_sym_result *r)
{
	struct tt_sym_frame *f = &r->frames[0];

	if (m->state == MOD_UNOPENED)
		module_open(s, m);
	if (m->state != MOD_OPEN)
		return;
	if (resolve_dwarf(s, m, addr, r))
		return;
	/* No DWARF for this code: the symbol table, and the line table if
	 * the CU has one without function entries (assembly). */
	frame_names(s, f, symtab_name(m, addr), NULL);
	frame_line(f, m->dwfl_mod, addr);
	if (f->function != NULL || f->file != NULL)
		r->nframes = 1;
}

static struct tt_sym_result *
result_alloc(struct tt_sym *s)
{
	if (s->slabs == NULL || s->slabs->used == SLAB_RESULTS) {
		struct result_slab *slab = sym_xcalloc(1, sizeof(*slab));

		slab->next = s->slabs;
		s->slabs = slab;
	}
	return &s->slabs->r[s->slabs->used++];
}

const struct tt_sym_result *
tt_sym_lookup(struct tt_sym *s, uint64_t pc)
{
	struct tt_sym_result *r = u64map_get(&s->cache, pc);
	uint64_t addr = pc - 1;

	if (r != NULL)
		return r;
	r = result_alloc(s);
	r->module = pc != 0 ? module_find(s, addr) : -1;
	if (r->module < 0) {
		r->offset = pc;
	} else {
		struct sym_module *m = &s->mods[r->module];

		r->offset = pc - m->bias;
		resolve(s, m, addr, r);
	}
	u64map_put(&s->cache, pc, r);
	return r;
}

const char *
tt_sym_data(struct tt_sym *s, uint64_t addr, int *module, uint64_t *off)
{
	struct sym_module *m;
	GElf_Off symoff = 0;
	GElf_Sym sym;
	const char *name;
	int i = module_find(s, addr);

	*module = i;
	*off = 0;
	if (i < 0)
		return NULL;
	m = &s->mods[i];
	if (m->state == MOD_UNOPENED)
		module_open(s, m);
	if (m->state != MOD_OPEN)
		return NULL;
	/* A few lookups per report: the whole-table scan is affordable. */
	name = dwfl_module_addrinfo(m->dwfl_mod, addr,
				    &symoff, &sym, NULL, NULL, NULL);
	if (name == NULL || (GELF_ST_TYPE(sym.st_info) != STT_OBJECT &&
			     GELF_ST_TYPE(sym.st_info) != STT_TLS))
		return NULL;
	*off = symoff;
	return name;
}
