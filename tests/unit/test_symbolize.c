/*
 * test_symbolize.c - tools/symbolize.c on real return addresses of this
 * program (built -O0 -g), its always_inline expansions, a C++ library
 * compiled at test time, and the module+offset fallbacks: wrong build id,
 * missing file, overlapping modules, addresses outside every module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <elf.h>
#include <ftw.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/symbolize.h"

/* A module as libtether's dump would record it. */
struct test_module {
	char path[PATH_MAX];	/* file path; /proc/self/exe resolved */
	uint64_t bias;		/* load bias (dlpi_addr) */
	uint64_t lo;		/* lowest mapped address */
	uint64_t hi;		/* one past the highest mapped address */
	uint8_t build_id[64];	/* NT_GNU_BUILD_ID bytes */
	size_t build_id_len;	/* 0 when the object has none */
};

#define MAX_TEST_MODULES 128

struct test_modules {
	struct test_module m[MAX_TEST_MODULES];	/* in dl_iterate_phdr order */
	size_t n;				/* modules found */
};

/* The C++ library built at test time, shared by the C++ tests. */
static struct {
	int state;		/* 0 not tried, 1 built, -1 unavailable */
	char dir[64];		/* temporary directory */
	char full[128];		/* library with DWARF */
	char stripped[128];	/* same library, DWARF removed */
	char debug_dir[128];	/* holds .build-id/xx/yyyy.debug */
	void *full_handle;	/* dlopen handle of full */
	void *stripped_handle;	/* dlopen handle of stripped */
	int call_line;		/* line of the call in Widget::call */
	int lambda_line;	/* line of the call in the lambda */
} cxx;

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Find NT_GNU_BUILD_ID in a loaded PT_NOTE segment.  Notes are padded to
 * the segment's alignment (4, or 8 for .note.gnu.property). */
static void
note_build_id(struct test_module *tm, const uint8_t *p, size_t len,
	      size_t align)
{
	size_t off = 0;

	if (align < 4)
		align = 4;
	while (off + sizeof(ElfW(Nhdr)) <= len) {
		const ElfW(Nhdr) *nh = (const void *)(p + off);
		size_t name_off = off + sizeof(*nh);
		size_t desc_off = (name_off + nh->n_namesz + align - 1) &
				  ~(align - 1);
		size_t next = (desc_off + nh->n_descsz + align - 1) &
			      ~(align - 1);

		if (desc_off + nh->n_descsz > len)
			return;
		if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
		    memcmp(p + name_off, "GNU", 4) == 0 &&
		    nh->n_descsz <= sizeof(tm->build_id)) {
			memcpy(tm->build_id, p + desc_off, nh->n_descsz);
			tm->build_id_len = nh->n_descsz;
			return;
		}
		off = next;
	}
}

static int
collect_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct test_modules *mods = arg;
	struct test_module *tm;

	(void)size;
	if (mods->n == MAX_TEST_MODULES)
		return 1;
	tm = &mods->m[mods->n];
	memset(tm, 0, sizeof(*tm));
	if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0') {
		ssize_t n = readlink("/proc/self/exe", tm->path,
				     sizeof(tm->path) - 1);

		tm->path[n > 0 ? n : 0] = '\0';
	} else {
		snprintf(tm->path, sizeof(tm->path), "%s", info->dlpi_name);
	}
	tm->bias = info->dlpi_addr;
	tm->lo = UINT64_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD) {
			if (start < tm->lo)
				tm->lo = start;
			if (start + ph->p_memsz > tm->hi)
				tm->hi = start + ph->p_memsz;
		} else if (ph->p_type == PT_NOTE && tm->build_id_len == 0) {
			note_build_id(tm, (const uint8_t *)(uintptr_t)start,
				      ph->p_filesz, ph->p_align);
		}
	}
	if (tm->lo < tm->hi)
		mods->n++;
	return 0;
}

/* The modules loaded now; static, as it is large. */
static const struct test_modules *
collect_modules(void)
{
	static struct test_modules mods;

	mods.n = 0;
	dl_iterate_phdr(collect_one, &mods);
	return &mods;
}

