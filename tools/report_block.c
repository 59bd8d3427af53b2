/*
 * report_block.c - `tether report --type block|mutex`: where threads waited,
 * like Go's block and mutex profiles.  Each wait stack (alloc_fn
 * TT_FN_WAIT_BASE + call) carries an estimated count of waits and their
 * total delay, from waits sampled at TETHER_BLOCK_RATE.  The mutex type
 * keeps only contended mutex and rwlock acquisitions.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tools/cmd.h"
#include "tools/pprof.h"

static bool
is_mutex_call(unsigned call)
{
	return (call >= TT_WAIT_MUTEX_LOCK && call <= TT_WAIT_RWLOCK_TIMEDWRLOCK) ||
	       call == TT_WAIT_MUTEX_HELD;
}

/* A wait stack of the kind asked for. */
static bool
wanted(const struct tt_dump_stack *s, bool mutex_only)
{
	unsigned fn = s->rec.alloc_fn;

	if (fn < TT_FN_WAIT_BASE || fn - TT_FN_WAIT_BASE >= TT_WAIT_COUNT_ ||
	    s->rec.alloc_blocks == 0)
		return false;
	return !mutex_only || is_mutex_call(fn - TT_FN_WAIT_BASE);
}

static int
cmp_delay(const void *a, const void *b)
{
	const struct tt_dump_stack *x = *(const struct tt_dump_stack *const *)a;
	const struct tt_dump_stack *y = *(const struct tt_dump_stack *const *)b;

	if (x->rec.alloc_bytes != y->rec.alloc_bytes)
		return x->rec.alloc_bytes > y->rec.alloc_bytes ? -1 : 1;
	return x->rec.id < y->rec.id ? -1 : 1;
}

/* The wanted stacks of a process, largest delay first. */
static const struct tt_dump_stack **
collect(const struct tt_dump *d, bool mutex_only, size_t *n)
{
	const struct tt_dump_stack **v = tt_xcalloc(d->nstacks + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < d->nstacks; i++)
		if (wanted(&d->stacks[i], mutex_only))
			v[(*n)++] = &d->stacks[i];
	qsort(v, *n, sizeof(*v), cmp_delay);
	return v;
}

int
tt_report_block_text(struct tt_model *m, const struct tt_report_opts *o,
		     struct tt_buf *out)
{
	bool mutex_only = o->mutex_only;

	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_proc_model *p = &m->procs[i];
		const struct tt_dump *d = p->dump;
		size_t n;
		const struct tt_dump_stack **v = collect(d, mutex_only, &n);

		if (i > 0)
			tt_buf_add(out, "\n", 1);
		tt_buf_printf(out, "tether: %s (pid %u), dump #%u: %s: %zu stacks, "
			      "estimated from waits sampled at TETHER_BLOCK_RATE\n",
			      d->argv && d->argv[0] ? d->argv[0] : d->exe, d->proc.pid,
			      d->proc.seq, mutex_only ? "contended mutex and rwlock "
			      "acquisitions" : "blocking calls", n);
		for (size_t k = 0; k < n && (o->top == 0 || (long)k < o->top); k++) {
			tt_buf_printf(out, "\n%llu waits, %.3f s in all (%.3f ms each)\n"
				      "    #0 %s\n", (unsigned long long)v[k]->rec.alloc_blocks,
				      (double)v[k]->rec.alloc_bytes / 1e9,
				      (double)v[k]->rec.alloc_bytes / 1e6 / (double)v[k]->rec.alloc_blocks,
				      tt_dump_wait_name(v[k]->rec.alloc_fn - TT_FN_WAIT_BASE));
			tt_text_stack(out, p, v[k], "    ", 1);
		}
		free(v);
	}
	return 0;
}

int
tt_report_block_json(struct tt_model *m, const struct tt_report_opts *o,
		     struct tt_buf *out)
{
	bool mutex_only = o->mutex_only;

	tt_buf_printf(out, "{\"format\": \"tether-%s\", \"schema\": 1, \"processes\": [",
		      mutex_only ? "mutex" : "block");
	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_proc_model *p = &m->procs[i];
		const struct tt_dump *d = p->dump;
		size_t n;
		const struct tt_dump_stack **v = collect(d, mutex_only, &n);

		tt_buf_printf(out, "%s{\"pid\": %u, \"stacks\": [", i ? ",\n" : "", d->proc.pid);
		for (size_t k = 0; k < n && (o->top == 0 || (long)k < o->top); k++) {
			tt_buf_printf(out, "%s\n  {\"call\": \"%s\", \"waits\": %llu, "
				      "\"delay_ns\": %llu, \"frames\": ", k ? "," : "",
				      tt_dump_wait_name(v[k]->rec.alloc_fn - TT_FN_WAIT_BASE),
				      (unsigned long long)v[k]->rec.alloc_blocks,
				      (unsigned long long)v[k]->rec.alloc_bytes);
			tt_json_stack(out, p, v[k]);
			tt_buf_add(out, "}", 1);
		}
		tt_buf_add(out, "]}", 2);
		free(v);
	}
	tt_buf_add(out, "]}\n", 3);
	return 0;
}

/* pprof: sample types contentions/count and delay/nanoseconds, as Go's
 * block and mutex profiles; the blocking call is the leaf location. */
int
tt_report_block_pprof(struct tt_model *m, const struct tt_report_opts *o,
		      const char *path)
{
	struct tt_pprof *pp = tt_pprof_new();
	bool mutex_only = o->mutex_only;
	int rc;

	tt_pprof_sample_type(pp, "contentions", "count");
	tt_pprof_sample_type(pp, "delay", "nanoseconds");
	tt_pprof_default_sample_type(pp, "delay");
	tt_pprof_period(pp, "contentions", "count", 1);
	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_proc_model *p = &m->procs[i];
		size_t n;
		const struct tt_dump_stack **v = collect(p->dump, mutex_only, &n);

		for (size_t k = 0; k < n; k++) {
			const struct tt_dump_stack *s = v[k];
			uint64_t locs[257];
			size_t nl = 0;
			int64_t vals[2] = { (int64_t)s->rec.alloc_blocks, (int64_t)s->rec.alloc_bytes };
			struct tt_pprof_line call = {
				.function = tt_dump_wait_name(s->rec.alloc_fn - TT_FN_WAIT_BASE),
			};
			struct tt_pprof_label label = { .key = "pid", .num = p->dump->proc.pid };

			locs[nl++] = tt_pprof_location(pp, 0, s->rec.alloc_fn, &call, 1);
			for (unsigned j = 0; j < s->rec.depth && nl < 257; j++) {
				const struct tt_sym_result *r = tt_sym_lookup(p->sym, s->frames[j]);
				struct tt_pprof_line lines[TT_SYM_MAX_INLINE];

				for (int q = 0; q < r->nframes; q++) {
					lines[q].function = r->frames[q].function;
					lines[q].system_name = r->frames[q].mangled;
					lines[q].file = r->frames[q].file;
					lines[q].line = r->frames[q].line;
				}
				locs[nl++] = tt_pprof_location(pp, 0, s->frames[j], lines,
							       (size_t)r->nframes);
			}
			tt_pprof_sample(pp, locs, nl, vals, &label, m->nprocs > 1);
		}
		free(v);
	}
	rc = tt_pprof_write(pp, path);
	tt_pprof_free(pp);
	return rc;
}
