/*
 * report_text.c - the text report: for each process, what was still in use
 * when the dump was written, by allocation site, largest first, with
 * symbolized stacks.  Frame #0 is the allocation function itself.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/cmd.h"

const char *
tt_basename(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

void
tt_format_time(char *buf, size_t n, uint64_t realtime_ns)
{
	time_t t = (time_t)(realtime_ns / 1000000000u);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
text_frame(struct tt_buf *b, const char *indent, unsigned n, const struct tt_frame *f)
{
	tt_buf_printf(b, "%s#%u ", indent, n);
	if (f->function != NULL)
		tt_buf_printf(b, "%s", f->function);
	else
		tt_buf_printf(b, "0x%llx", (unsigned long long)f->pc);
	if (f->file != NULL && f->line > 0)
		tt_buf_printf(b, " (%s:%d)", tt_basename(f->file), f->line);
	else if (f->module != NULL)
		tt_buf_printf(b, " (%s+0x%llx)", tt_basename(f->module),
			      (unsigned long long)f->offset);
	if (f->inlined)
		tt_buf_add(b, " [inlined]", 10);
	tt_buf_add(b, "\n", 1);
}

void
tt_text_stack(struct tt_buf *b, struct tt_proc_model *p, const struct tt_dump_stack *s,
	      const char *indent, unsigned first)
{
	size_t n;
	struct tt_frame *f = tt_model_frames(p, s, &n);

	for (size_t i = 0; i < n; i++)
		text_frame(b, indent, first + (unsigned)i, &f[i]);
	free(f);
}

void
tt_text_duration(struct tt_buf *b, uint64_t ns)
{
	if (ns == UINT64_MAX)
		tt_buf_add(b, "forever", 7);
	else if (ns < 1000000)
		tt_buf_printf(b, "%.0f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		tt_buf_printf(b, "%.1f ms", (double)ns / 1e6);
	else if (ns < 120000000000ull)
		tt_buf_printf(b, "%.1f s", (double)ns / 1e9);
	else if (ns < 7200000000000ull)
		tt_buf_printf(b, "%.1f min", (double)ns / 6e10);
	else
		tt_buf_printf(b, "%.1f h", (double)ns / 3.6e12);
}

/* The lines on lifetimes, ownership and the verdict under a site. */
static void
text_life(struct tt_buf *b, struct tt_proc_model *p, const struct tt_site *s)
{
	const struct tt_rec_site_life *l = s->life;
	const char *v = tt_verdict_name(s->verdict);

	if (v)
		tt_buf_printf(b, "    verdict: %s\n", v);
	if (s->live_blocks > 0) {
		tt_buf_add(b, "    live blocks aged ", 21);
		tt_text_duration(b, s->age_min_ns);
		tt_buf_add(b, " to ", 4);
		tt_text_duration(b, s->age_max_ns);
		tt_buf_add(b, " (median ", 9);
		tt_text_duration(b, s->age_median_ns);
		tt_buf_add(b, ")\n", 2);
	}
	if (l != NULL && s->stack->rec.free_blocks > 0) {
		tt_buf_add(b, "    freed blocks lived: median < ", 33);
		tt_text_duration(b, s->life_median_ns);
		tt_buf_add(b, ", 99% < ", 8);
		tt_text_duration(b, s->life_p99_ns);
		tt_buf_printf(b, "; %llu temporary, %llu freed by another thread\n",
			      (unsigned long long)l->temporary,
			      (unsigned long long)l->cross_thread_frees);
	}
	if (l != NULL)
		tt_buf_printf(b, "    allocated by thread %u%s, freed by %s%.0u%s\n",
			      l->alloc_thread, l->flags & TT_LIFE_F_ALLOC_MANY ? " and others" : "",
			      l->free_thread ? "thread " : "no thread", l->free_thread,
			      l->flags & TT_LIFE_F_FREE_MANY ? " and others" : "");
	if (s->orphan_blocks > 0) {
		const struct tt_sym_result *r = s->orphan_routine ?
			tt_sym_lookup(p->sym, s->orphan_routine + 1) : NULL;
		char a[32];

		tt_buf_printf(b, "    %llu orphaned blocks (%s bytes): their thread %u%s ended",
			      (unsigned long long)s->orphan_blocks,
			      tt_thousands(a, sizeof(a), s->orphan_bytes), s->orphan_thread,
			      s->orphan_threads > 1 ? " and others" : "");
		if (r != NULL && r->nframes > 0 && r->frames[r->nframes - 1].function)
			tt_buf_printf(b, " (started at %s)", r->frames[r->nframes - 1].function);
		tt_buf_add(b, "\n", 1);
	}
}