/* The module holding addr in mods, or NULL. */
static const struct test_module *
module_of(const struct test_modules *mods, uintptr_t addr)
{
	for (size_t i = 0; i < mods->n; i++)
		if (mods->m[i].lo <= addr && addr < mods->m[i].hi)
			return &mods->m[i];
	return NULL;
}

static int
add_module(struct tt_sym *s, const struct test_module *tm)
{
	return tt_sym_add_module(s, tm->path, tm->bias, tm->lo, tm->hi,
				 tm->build_id, tm->build_id_len);
}

/* A symbolizer knowing every module loaded now, as a dump would. */
static struct tt_sym *
sym_all(const char *sysroot, const char *debug_dir)
{
	struct tt_sym *s = tt_sym_new(sysroot, debug_dir);
	const struct test_modules *mods = collect_modules();

	assert_non_null(s);
	for (size_t i = 0; i < mods->n; i++)
		assert_int_equal(add_module(s, &mods->m[i]), (int)i);
	return s;
}

/* Return the caller's return address, and the line the caller passed:
 * callers write `capture(__LINE__, &line)` so both name the same line. */
static __attribute__((noinline)) uintptr_t
capture(int line, int *line_out)
{
	*line_out = line;
	return (uintptr_t)__builtin_return_address(0);
}

/* Inlined even at -O0.  `here` is the caller's line, returned in
 * *call_line; *line is the line of the call inside. */
static inline __attribute__((always_inline)) uintptr_t
inline_inner(int here, int *call_line, int *line)
{
	*call_line = here;
	return capture(__LINE__, line);
}

static inline __attribute__((always_inline)) uintptr_t
inline_outer(int here, int *call_line, int *mid_line, int *line)
{
	*call_line = here;
	return inline_inner(__LINE__, mid_line, line);
}

static void
assert_frame(const struct tt_sym_frame *f, const char *function, int line)
{
	assert_non_null(f->function);
	assert_string_equal(f->function, function);
	assert_non_null(f->file);
	assert_true(ends_with(f->file, "test_symbolize.c"));
	assert_int_equal(f->line, line);
}

static void
test_symbolize_function_file_line(void **state)
{
	struct tt_sym *s = sym_all(NULL, NULL);
	const struct tt_sym_result *r;
	int line;
	uintptr_t pc = capture(__LINE__, &line);

	(void)state;
	r = tt_sym_lookup(s, pc);
	assert_non_null(r);
	assert_int_equal(r->module, 0);
	assert_int_equal(r->nframes, 1);
	assert_frame(&r->frames[0], "test_symbolize_function_file_line", line);
	/* A C function's linkage name is its name. */
	assert_string_equal(r->frames[0].mangled,
			    "test_symbolize_function_file_line");
	tt_sym_free(s);
}

static void
test_symbolize_inline_expansion(void **state)
{
	struct tt_sym *s = sym_all(NULL, NULL);
	const struct tt_sym_result *r;
	int call_line, line;
	uintptr_t pc = inline_inner(__LINE__, &call_line, &line);

	(void)state;
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->nframes, 2);
	assert_frame(&r->frames[0], "inline_inner", line);
	assert_frame(&r->frames[1], "test_symbolize_inline_expansion",
		     call_line);
	tt_sym_free(s);
}

static void
test_symbolize_nested_inline_expansion(void **state)
{
	struct tt_sym *s = sym_all(NULL, NULL);
	const struct tt_sym_result *r;
	int call_line, mid_line, line;
	uintptr_t pc = inline_outer(__LINE__, &call_line, &mid_line, &line);

	(void)state;
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->nframes, 3);
	assert_frame(&r->frames[0], "inline_inner", line);
	assert_frame(&r->frames[1], "inline_outer", mid_line);
	assert_frame(&r->frames[2], "test_symbolize_nested_inline_expansion",
		     call_line);
	tt_sym_free(s);
}

