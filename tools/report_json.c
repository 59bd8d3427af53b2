/*
 * report_json.c - the JSON report, for scripts and CI.  The schema is
 * documented in tether-report(1) (JSON OUTPUT); "schema" is bumped on any
 * incompatible change.  Every site is listed (also fully freed ones) unless
 * --top limits them.
 */
#include <stdlib.h>

#include "tools/cmd.h"

#define JSON_SCHEMA 1

static void
json_u64(struct tt_buf *b, const char *key, uint64_t v, int comma)
{
	tt_buf_printf(b, "\"%s\": %llu%s", key, (unsigned long long)v, comma ? ", " : "");
}

void
tt_json_stack(struct tt_buf *b, struct tt_proc_model *p, const struct tt_dump_stack *s)
{
	struct tt_frame *f;
	size_t n;

	f = tt_model_frames(p, s, &n);
	tt_buf_add(b, "[", 1);
	for (size_t i = 0; i < n; i++) {
		tt_buf_printf(b, "%s{\"address\": \"0x%llx\", \"function\": ", i ? ", " : "",
			      (unsigned long long)f[i].pc);
		if (f[i].function)
			tt_buf_json_str(b, f[i].function);
		else
			tt_buf_add(b, "null", 4);
		tt_buf_add(b, ", \"file\": ", 10);
		if (f[i].file)
			tt_buf_json_str(b, f[i].file);
		else
			tt_buf_add(b, "null", 4);
		tt_buf_printf(b, ", \"line\": %d, \"inlined\": %s, \"module\": ", f[i].line,
			      f[i].inlined ? "true" : "false");
		if (f[i].module)
			tt_buf_json_str(b, f[i].module);
		else
			tt_buf_add(b, "null", 4);
		tt_buf_printf(b, ", \"offset\": \"0x%llx\"}", (unsigned long long)f[i].offset);
	}
	tt_buf_add(b, "]", 1);
	free(f);
}

/* A function name for an address, or null. */
static void
json_routine(struct tt_buf *b, struct tt_proc_model *p, uint64_t addr)
{
	const struct tt_sym_result *r = addr ? tt_sym_lookup(p->sym, addr + 1) : NULL;

	if (r != NULL && r->nframes > 0 && r->frames[r->nframes - 1].function)
		tt_buf_json_str(b, r->frames[r->nframes - 1].function);
	else
		tt_buf_add(b, "null", 4);
}

/* Lifetimes, ownership and the verdict of a site (tether-report(1)). */
static void
json_life(struct tt_buf *b, struct tt_proc_model *p, const struct tt_site *s)
{
	const struct tt_rec_site_life *l = s->life;
	const char *v = tt_verdict_name(s->verdict);

	tt_buf_add(b, "\"lifetime_buckets\": [", 21);
	for (unsigned k = 0; l && k < TT_LIFE_BUCKETS; k++)
		tt_buf_printf(b, "%s%llu", k ? ", " : "", (unsigned long long)l->life[k]);
	tt_buf_add(b, "], ", 3);
	json_u64(b, "lifetime_median_ns", s->life_median_ns, 1);
	json_u64(b, "lifetime_p99_ns", s->life_p99_ns, 1);
	json_u64(b, "temporary_blocks", l ? l->temporary : 0, 1);
	json_u64(b, "cross_thread_frees", l ? l->cross_thread_frees : 0, 1);
	tt_buf_printf(b, "\"alloc_thread\": %u, \"alloc_threads_many\": %s, "
		      "\"free_thread\": %u, \"free_threads_many\": %s, ",
		      l ? l->alloc_thread : 0, l && (l->flags & TT_LIFE_F_ALLOC_MANY) ? "true" : "false",
		      l ? l->free_thread : 0, l && (l->flags & TT_LIFE_F_FREE_MANY) ? "true" : "false");
	json_u64(b, "age_min_ns", s->age_min_ns, 1);
	json_u64(b, "age_median_ns", s->age_median_ns, 1);
	json_u64(b, "age_max_ns", s->age_max_ns, 1);
	json_u64(b, "orphan_blocks", s->orphan_blocks, 1);
	json_u64(b, "orphan_bytes", s->orphan_bytes, 1);
	json_u64(b, "orphan_threads", s->orphan_threads, 1);
	tt_buf_printf(b, "\"orphan_thread\": %u, \"orphan_start_routine\": ", s->orphan_thread);
	json_routine(b, p, s->orphan_routine);
	tt_buf_add(b, ", ", 2);
	json_u64(b, "lost_blocks", s->lost_blocks, 1);
	json_u64(b, "lost_bytes", s->lost_bytes, 1);
	tt_buf_add(b, "\"verdict\": ", 11);
	if (v)
		tt_buf_json_str(b, v);
	else
		tt_buf_add(b, "null", 4);
	tt_buf_add(b, ", ", 2);
}