static void
text_site(struct tt_buf *b, struct tt_proc_model *p, const struct tt_site *s)
{
	const struct tt_rec_stack *r = &s->stack->rec;
	char a[32], c[32], d[32], e[32];

	tt_buf_printf(b, "%s bytes in %s blocks still in use; allocated here: %s "
		      "bytes in %s blocks, %llu freed\n",
		      tt_thousands(a, sizeof(a), s->live_bytes),
		      tt_thousands(c, sizeof(c), s->live_blocks),
		      tt_thousands(d, sizeof(d), r->alloc_bytes),
		      tt_thousands(e, sizeof(e), r->alloc_blocks),
		      (unsigned long long)r->free_blocks);
	text_life(b, p, s);
	tt_buf_printf(b, "    #0 %s\n", tt_dump_alloc_fn_name(r->alloc_fn));
	tt_text_stack(b, p, s->stack, "    ", 1);
	if (r->flags & TT_STACK_TRUNCATED)
		tt_buf_add(b, "    ... (deeper frames not captured: TETHER_STACK_DEPTH)\n", 58);
}

static void
text_proc(struct tt_buf *b, struct tt_proc_model *p, const struct tt_report_opts *o)
{
	const struct tt_dump *d = p->dump;
	const struct tt_rec_stats *st = &d->stats;
	char when[64], a[32], c[32], e[32], f[32], g[32];
	size_t live_sites = 0, shown = 0;

	tt_format_time(when, sizeof(when), d->proc.start_realtime_ns);
	tt_buf_printf(b, "tether: %s (pid %u", d->argv && d->argv[0] ? d->argv[0] : d->exe,
		      d->proc.pid);
	if (d->proc.flags & TT_PROC_FORKED)
		tt_buf_printf(b, ", forked from %u", d->proc.ppid);
	tt_buf_printf(b, "), started %s, dump #%u at %s", when, d->proc.seq,
		      tt_dump_trigger_name(d->proc.trigger));
	if (d->proc.exit_status >= 0)
		tt_buf_printf(b, " (status %d)", d->proc.exit_status);
	tt_buf_printf(b, "\n");
	for (size_t i = 0; i < p->nsites; i++)
		live_sites += p->sites[i].live_blocks > 0;
	tt_buf_printf(b, "in use: %s bytes in %s blocks from %zu sites; "
		      "allocated over the run: %s bytes in %s blocks\n",
		      tt_thousands(a, sizeof(a), p->live_bytes),
		      tt_thousands(c, sizeof(c), p->live_blocks), live_sites,
		      tt_thousands(e, sizeof(e), p->alloc_bytes),
		      tt_thousands(f, sizeof(f), p->alloc_blocks));
	if (p->sample_rate != 0)
		tt_buf_printf(b, "sampled: one allocation recorded per %s bytes allocated on "
			      "average; the figures are estimates scaled up from the samples\n",
			      tt_thousands(g, sizeof(g), p->sample_rate));
	if (st->dropped_blocks || st->dropped_stacks)
		tt_buf_printf(b, "warning: %llu allocations and %llu stacks were not "
			      "recorded (tables full: raise TETHER_MAX_BLOCKS or "
			      "TETHER_MAX_STACKS)\n",
			      (unsigned long long)st->dropped_blocks,
			      (unsigned long long)st->dropped_stacks);
	if (st->bad_frees)
		tt_buf_printf(b, "warning: %llu frees of blocks tether did not know\n",
			      (unsigned long long)st->bad_frees);
	for (size_t i = 0; i < p->nsites && p->sites[i].live_blocks > 0; i++) {
		if (o->top > 0 && (long)shown == o->top)
			break;
		tt_buf_add(b, "\n", 1);
		text_site(b, p, &p->sites[i]);
		shown++;
	}
	if (shown < live_sites)
		tt_buf_printf(b, "\n... and %zu more sites (--top 0 shows all)\n",
			      live_sites - shown);
}

int
tt_report_text(struct tt_model *m, const struct tt_report_opts *o, struct tt_buf *out)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		if (i > 0)
			tt_buf_add(out, "\n", 1);
		text_proc(out, &m->procs[i], o);
	}
	return 0;
}