static void
test_symbolize_caches_per_pc(void **state)
{
	struct tt_sym *s = sym_all(NULL, NULL);
	const struct tt_sym_result *a, *b;
	int line;
	uintptr_t pc = capture(__LINE__, &line);

	(void)state;
	a = tt_sym_lookup(s, pc);
	/* Fill the cache well past its first size; a must not move. */
	for (uintptr_t i = 1; i <= 1000; i++)
		tt_sym_lookup(s, pc + i);
	b = tt_sym_lookup(s, pc);
	assert_ptr_equal(a, b);
	assert_int_equal(b->frames[0].line, line);
	assert_true(ends_with(tt_sym_module_path(s, b->module),
			      "test_symbolize"));
	assert_null(tt_sym_module_path(s, -1));
	tt_sym_free(s);
}

static void
test_symbolize_libc_symbol(void **state)
{
	struct tt_sym *s = sym_all(NULL, NULL);
	const struct tt_sym_result *r;
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	uintptr_t fn;

	(void)state;
	assert_non_null(libc);
	fn = (uintptr_t)dlsym(libc, "getpid");
	assert_true(fn != 0);
	/* As if getpid's first instruction were a call: pc - 1 is in it. */
	r = tt_sym_lookup(s, fn + 1);
	assert_true(r->module >= 0);
	assert_non_null(strstr(tt_sym_module_path(s, r->module), "libc"));
	assert_int_equal(r->nframes, 1);
	assert_non_null(r->frames[0].function);
	/* getpid or its alias __getpid, whichever the symbol table prefers. */
	assert_true(ends_with(r->frames[0].function, "getpid"));
	dlclose(libc);
	tt_sym_free(s);
}

static void
test_symbolize_build_id_mismatch_falls_back(void **state)
{
	const struct test_modules *mods;
	struct test_module bad;
	const struct tt_sym_result *r;
	struct tt_sym *s;
	int line;
	uintptr_t pc = capture(__LINE__, &line);

	(void)state;
	mods = collect_modules();
	bad = mods->m[0];
	assert_true(bad.build_id_len > 0);
	bad.build_id[0] ^= 0xff;
	s = tt_sym_new(NULL, NULL);
	assert_int_equal(add_module(s, &bad), 0);
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->module, 0);
	assert_int_equal(r->nframes, 0);
	assert_int_equal(r->offset, pc - bad.bias);
	tt_sym_free(s);
}

static void
test_symbolize_missing_file_falls_back(void **state)
{
	const struct test_modules *mods;
	struct test_module gone;
	const struct tt_sym_result *r;
	struct tt_sym *s;
	int line;
	uintptr_t pc = capture(__LINE__, &line);

	(void)state;
	mods = collect_modules();
	gone = mods->m[0];
	snprintf(gone.path, sizeof(gone.path), "/nonexistent/tether/a.out");
	s = tt_sym_new(NULL, NULL);
	assert_int_equal(add_module(s, &gone), 0);
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->module, 0);
	assert_int_equal(r->nframes, 0);
	assert_int_equal(r->offset, pc - gone.bias);
	assert_string_equal(tt_sym_module_path(s, 0), gone.path);
	tt_sym_free(s);
}

static void
test_symbolize_outside_modules(void **state)
{
	struct tt_sym *s = tt_sym_new(NULL, NULL);
	const struct tt_sym_result *r;

	(void)state;
	assert_int_equal(tt_sym_add_module(s, "/nonexistent/lib.so", 0x1000,
					   0x1000, 0x2000, NULL, 0), 0);
	r = tt_sym_lookup(s, 0x5000);
	assert_int_equal(r->module, -1);
	assert_int_equal(r->nframes, 0);
	assert_int_equal(tt_sym_lookup(s, 0)->module, -1);
	/* A return address is looked up at pc - 1: the first byte of a
	 * module is outside it, one past its end is inside. */
	assert_int_equal(tt_sym_lookup(s, 0x1000)->module, -1);
	assert_int_equal(tt_sym_lookup(s, 0x1001)->module, 0);
	assert_int_equal(tt_sym_lookup(s, 0x2000)->module, 0);
	assert_int_equal(tt_sym_lookup(s, 0x2000)->offset, 0x1000);
	assert_int_equal(tt_sym_lookup(s, 0x2001)->module, -1);
	tt_sym_free(s);
}

