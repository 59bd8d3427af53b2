/*
 * report_pprof.c - the heap profile in pprof's profile.proto: one sample
 * per allocation site with alloc_objects, alloc_space, inuse_objects and
 * inuse_space (inuse = still live when the dump was written), every module
 * as a mapping with its build id, and locations carrying function, file,
 * line and inline frames, so pprof needs no binaries to show it.  With
 * --site-labels each sample also carries its site's lifetimes and
 * ownership as labels (temporary_blocks, cross_thread_frees,
 * orphan_blocks, lost_blocks, lifetime_median, lifetime_p99 and age_max in
 * nanoseconds, verdict); they differ from dump to dump, and pprof keeps
 * samples with other labels apart, so by default there are none and
 * `go tool pprof -base A B` subtracts as it should.  With several
 * processes, samples carry a "pid" label.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tools/cmd.h"
#include "tools/pprof.h"

static char *
hex(const uint8_t *p, size_t n)
{
	char *s = tt_xmalloc(2 * n + 1);

	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

uint64_t *
tt_pprof_proc_mappings(struct tt_pprof *pp, struct tt_proc_model *p)
{
	const struct tt_dump *d = p->dump;
	int max_sym = -1;
	uint64_t *map_of_sym;

	for (size_t i = 0; i < d->nmodules; i++)
		if (p->module_index[i] > max_sym)
			max_sym = p->module_index[i];
	map_of_sym = tt_xcalloc((size_t)max_sym + 2, sizeof(*map_of_sym));
	for (size_t i = 0; i < d->nmodules; i++) {
		const struct tt_dump_module *m = &d->modules[i];
		char *bid = hex(m->build_id, m->build_id_len);
		uint64_t id = tt_pprof_mapping(pp, m->rec.lo, m->rec.hi,
					       m->rec.lo - m->rec.bias, m->path,
					       m->build_id_len ? bid : NULL,
					       true, true, true, true);

		if (p->module_index[i] >= 0)
			map_of_sym[p->module_index[i]] = id;
		free(bid);
	}
	map_of_sym[max_sym + 1] = UINT64_MAX;	/* end marker */
	return map_of_sym;
}

uint64_t *
tt_pprof_stack_locations(struct tt_pprof *pp, struct tt_proc_model *p,
			 const uint64_t *map_of_sym, const struct tt_dump_stack *s)
{
	const struct tt_rec_stack *r = &s->rec;
	uint64_t *locs = tt_xcalloc(r->depth ? r->depth : 1, sizeof(*locs));
	int max_sym = 0;

	while (map_of_sym[max_sym] != UINT64_MAX)
		max_sym++;
	for (unsigned k = 0; k < r->depth; k++) {
		const struct tt_sym_result *res = tt_sym_lookup(p->sym, s->frames[k]);
		struct tt_pprof_line lines[TT_SYM_MAX_INLINE];
		int nl = res->nframes;

		for (int j = 0; j < nl; j++) {
			lines[j].function = res->frames[j].function;
			lines[j].system_name = res->frames[j].mangled;
			lines[j].file = res->frames[j].file;
			lines[j].line = res->frames[j].line;
		}
		locs[k] = tt_pprof_location(pp,
			res->module >= 0 && res->module < max_sym ?
			map_of_sym[res->module] : 0,
			s->frames[k], lines, (size_t)nl);
	}
	return locs;
}

static void
add_proc(struct tt_pprof *pp, struct tt_proc_model *p, bool label_pid, bool site_labels)
{
	const struct tt_dump *d = p->dump;
	uint64_t *map_of_sym = tt_pprof_proc_mappings(pp, p);

	for (size_t i = 0; i < p->nsites; i++) {
		const struct tt_site *s = &p->sites[i];
		const struct tt_rec_stack *r = &s->stack->rec;
		int64_t v[4] = {
			(int64_t)r->alloc_blocks, (int64_t)r->alloc_bytes,
			(int64_t)s->live_blocks, (int64_t)s->live_bytes,
		};
		const struct tt_rec_site_life *l = s->life;
		struct tt_pprof_label labels[11] = {
			{ .key = "alloc_function", .str = tt_dump_alloc_fn_name(r->alloc_fn) },
			{ .key = "temporary_blocks", .num = l ? (int64_t)l->temporary : 0 },
			{ .key = "cross_thread_frees", .num = l ? (int64_t)l->cross_thread_frees : 0 },
			{ .key = "orphan_blocks", .num = (int64_t)s->orphan_blocks },
			{ .key = "lifetime_median", .num = (int64_t)(s->life_median_ns > INT64_MAX ?
					INT64_MAX : s->life_median_ns), .num_unit = "nanoseconds" },
			{ .key = "lifetime_p99", .num = (int64_t)(s->life_p99_ns > INT64_MAX ?
					INT64_MAX : s->life_p99_ns), .num_unit = "nanoseconds" },
			{ .key = "age_max", .num = (int64_t)s->age_max_ns, .num_unit = "nanoseconds" },
			{ .key = "lost_blocks", .num = (int64_t)s->lost_blocks },
		};
		size_t nl = 8;

		if (!site_labels)
			nl = 1;	/* alloc_function only */
		uint64_t *locs = tt_pprof_stack_locations(pp, p, map_of_sym, s->stack);

		if (site_labels && tt_verdict_name(s->verdict))
			labels[nl++] = (struct tt_pprof_label){ .key = "verdict",
							       .str = tt_verdict_name(s->verdict) };
		if (label_pid)
			labels[nl++] = (struct tt_pprof_label){ .key = "pid", .num = d->proc.pid };
		tt_pprof_sample(pp, locs, r->depth, v, labels, nl);
		free(locs);
	}
	free(map_of_sym);
}

void
tt_pprof_heap_types(struct tt_pprof *pp)
{
	tt_pprof_sample_type(pp, "alloc_objects", "count");
	tt_pprof_sample_type(pp, "alloc_space", "bytes");
	tt_pprof_sample_type(pp, "inuse_objects", "count");
	tt_pprof_sample_type(pp, "inuse_space", "bytes");
	tt_pprof_default_sample_type(pp, "inuse_space");
	tt_pprof_period(pp, "space", "bytes", 1);
}

int
tt_report_pprof(struct tt_model *m, const struct tt_report_opts *o, const char *path)
{
	struct tt_pprof *pp = tt_pprof_new();
	int rc;

	tt_pprof_heap_types(pp);
	if (m->nprocs > 0) {
		const struct tt_rec_process *p = &m->procs[0].dump->proc;

		tt_pprof_time(pp, (int64_t)p->start_realtime_ns,
			      (int64_t)(p->dump_monotonic_ns - p->start_monotonic_ns));
	}
	for (size_t i = 0; i < m->nprocs; i++) {
		char *c = tt_xasprintf("tether heap profile of %s (pid %u)",
				       m->procs[i].dump->exe, m->procs[i].dump->proc.pid);

		tt_pprof_comment(pp, c);
		free(c);
		add_proc(pp, &m->procs[i], m->nprocs > 1, o != NULL && o->site_labels);
	}
	rc = tt_pprof_write(pp, path);
	tt_pprof_free(pp);
	return rc;
}