static void
json_proc(struct tt_buf *b, struct tt_proc_model *p, const struct tt_report_opts *o)
{
	const struct tt_dump *d = p->dump;
	char when[64];

	tt_format_time(when, sizeof(when), d->proc.start_realtime_ns);
	tt_buf_add(b, "{\"dump\": ", 9);
	tt_buf_json_str(b, d->path);
	tt_buf_printf(b, ", \"pid\": %u, \"ppid\": %u, \"forked\": %s, \"exe\": ",
		      d->proc.pid, d->proc.ppid,
		      d->proc.flags & TT_PROC_FORKED ? "true" : "false");
	tt_buf_json_str(b, d->exe);
	tt_buf_add(b, ", \"argv\": [", 11);
	for (size_t i = 0; d->argv && d->argv[i]; i++) {
		if (i)
			tt_buf_add(b, ", ", 2);
		tt_buf_json_str(b, d->argv[i]);
	}
	tt_buf_printf(b, "], \"started\": \"%s\", \"duration_ns\": %llu, \"trigger\": \"%s\", "
		      "\"seq\": %u, \"exit_status\": ", when,
		      (unsigned long long)(d->proc.dump_monotonic_ns - d->proc.start_monotonic_ns),
		      tt_dump_trigger_name(d->proc.trigger), d->proc.seq);
	if (d->proc.exit_status >= 0)
		tt_buf_printf(b, "%d", d->proc.exit_status);
	else
		tt_buf_add(b, "null", 4);
	tt_buf_printf(b, ", \"stack_depth\": %u, \"sample_rate\": %llu, \"totals\": {",
		      d->proc.stack_depth, (unsigned long long)p->sample_rate);
	json_u64(b, "in_use_bytes", p->live_bytes, 1);
	json_u64(b, "in_use_blocks", p->live_blocks, 1);
	json_u64(b, "alloc_bytes", p->alloc_bytes, 1);
	json_u64(b, "alloc_blocks", p->alloc_blocks, 1);
	json_u64(b, "free_bytes", p->free_bytes, 1);
	json_u64(b, "free_blocks", p->free_blocks, 0);
	tt_buf_add(b, "}, \"not_recorded\": {", 20);
	json_u64(b, "allocations", d->stats.dropped_blocks, 1);
	json_u64(b, "stacks", d->stats.dropped_stacks, 1);
	json_u64(b, "unknown_frees", d->stats.bad_frees, 0);
	tt_buf_add(b, "}, \"threads\": {", 15);
	json_u64(b, "seen", d->stats.threads_seen, 1);
	json_u64(b, "registry_slots", d->stats.thread_slots, 0);
	tt_buf_add(b, "}, \"sites\": [", 13);
	for (size_t i = 0; i < p->nsites; i++) {
		const struct tt_site *s = &p->sites[i];
		const struct tt_rec_stack *r = &s->stack->rec;

		if (o->top > 0 && (long)i == o->top)
			break;
		tt_buf_add(b, i ? ",\n  {" : "\n  {", i ? 5 : 4);
		json_u64(b, "in_use_bytes", s->live_bytes, 1);
		json_u64(b, "in_use_blocks", s->live_blocks, 1);
		json_u64(b, "alloc_bytes", r->alloc_bytes, 1);
		json_u64(b, "alloc_blocks", r->alloc_blocks, 1);
		json_u64(b, "free_bytes", r->free_bytes, 1);
		json_u64(b, "free_blocks", r->free_blocks, 1);
		json_life(b, p, s);
		tt_buf_printf(b, "\"alloc_function\": \"%s\", \"truncated\": %s, ",
			      tt_dump_alloc_fn_name(r->alloc_fn),
			      r->flags & TT_STACK_TRUNCATED ? "true" : "false");
		tt_buf_add(b, "\"frames\": ", 10);
		tt_json_stack(b, p, s->stack);
		tt_buf_add(b, "}", 1);
	}
	tt_buf_add(b, "]}", 2);
}

int
tt_report_json(struct tt_model *m, const struct tt_report_opts *o, struct tt_buf *out)
{
	tt_buf_printf(out, "{\"format\": \"tether-report\", \"schema\": %d, \"processes\": [",
		      JSON_SCHEMA);
	for (size_t i = 0; i < m->nprocs; i++) {
		if (i)
			tt_buf_add(out, ",\n", 2);
		json_proc(out, &m->procs[i], o);
	}
	tt_buf_add(out, "]}\n", 3);
	return 0;
}
