/*
 * modules.c - the module registry.  Filled from dl_iterate_phdr() at start,
 * before every dlclose() and at every dump; entries are never removed, so a
 * dump lists libraries that were unloaded before it.  Memory is static:
 * nothing here allocates.
 */
#include "modules.h"

#include <elf.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../format/tdump.h"
#include "internal.h"
#include "proc_maps.h"

#define MAX_MODULES 4096
#define PATH_POOL (1u << 20)

static struct tt_module mods[MAX_MODULES];
static unsigned nmods;
static char pool[PATH_POOL];
static unsigned pool_used;
static uint64_t epoch;
static atomic_flag lock = ATOMIC_FLAG_INIT;

void
tt_modules_prefork(void)
{
	tt_spin_lock(&lock);
}

void
tt_modules_postfork(void)
{
	tt_spin_unlock(&lock);
}

static const char *
keep_string(const char *s, size_t n)
{
	char *p;

	if (pool_used + n + 1 > PATH_POOL)
		return NULL;
	p = pool + pool_used;
	memcpy(p, s, n);
	p[n] = '\0';
	pool_used += (unsigned)n + 1;
	return p;
}

static unsigned
find_build_id(const struct dl_phdr_info *info, uint8_t *out, unsigned max)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*nh);
			const char *desc = name + ((nh->n_namesz + 3) & ~3u);

			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0) {
				unsigned n = nh->n_descsz < max ? nh->n_descsz : max;

				memcpy(out, desc, n);
				return n;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

/*
 * The file mapped at addr, from /proc/self/maps: for modules the program
 * opened by a relative path, whose name would mean nothing to the tool.
 * Return: 0, or -1 when not found.
 */
struct mapped {
	uint64_t addr;
	char *out;
	size_t n;
};

static int
mapped_one(const struct tt_maps_line *m, void *arg)
{
	struct mapped *q = arg;

	size_t len = strlen(m->name);

	if (q->addr < m->lo || q->addr >= m->hi)
		return 0;
	if (m->name[0] != '/' || len >= q->n)
		return -1;
	memcpy(q->out, m->name, len + 1);
	return 1;
}

static int
mapped_path(uint64_t addr, char *out, size_t n)
{
	static char buf[8192];	/* under the module lock */
	struct mapped q = { addr, out, n };

	return tt_proc_maps_each(buf, sizeof(buf), mapped_one, &q) == 1 ? 0 : -1;
}

void
tt_phdr_range(const struct dl_phdr_info *info, uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < *lo)
			*lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > *hi)
			*hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
}

static int
add_one(struct dl_phdr_info *info, size_t size, void *data)
{
	static char exe[4096], abs[4096];
	const char *name = info->dlpi_name;
	uint64_t lo, hi;
	uint32_t flags = 0;
	size_t len;
	struct tt_module *m;

	(void)size;
	(void)data;
	if (name == NULL || name[0] == '\0') {
		if (nmods > 0 && (mods[0].flags & TT_MOD_MAIN)) {
			mods[0].seen = epoch;
			return 0;
		}
		long n = syscall(SYS_readlink, "/proc/self/exe", exe, sizeof(exe) - 1);

		exe[n > 0 ? n : 0] = '\0';
		name = exe;
		flags = TT_MOD_MAIN;
	}
	tt_phdr_range(info, &lo, &hi);
	if (hi == 0)
		return 0;
	/* The vDSO is no file the tool could read: skipped here, not after a
	 * read of all the maps (one per snapshot) that found no path for it. */
	if (lo == getauxval(AT_SYSINFO_EHDR))
		return 0;
	if (name[0] != '/') {
		/* opened by a relative path */
		if (mapped_path(lo, abs, sizeof(abs)) != 0)
			return 0;
		name = abs;
	}
	len = strlen(name);
	for (unsigned i = 0; i < nmods; i++) {
		m = &mods[i];
		if (m->bias == info->dlpi_addr && m->lo == lo && m->path_len == len &&
		    memcmp(m->path, name, len) == 0) {
			m->seen = epoch;
			return 0;
		}
	}
	if (nmods == MAX_MODULES)
		return 0;
	m = &mods[nmods];
	m->path = keep_string(name, len);
	if (m->path == NULL)
		return 0;
	m->path_len = (uint32_t)len;
	m->bias = info->dlpi_addr;
	m->lo = lo;
	m->hi = hi;
	m->flags = flags;
	m->build_id_len = find_build_id(info, m->build_id, sizeof(m->build_id));
	m->seen = epoch;
	if (flags & TT_MOD_MAIN && nmods > 0) {
		/* keep the main executable first */
		struct tt_module tmp = mods[0];

		mods[0] = *m;
		*m = tmp;
	}
	nmods++;
	return 0;
}

uint64_t
tt_modules_snapshot(void)
{
	uint64_t now;

	tt_spin_lock(&lock);
	now = ++epoch;
	dl_iterate_phdr(add_one, NULL);
	tt_spin_unlock(&lock);
	return now;
}

_Atomic int tt_modules_crash;

uint64_t
tt_modules_last(void)
{
	return __atomic_load_n(&epoch, __ATOMIC_ACQUIRE);
}

void
tt_modules_each(uint64_t now, void (*fn)(const struct tt_module *, void *), void *arg)
{
	int locked = 1;

	if (atomic_load(&tt_modules_crash)) {
		unsigned spins = 0;

		while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
			if (++spins > (1u << 24)) {
				locked = 0;
				break;
			}
		if (locked)
			tt_lock_depth++;
	} else {
		tt_spin_lock(&lock);
	}
	for (unsigned i = 0, n = __atomic_load_n(&nmods, __ATOMIC_ACQUIRE); i < n; i++) {
		struct tt_module m = mods[i];

		if (m.seen < now)
			m.flags |= TT_MOD_UNLOADED;
		fn(&m, arg);
	}
	if (locked)
		tt_spin_unlock(&lock);
}

const char *
tt_modules_main_path(void)
{
	return nmods > 0 && (mods[0].flags & TT_MOD_MAIN) ? mods[0].path : "";
}
