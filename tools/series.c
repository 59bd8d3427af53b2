/*
 * series.c - match allocation sites across the dumps of a series
 * (series.h).  Sites are keyed by what survives address-space layout
 * randomization: the allocation function and, per frame, the module path
 * and the offset in it; a frame outside every module keys by address.
 */
#include "tools/series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/util.h"

const char *
tt_series_main_build_id(const struct tt_dump *d, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < d->nmodules; i++) {
		const struct tt_dump_module *m = &d->modules[i];

		if (!(m->rec.flags & TT_MOD_MAIN))
			continue;
		for (size_t k = 0; k < m->build_id_len && 2 * k + 2 < n; k++)
			snprintf(buf + 2 * k, 3, "%02x", m->build_id[k]);
		break;
	}
	return buf;
}

static char *
site_key(struct tt_proc_model *p, const struct tt_dump_stack *s)
{
	struct tt_buf b = { 0 };

	tt_buf_printf(&b, "%u", s->rec.alloc_fn);
	for (unsigned i = 0; i < s->rec.depth; i++) {
		const struct tt_sym_result *r = tt_sym_lookup(p->sym, s->frames[i]);

		if (r->module >= 0)
			tt_buf_printf(&b, ";%s+%llx", tt_sym_module_path(p->sym, r->module),
				      (unsigned long long)r->offset);
		else
			tt_buf_printf(&b, ";0x%llx", (unsigned long long)s->frames[i]);
	}
	tt_buf_add(&b, "", 1);
	return b.s;
}

static int
cmp_dump(const void *a, const void *b)
{
	const struct tt_rec_process *x = &((const struct tt_proc_model *)a)->dump->proc;
	const struct tt_rec_process *y = &((const struct tt_proc_model *)b)->dump->proc;

	if (x->start_realtime_ns != y->start_realtime_ns)
		return x->start_realtime_ns < y->start_realtime_ns ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct entry {
	char *key;
	size_t dump;
	const struct tt_site *site;
};

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->dump < y->dump ? -1 : x->dump > y->dump;
}