static void
test_symbolize_overlap_first_registered_wins(void **state)
{
	const struct test_modules *mods;
	struct test_module gone;
	const struct tt_sym_result *r;
	struct tt_sym *s;
	int line;
	uintptr_t pc = capture(__LINE__, &line);

	(void)state;
	mods = collect_modules();
	gone = mods->m[0];
	snprintf(gone.path, sizeof(gone.path), "/nonexistent/old.so");

	s = tt_sym_new(NULL, NULL);
	assert_int_equal(add_module(s, &gone), 0);
	assert_int_equal(add_module(s, &mods->m[0]), 1);
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->module, 0);
	assert_int_equal(r->nframes, 0);
	tt_sym_free(s);

	s = tt_sym_new(NULL, NULL);
	assert_int_equal(add_module(s, &mods->m[0]), 0);
	assert_int_equal(add_module(s, &gone), 1);
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->module, 0);
	assert_int_equal(r->nframes, 1);
	assert_frame(&r->frames[0],
		     "test_symbolize_overlap_first_registered_wins", line);
	tt_sym_free(s);
}

static void
test_symbolize_sysroot_prefixes_path(void **state)
{
	const struct test_modules *mods;
	struct test_module moved;
	const struct tt_sym_result *r;
	struct tt_sym *s;
	char sysroot[PATH_MAX];
	char *slash;
	int line;
	uintptr_t pc = capture(__LINE__, &line);

	(void)state;
	mods = collect_modules();
	/* /dir/test_symbolize becomes /test_symbolize under sysroot /dir. */
	moved = mods->m[0];
	snprintf(sysroot, sizeof(sysroot), "%s", moved.path);
	slash = strrchr(sysroot, '/');
	assert_non_null(slash);
	snprintf(moved.path, sizeof(moved.path), "%s", slash);
	*slash = '\0';

	s = tt_sym_new(sysroot, NULL);
	assert_int_equal(add_module(s, &moved), 0);
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->nframes, 1);
	assert_frame(&r->frames[0], "test_symbolize_sysroot_prefixes_path",
		     line);
	assert_string_equal(tt_sym_module_path(s, 0), moved.path);
	tt_sym_free(s);

	/* Without the sysroot, /test_symbolize does not exist. */
	s = tt_sym_new(NULL, NULL);
	assert_int_equal(add_module(s, &moved), 0);
	assert_int_equal(tt_sym_lookup(s, pc)->nframes, 0);
	tt_sym_free(s);
}

/* The C++ library's source; "CALL" and "LAMBDA" mark the lines whose
 * return addresses the callback captures.  The lambda's operator() is a
 * function nested in a closure type nested in Widget::lambda. */
static const char *const cxx_source[] = {
	"namespace tt_demo {",
	"struct Widget {",
	"	static void *call(void *(*cb)(void));",
	"	static void *lambda(void *(*cb)(void));",
	"};",
	"void *Widget::call(void *(*cb)(void))",
	"{",
	"	void *pc = cb(); /* CALL */",
	"	return pc;",
	"}",
	"void *Widget::lambda(void *(*cb)(void))",
	"{",
	"	auto f = [cb]() { return cb(); /* LAMBDA */ };",
	"	return f();",
	"}",
	"}",
	"extern \"C\" void *tt_demo_entry(void *(*cb)(void))",
	"{",
	"	return tt_demo::Widget::call(cb);",
	"}",
	"extern \"C\" void *tt_demo_lambda(void *(*cb)(void))",
	"{",
	"	return tt_demo::Widget::lambda(cb);",
	"}",
};