static int
cmp_site(const void *a, const void *b)
{
	const struct tt_series_site *x = a, *y = b;

	if (x->suspect != y->suspect)
		return x->suspect ? -1 : 1;
	if (x->growth != y->growth)
		return x->growth > y->growth ? -1 : 1;
	if (x->growth_blocks != y->growth_blocks)
		return x->growth_blocks > y->growth_blocks ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Return: 0, or -1 after a message: the dumps are of one program. */
static int
same_program(struct tt_series *s)
{
	const struct tt_dump *a = s->model.procs[0].dump;
	char ba[160], bb[160];

	tt_series_main_build_id(a, ba, sizeof(ba));
	for (size_t i = 1; i < s->n; i++) {
		const struct tt_dump *b = s->model.procs[i].dump;

		tt_series_main_build_id(b, bb, sizeof(bb));
		if (strcmp(a->exe, b->exe) != 0 || (ba[0] && bb[0] && strcmp(ba, bb) != 0)) {
			tt_err("%s is a dump of %s (build id %s), %s of %s (build id %s): "
			       "expected dumps of one program", a->path, a->exe,
			       ba[0] ? ba : "none", b->path, b->exe, bb[0] ? bb : "none");
			return -1;
		}
		if (b->proc.pid != a->proc.pid ||
		    b->proc.start_realtime_ns != a->proc.start_realtime_ns)
			s->several_pids = true;
	}
	return 0;
}

/* The verdict of block b (of dump d) in dump x of the same process: 0 not
 * there (or no scan), else its enum tt_leak_kind. */
static uint32_t
kind_in(const struct tt_dump *x, const struct tt_rec_block *b)
{
	if (!x->has_scan)
		return 0;
	for (size_t i = 0; i < x->nblocks; i++)	/* dumps of a series are few */
		if (x->blocks[i].addr == b->addr && x->blocks[i].time_ns == b->time_ns &&
		    x->blocks[i].size == b->size)
			return x->leaks[i].kind;
	return 0;
}

static void
add_lost(struct tt_series_site *t, uint32_t last, uint32_t first, uint64_t size)
{
	for (size_t i = 0; i < t->nlost; i++)
		if (t->lost[i].last_reachable == last && t->lost[i].first_lost == first) {
			t->lost[i].blocks++;
			t->lost[i].bytes += size;
			return;
		}
	t->lost = tt_xrealloc(t->lost, (t->nlost + 1) * sizeof(*t->lost));
	t->lost[t->nlost++] = (struct tt_lost_when){ last, first, 1, size };
}

/*
 * A site's verdict over the series (tether-diff(1), VERDICTS), and when
 * its lost blocks were lost: each is looked for in the earlier dumps with
 * a scan of the same process, by address, allocation time and size.
 */
static void
verdict(struct tt_series *s, struct tt_series_site *t)
{
	size_t last_scan = s->n;
	const struct tt_site *z = t->at[s->n - 1];
	const struct tt_dump *first = s->model.procs[0].dump, *ld = s->model.procs[s->n - 1].dump;
	uint64_t span = ld->proc.dump_monotonic_ns - first->proc.dump_monotonic_ns;
	uint64_t da = t->alloc_blocks[s->n - 1] - t->alloc_blocks[0], df, maxb = 0;

	for (size_t d = s->n; d-- > 0;)
		if (s->model.procs[d].dump->has_scan) {
			last_scan = d;
			break;
		}
	if (last_scan < s->n && t->at[last_scan] && t->at[last_scan]->lost_blocks > 0) {
		const struct tt_dump *x = s->model.procs[last_scan].dump;
		const struct tt_dump_stack *st = t->at[last_scan]->stack;

		t->verdict = TT_VERDICT_UNREACHABLE;
		for (size_t i = 0; i < x->nblocks; i++) {
			const struct tt_rec_block *b = &x->blocks[i];
			uint32_t lastr = 0, firstl = 0;

			if (b->stack != st->rec.id || (x->leaks[i].kind != TT_LEAK_DEFINITE &&
						       x->leaks[i].kind != TT_LEAK_INDIRECT))
				continue;
			for (size_t d = 0; d < last_scan; d++) {
				const struct tt_dump *y = s->model.procs[d].dump;
				uint32_t k;

				if (y->proc.pid != x->proc.pid ||
				    y->proc.start_realtime_ns != x->proc.start_realtime_ns)
					continue;
				k = kind_in(y, b);
				if (k == TT_LEAK_REACHABLE || k == TT_LEAK_POSSIBLE) {
					lastr = y->proc.seq;
					firstl = 0;
				} else if ((k == TT_LEAK_DEFINITE || k == TT_LEAK_INDIRECT) &&
					   firstl == 0) {
					firstl = y->proc.seq;
				}
			}
			if (firstl == 0)
				firstl = x->proc.seq;
			add_lost(t, lastr, firstl, b->size);
		}
		return;
	}
	if (z == NULL || z->live_blocks == 0)
		return;
	if (t->suspect && z->age_max_ns > span) {
		t->verdict = TT_VERDICT_GROWING;	/* holds blocks from before the series */
		return;
	}
	df = t->at[0] ? z->stack->rec.free_blocks - t->at[0]->stack->rec.free_blocks :
			z->stack->rec.free_blocks;
	for (size_t d = 0; d + 1 < s->n; d++)
		maxb = t->bytes[d] > maxb ? t->bytes[d] : maxb;
	if (!t->suspect && da > 0 && (double)df >= 0.9 * (double)da &&
	    t->bytes[s->n - 1] <= maxb && z->age_median_ns < span)
		t->verdict = TT_VERDICT_CACHE;
}

int
tt_series_load(struct tt_series *s, char *const *paths, int npaths,
	       const struct tt_model_opts *opts, bool keep_order, long pid)
{
	struct tt_model_opts o = *opts;
	struct entry *e = NULL;
	size_t ne = 0, cap = 0, k;

	memset(s, 0, sizeof(*s));
	o.every_dump = true;
	if (tt_model_load(&s->model, paths, npaths, &o) != 0)
		return -1;
	if (pid > 0) {
		size_t j = 0;

		for (size_t i = 0; i < s->model.nprocs; i++) {
			struct tt_proc_model *p = &s->model.procs[i];

			if ((long)p->dump->proc.pid == pid) {
				s->model.procs[j++] = *p;
				continue;
			}
			tt_sym_free(p->sym);
			free(p->sites);
			free(p->module_index);
			tt_dump_free(p->dump);
		}
		s->model.nprocs = j;
		if (j == 0) {
			tt_err("no dump of pid %ld among the dumps given", pid);
			return -1;
		}
	}
	s->n = s->model.nprocs;
	if (!keep_order)
		qsort(s->model.procs, s->n, sizeof(*s->model.procs), cmp_dump);
	if (same_program(s) != 0)
		return -1;
	for (size_t d = 0; d < s->n; d++) {
		struct tt_proc_model *p = &s->model.procs[d];

		for (size_t i = 0; i < p->nsites; i++) {
			if (ne == cap) {
				cap = cap ? 2 * cap : 256;
				e = tt_xrealloc(e, cap * sizeof(*e));
			}
			e[ne].key = site_key(p, p->sites[i].stack);
			e[ne].dump = d;
			e[ne].site = &p->sites[i];
			ne++;
		}
	}
	qsort(e, ne, sizeof(*e), cmp_entry);
	s->sites = tt_xcalloc(ne ? ne : 1, sizeof(*s->sites));
	for (size_t i = 0; i < ne; i = k) {
		struct tt_series_site *t = &s->sites[s->nsites++];

		t->key = e[i].key;
		t->bytes = tt_xcalloc(s->n, sizeof(uint64_t));
		t->blocks = tt_xcalloc(s->n, sizeof(uint64_t));
		t->alloc_bytes = tt_xcalloc(s->n, sizeof(uint64_t));
		t->alloc_blocks = tt_xcalloc(s->n, sizeof(uint64_t));
		for (k = i; k < ne && strcmp(e[k].key, e[i].key) == 0; k++) {
			const struct tt_site *x = e[k].site;

			/* One stack per key within a dump; sum should two match. */
			t->bytes[e[k].dump] += x->live_bytes;
			t->blocks[e[k].dump] += x->live_blocks;
			t->alloc_bytes[e[k].dump] += x->stack->rec.alloc_bytes;
			t->alloc_blocks[e[k].dump] += x->stack->rec.alloc_blocks;
			t->proc = &s->model.procs[e[k].dump];
			t->stack = x->stack;
			if (k > i)
				free(e[k].key);
		}
		t->at = tt_xcalloc(s->n, sizeof(*t->at));
		for (size_t q = i; q < k; q++)
			t->at[e[q].dump] = e[q].site;
		t->growth = (int64_t)(t->bytes[s->n - 1] - t->bytes[0]);
		t->growth_blocks = (int64_t)(t->blocks[s->n - 1] - t->blocks[0]);
		t->suspect = s->n >= 3;
		for (size_t d = 1; d < s->n && t->suspect; d++)
			t->suspect = t->bytes[d] > t->bytes[d - 1];
		s->nsuspects += t->suspect;
	}
	free(e);
	for (size_t i = 0; i < s->nsites; i++)
		verdict(s, &s->sites[i]);
	qsort(s->sites, s->nsites, sizeof(*s->sites), cmp_site);
	return 0;
}

void
tt_series_free(struct tt_series *s)
{
	for (size_t i = 0; i < s->nsites; i++) {
		free(s->sites[i].key);
		free(s->sites[i].bytes);
		free(s->sites[i].blocks);
		free(s->sites[i].alloc_bytes);
		free(s->sites[i].alloc_blocks);
		free(s->sites[i].at);
		free(s->sites[i].lost);
	}
	free(s->sites);
	tt_model_free(&s->model);
	memset(s, 0, sizeof(*s));
}