static int
run(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

/*
 * cxx_build() - compile the C++ library once, and a copy with its DWARF
 * moved to debug_dir/.build-id/, then load both.  Return: 0, or -1 when
 * no C++ compiler or objcopy is available (the tests then skip).
 */
static int
cxx_build(void)
{
	const struct test_modules *mods;
	const struct test_module *tm;
	char cmd[1024], src[128], sub[192];
	char hex[2 * sizeof(tm->build_id) + 1];
	FILE *f;
	void *(*entry)(void *(*)(void));

	if (cxx.state != 0)
		return cxx.state > 0 ? 0 : -1;
	cxx.state = -1;
	snprintf(cxx.dir, sizeof(cxx.dir), "/tmp/tt-symbolize-XXXXXX");
	if (mkdtemp(cxx.dir) == NULL)
		return -1;
	snprintf(src, sizeof(src), "%s/demo.cc", cxx.dir);
	f = fopen(src, "w");
	if (f == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(cxx_source) / sizeof(*cxx_source); i++) {
		fprintf(f, "%s\n", cxx_source[i]);
		if (strstr(cxx_source[i], "CALL") != NULL)
			cxx.call_line = (int)i + 1;
		if (strstr(cxx_source[i], "LAMBDA") != NULL)
			cxx.lambda_line = (int)i + 1;
	}
	fclose(f);

	snprintf(cxx.full, sizeof(cxx.full), "%s/libdemo.so", cxx.dir);
	snprintf(cxx.stripped, sizeof(cxx.stripped), "%s/libdemo-stripped.so",
		 cxx.dir);
	snprintf(cmd, sizeof(cmd),
		 "c++ -g -O0 -fPIC -shared -Wl,--build-id -o %s %s 2>/dev/null"
		 " && objcopy --strip-debug %s %s",
		 cxx.full, src, cxx.full, cxx.stripped);
	if (run(cmd) != 0)
		return -1;
	cxx.full_handle = dlopen(cxx.full, RTLD_NOW | RTLD_LOCAL);
	cxx.stripped_handle = dlopen(cxx.stripped, RTLD_NOW | RTLD_LOCAL);
	if (cxx.full_handle == NULL || cxx.stripped_handle == NULL)
		return -1;

	/* The debug file goes where a build-id lookup looks for it. */
	entry = (void *(*)(void *(*)(void)))dlsym(cxx.stripped_handle,
						  "tt_demo_entry");
	mods = collect_modules();
	tm = entry != NULL ? module_of(mods, (uintptr_t)entry) : NULL;
	if (tm == NULL || tm->build_id_len < 2)
		return -1;
	for (size_t i = 0; i < tm->build_id_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", tm->build_id[i]);
	snprintf(cxx.debug_dir, sizeof(cxx.debug_dir), "%s/debug", cxx.dir);
	snprintf(sub, sizeof(sub), "%s/.build-id/%.2s", cxx.debug_dir, hex);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && objcopy --only-keep-debug %s %s/%s.debug",
		 sub, cxx.full, sub, hex + 2);
	if (run(cmd) != 0)
		return -1;
	cxx.state = 1;
	return 0;
}

static __attribute__((noinline)) void *
cxx_callback(void)
{
	return __builtin_return_address(0);
}

/* Call an entry point of one copy of the library; return the pc in the
 * C++ function that called back. */
static uintptr_t
cxx_call(void *handle, const char *name)
{
	void *(*entry)(void *(*)(void));

	entry = (void *(*)(void *(*)(void)))dlsym(handle, name);
	assert_non_null(entry);
	return (uintptr_t)entry(cxx_callback);
}

static void
assert_widget_call(const struct tt_sym_frame *f)
{
	assert_non_null(f->function);
	assert_non_null(f->mangled);
	assert_true(strncmp(f->function, "tt_demo::Widget::call(", 22) == 0);
	assert_true(strncmp(f->mangled, "_ZN7tt_demo6Widget4call", 23) == 0);
}

static void
test_symbolize_cxx_demangled(void **state)
{
	const struct tt_sym_result *r;
	struct tt_sym *s;
	uintptr_t pc;

	(void)state;
	if (cxx_build() != 0)
		skip();
	pc = cxx_call(cxx.full_handle, "tt_demo_entry");
	s = sym_all(NULL, NULL);
	r = tt_sym_lookup(s, pc);
	assert_true(ends_with(tt_sym_module_path(s, r->module), "libdemo.so"));
	assert_int_equal(r->nframes, 1);
	assert_widget_call(&r->frames[0]);
	assert_non_null(r->frames[0].file);
	assert_true(ends_with(r->frames[0].file, "demo.cc"));
	assert_int_equal(r->frames[0].line, cxx.call_line);
	tt_sym_free(s);
}

static void
test_symbolize_cxx_lambda(void **state)
{
	const struct tt_sym_result *r;
	const struct tt_sym_frame *f;
	struct tt_sym *s;
	uintptr_t pc;

	(void)state;
	if (cxx_build() != 0)
		skip();
	pc = cxx_call(cxx.full_handle, "tt_demo_lambda");
	s = sym_all(NULL, NULL);
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->nframes, 1);
	f = &r->frames[0];
	assert_non_null(f->function);
	assert_true(strncmp(f->function, "tt_demo::Widget::lambda(", 24) == 0);
	assert_non_null(strstr(f->function, "operator()"));
	assert_non_null(f->file);
	assert_true(ends_with(f->file, "demo.cc"));
	assert_int_equal(f->line, cxx.lambda_line);
	tt_sym_free(s);
}

static void
test_symbolize_debug_dir_by_build_id(void **state)
{
	const struct tt_sym_result *r;
	struct tt_sym *s;
	uintptr_t pc;

	(void)state;
	if (cxx_build() != 0)
		skip();
	pc = cxx_call(cxx.stripped_handle, "tt_demo_entry");

	/* Without DWARF: the symbol table's name, demangled; no line. */
	s = sym_all(NULL, NULL);
	r = tt_sym_lookup(s, pc);
	assert_true(ends_with(tt_sym_module_path(s, r->module),
			      "libdemo-stripped.so"));
	assert_int_equal(r->nframes, 1);
	assert_widget_call(&r->frames[0]);
	assert_null(r->frames[0].file);
	assert_int_equal(r->frames[0].line, 0);
	tt_sym_free(s);

	/* With --debug-dir: the separate debug file, found by build id. */
	s = sym_all(NULL, cxx.debug_dir);
	r = tt_sym_lookup(s, pc);
	assert_int_equal(r->nframes, 1);
	assert_widget_call(&r->frames[0]);
	assert_non_null(r->frames[0].file);
	assert_true(ends_with(r->frames[0].file, "demo.cc"));
	assert_int_equal(r->frames[0].line, cxx.call_line);
	tt_sym_free(s);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_teardown(void **state)
{
	(void)state;
	if (cxx.full_handle != NULL)
		dlclose(cxx.full_handle);
	if (cxx.stripped_handle != NULL)
		dlclose(cxx.stripped_handle);
	if (strncmp(cxx.dir, "/tmp/tt-symbolize-", 18) == 0 &&
	    nftw(cxx.dir, remove_one, 8, FTW_DEPTH | FTW_PHYS) != 0)
		return -1;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_function_file_line),
		cmocka_unit_test(test_symbolize_inline_expansion),
		cmocka_unit_test(test_symbolize_nested_inline_expansion),
		cmocka_unit_test(test_symbolize_caches_per_pc),
		cmocka_unit_test(test_symbolize_libc_symbol),
		cmocka_unit_test(test_symbolize_build_id_mismatch_falls_back),
		cmocka_unit_test(test_symbolize_missing_file_falls_back),
		cmocka_unit_test(test_symbolize_outside_modules),
		cmocka_unit_test(test_symbolize_overlap_first_registered_wins),
		cmocka_unit_test(test_symbolize_sysroot_prefixes_path),
		cmocka_unit_test(test_symbolize_cxx_demangled),
		cmocka_unit_test(test_symbolize_cxx_lambda),
		cmocka_unit_test(test_symbolize_debug_dir_by_build_id),
	};

	return cmocka_run_group_tests_name("symbolize", tests, NULL,
					   group_teardown);
}
