/*
 * verdict.c - the leak verdict of a process (verdict.h).
 */
#include <stdlib.h>
#include <string.h>

#include "tools/verdict.h"

const char *
tt_leak_kind_name(unsigned kind)
{
	static const char *const names[] = {
		"?", "still reachable", "possibly lost", "indirectly lost", "definitely lost",
	};

	return kind < 5 ? names[kind] : "?";
}

const char *
tt_leak_kind_key(unsigned kind)
{
	static const char *const keys[] = {
		"?", "reachable", "possible", "indirect", "definite",
	};

	return kind < 5 ? keys[kind] : "?";
}

/* The block holding address a: dump blocks of a scan are sorted. */
static long
block_at(const struct tt_dump *d, uint64_t a)
{
	size_t lo = 0, hi = d->nblocks;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->blocks[mid].addr <= a)
			lo = mid;
		else
			hi = mid;
	}
	if (d->nblocks == 0 || d->blocks[lo].addr > a ||
	    (a - d->blocks[lo].addr >= d->blocks[lo].size && a != d->blocks[lo].addr))
		return -1;
	return (long)lo;
}

/* The definitely lost block an indirectly lost one hangs from, or -1. */
static long
leader(const struct tt_dump *d, size_t i)
{
	for (size_t steps = 0; steps <= d->nblocks; steps++) {
		long k;

		if (d->leaks[i].kind == TT_LEAK_DEFINITE)
			return (long)i;
		k = block_at(d, d->leaks[i].from);
		if (k < 0)
			return -1;
		i = (size_t)k;
	}
	return -1;
}

struct key {
	unsigned kind;
	uint32_t stack;
	size_t block;
};

static int
key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind > y->kind ? -1 : 1;
	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	return 0;
}

static int
site_cmp(const void *a, const void *b)
{
	const struct tt_leak_site *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind > y->kind ? -1 : 1;
	if (x->bytes + x->ind_bytes != y->bytes + y->ind_bytes)
		return x->bytes + x->ind_bytes > y->bytes + y->ind_bytes ? -1 : 1;
	return x->stack->rec.id < y->stack->rec.id ? -1 : 1;
}

/* The frames of s as the suppression matcher sees them. */
static struct tt_supp *
match_leak(struct tt_proc_model *p, struct tt_supps *supps, const struct tt_dump_stack *s)
{
	struct tt_supp_frame *sf;
	struct tt_frame *f;
	struct tt_supp *hit;
	size_t n;

	if (supps == NULL || supps->n == 0 || s == NULL)
		return NULL;
	f = tt_model_frames(p, s, &n);
	sf = tt_xcalloc(n + 1, sizeof(*sf));
	for (size_t i = 0; i < n; i++)
		sf[i] = (struct tt_supp_frame){ f[i].function, f[i].file, f[i].module };
	hit = tt_supps_match_leak(supps, sf, n);
	free(sf);
	free(f);
	return hit;
}

static struct tt_supp *
match_thread(struct tt_proc_model *p, struct tt_supps *supps, const struct tt_dump_thread *t)
{
	const struct tt_dump_stack *cs = tt_dump_stack(p->dump, t->rec.create_stack);
	const char *start = NULL;
	struct tt_supp_frame *sf;
	struct tt_frame *f = NULL;
	struct tt_supp *hit;
	size_t n = 0;

	if (supps == NULL || supps->n == 0)
		return NULL;
	if (t->rec.start_routine) {
		const struct tt_sym_result *r = tt_sym_lookup(p->sym, t->rec.start_routine + 1);

		if (r->nframes > 0)
			start = r->frames[r->nframes - 1].function;
	}
	if (cs != NULL)
		f = tt_model_frames(p, cs, &n);
	sf = tt_xcalloc(n + 1, sizeof(*sf));
	for (size_t i = 0; i < n; i++)
		sf[i] = (struct tt_supp_frame){ f[i].function, f[i].file, f[i].module };
	hit = tt_supps_match_thread(supps, t->name, start, sf, n);
	free(sf);
	free(f);
	return hit;
}

void
tt_verdict_make(struct tt_verdict *v, struct tt_proc_model *p, const struct tt_verdict_opts *o)
{
	const struct tt_dump *d = p->dump;
	struct key *keys;
	size_t nkeys = 0;

	memset(v, 0, sizeof(*v));
	v->p = p;
	v->has_scan = d->has_scan && d->nleaks == d->nblocks;
	if (v->has_scan) {
		uint64_t mark = d->scan.mark_ns;

		keys = tt_xcalloc(d->nblocks + 1, sizeof(*keys));
		for (size_t i = 0; i < d->nblocks; i++)
			if (d->blocks[i].time_ns >= mark)
				keys[nkeys++] = (struct key){ d->leaks[i].kind, d->blocks[i].stack, i };
		qsort(keys, nkeys, sizeof(*keys), key_cmp);
		v->sites = tt_xcalloc(nkeys + 1, sizeof(*v->sites));
		for (size_t i = 0; i < nkeys; i++) {
			const struct tt_rec_block *b = &d->blocks[keys[i].block];
			struct tt_leak_site *s;

			if (i == 0 || key_cmp(&keys[i], &keys[i - 1]) != 0) {
				s = &v->sites[v->nsites++];
				s->stack = tt_dump_stack(d, keys[i].stack);
				s->kind = keys[i].kind;
				s->largest = keys[i].block;
			}
			s = &v->sites[v->nsites - 1];
			s->blocks++;
			s->bytes += b->size;
			if (b->size > d->blocks[s->largest].size)
				s->largest = keys[i].block;
		}
		/* Indirect bytes to the definite site they hang from. */
		for (size_t i = 0; i < d->nblocks; i++) {
			long l;

			if (d->leaks[i].kind != TT_LEAK_INDIRECT || d->blocks[i].time_ns < mark ||
			    (l = leader(d, i)) < 0)
				continue;
			for (size_t k = 0; k < v->nsites; k++) {
				struct tt_leak_site *s = &v->sites[k];

				if (s->kind == TT_LEAK_DEFINITE &&
				    s->stack->rec.id == d->blocks[l].stack) {
					s->ind_blocks++;
					s->ind_bytes += d->blocks[i].size;
					break;
				}
			}
		}
		free(keys);
		for (size_t k = 0; k < v->nsites; k++) {
			struct tt_leak_site *s = &v->sites[k];

			if (s->kind != TT_LEAK_REACHABLE)
				s->supp = match_leak(p, o->supps, s->stack);
			if (s->supp != NULL) {
				s->supp->hit_count += s->blocks;
				s->supp->hit_bytes += s->bytes;
				v->supp_blocks += s->blocks;
				v->supp_bytes += s->bytes;
				continue;
			}
			v->blocks[s->kind] += s->blocks;
			v->bytes[s->kind] += s->bytes;
			if (o->fail_on & TT_FAIL_KIND(s->kind)) {
				s->fails = true;
				v->fail_bytes += s->bytes;
			}
		}
		qsort(v->sites, v->nsites, sizeof(*v->sites), site_cmp);
	}
	v->threads = tt_xcalloc(d->nthreads + 1, sizeof(*v->threads));
	for (size_t i = 0; i < d->nthreads; i++) {
		const struct tt_dump_thread *t = &d->threads[i];
		struct tt_supp *hit;

		if (!tt_thread_leaked(d, &t->rec))
			continue;
		if (o->ro != NULL && tt_thread_ignored(p, o->ro, t)) {
			v->ignored_threads++;
			continue;
		}
		if ((hit = match_thread(p, o->supps, t)) != NULL) {
			hit->hit_count++;
			v->supp_threads++;
			continue;
		}
		v->threads[v->nthreads++] = t;
	}
	v->failed = (v->fail_bytes > 0 && v->fail_bytes >= o->min_bytes) ||
		    ((o->fail_on & TT_FAIL_THREADS) && v->nthreads > 0);
}

void
tt_verdict_free(struct tt_verdict *v)
{
	free(v->sites);
	free(v->threads);
	memset(v, 0, sizeof(*v));
}

char *
tt_verdict_site_name(struct tt_proc_model *p, const struct tt_dump_stack *s, bool function_only)
{
	struct tt_frame *f;
	char *name = NULL;
	size_t n;

	if (s == NULL)
		return tt_xstrdup("?");
	f = tt_model_frames(p, s, &n);
	for (size_t i = 0; i < n && name == NULL; i++) {
		if (f[i].function == NULL)
			continue;
		if (function_only || f[i].file == NULL || f[i].line <= 0)
			name = tt_xstrdup(f[i].function);
		else
			name = tt_xasprintf("%s (%s:%d)", f[i].function,
					    tt_basename(f[i].file), f[i].line);
	}
	if (name == NULL && n > 0 && f[0].module != NULL)
		name = tt_xasprintf("%s+0x%llx", tt_basename(f[0].module),
				    (unsigned long long)f[0].offset);
	free(f);
	return name ? name : tt_xstrdup("?");
}

/* Where a root address is: a global by name, a thread's stack, a register. */
static char *
root_name(struct tt_proc_model *p, uint64_t at)
{
	const struct tt_dump *d = p->dump;
	const char *sym;
	uint64_t off;
	int mod;

	if (at == TT_LEAK_FROM_REGISTER)
		return tt_xstrdup("a thread's registers");
	for (size_t i = 0; i < d->nthreads; i++) {
		const struct tt_rec_thread *t = &d->threads[i].rec;

		if (at >= t->stack_lo && at < t->stack_hi)
			return tt_xasprintf("the stack of thread %u%s", t->num,
					    t->flags & TT_THREAD_F_MAIN ? " (main)" : "");
	}
	sym = tt_sym_data(p->sym, at, &mod, &off);
	if (sym != NULL)
		return tt_xasprintf("global %s%s (%s)", sym, off ? "+..." : "",
				    tt_basename(tt_sym_module_path(p->sym, mod)));
	if (mod >= 0)
		return tt_xasprintf("data of %s", tt_basename(tt_sym_module_path(p->sym, mod)));
	return tt_xasprintf("memory at 0x%llx", (unsigned long long)at);
}

/* "global cache (libfoo.so) -> cache_put (cache.c:31) -> node_new (node.c:12)" */
static void
retention(struct tt_buf *b, struct tt_proc_model *p, size_t block)
{
	const struct tt_dump *d = p->dump;
	size_t chain[16], n = 0;
	char *root;
	long k = (long)block;

	while (n < 16 && k >= 0) {
		chain[n++] = (size_t)k;
		k = block_at(d, d->leaks[k].from);
		for (size_t i = 0; i < n && k >= 0; i++)
			if (chain[i] == (size_t)k)
				k = -1;		/* a cycle: stop */
	}
	root = root_name(p, d->leaks[chain[n - 1]].from);
	tt_buf_printf(b, "    held by: %s", n == 16 ? "... " : root);
	for (size_t i = n; i-- > 0;) {
		char *name = tt_verdict_site_name(p, tt_dump_stack(d, d->blocks[chain[i]].stack),
						  false);

		tt_buf_printf(b, " -> %s", name);
		free(name);
	}
	TT_BUF_LIT(b, "\n");
	free(root);
}

static void
text_site(struct tt_buf *b, struct tt_verdict *v, const struct tt_leak_site *s, bool alone)
{
	char x[32], y[32];

	if (!alone) {
		tt_buf_printf(b, "  %s bytes in %s blocks", tt_thousands(x, sizeof(x), s->bytes),
			      tt_thousands(y, sizeof(y), s->blocks));
		if (s->ind_blocks)
			tt_buf_printf(b, " (and %s bytes indirectly lost through them)",
				      tt_thousands(x, sizeof(x), s->ind_bytes));
		TT_BUF_LIT(b, ", allocated at:\n");
	}
	tt_buf_printf(b, "    #0 %s\n", tt_dump_alloc_fn_name(s->stack->rec.alloc_fn));
	tt_text_stack(b, v->p, s->stack, "    ", 1);
	if (s->kind == TT_LEAK_REACHABLE)
		retention(b, v->p, s->largest);
}

void
tt_verdict_text(struct tt_buf *b, struct tt_verdict *v, bool show_reachable, bool header)
{
	const struct tt_dump *d = v->p->dump;
	char x[32], y[32];

	if (header) {
		tt_buf_printf(b, "tether: process %u", d->proc.pid);
		for (char **a = d->argv; a && *a; a++)
			tt_buf_printf(b, "%s%s", a == d->argv ? " (" : " ", *a);
		tt_buf_printf(b, "%s\n", d->argv && d->argv[0] ? ")" : "");
	}
	if (!v->has_scan) {
		tt_buf_printf(b, "tether: no leak verdict: the dump of process %u has no "
			      "reachability scan\n", d->proc.pid);
		return;
	}
	if (d->scan.threads_unstopped)
		tt_buf_printf(b, "tether: %u thread%s could not be stopped for the scan (every "
			      "real-time signal is taken by the program, the signal is blocked, "
			      "or no answer within a second): %s stack%s read while %s ran\n",
			      d->scan.threads_unstopped, d->scan.threads_unstopped == 1 ? "" : "s",
			      d->scan.threads_unstopped == 1 ? "its" : "their",
			      d->scan.threads_unstopped == 1 ? " was" : "s were",
			      d->scan.threads_unstopped == 1 ? "it" : "they");
	for (unsigned kind = TT_LEAK_DEFINITE; kind >= TT_LEAK_REACHABLE; kind--) {
		size_t places = 0;

		for (size_t i = 0; i < v->nsites; i++)
			places += v->sites[i].kind == kind && v->sites[i].supp == NULL;
		if (places == 0)
			continue;
		if (kind == TT_LEAK_REACHABLE && !show_reachable) {
			tt_buf_printf(b, "tether: %s bytes in %s blocks still reachable in %zu "
				      "place%s (not a leak; --show-reachable lists them)\n",
				      tt_thousands(x, sizeof(x), v->bytes[kind]),
				      tt_thousands(y, sizeof(y), v->blocks[kind]), places,
				      places == 1 ? "" : "s");
			continue;
		}
		tt_buf_printf(b, "tether: %s bytes in %s blocks %s in %zu place%s\n",
			      tt_thousands(x, sizeof(x), v->bytes[kind]),
			      tt_thousands(y, sizeof(y), v->blocks[kind]),
			      tt_leak_kind_name(kind), places, places == 1 ? "" : "s");
		for (size_t i = 0, shown = 0; i < v->nsites; i++) {
			if (v->sites[i].kind != kind || v->sites[i].supp != NULL)
				continue;
			if (v->p && shown == 25 && places > 25) {
				tt_buf_printf(b, "  ... and %zu more places (--json lists all)\n",
					      places - shown);
				break;
			}
			text_site(b, v, &v->sites[i], places == 1);
			shown++;
		}
	}
	if (v->nthreads > 0) {
		tt_buf_printf(b, "tether: %zu thread%s leaked:\n", v->nthreads,
			      v->nthreads == 1 ? "" : "s");
		for (size_t i = 0; i < v->nthreads; i++) {
			const struct tt_dump_stack *cs = tt_dump_stack(d, v->threads[i]->rec.create_stack);

			const struct tt_rec_thread *r = &v->threads[i]->rec;

			TT_BUF_LIT(b, "  ");
			tt_text_thread_head(b, v->p, v->threads[i]);
			TT_BUF_LIT(b, "\n");
			if (r->flags & TT_THREAD_F_STUCK) {
				/* where it is stuck matters more than where it began */
				tt_buf_printf(b, "      no thread that can run reaches what it "
					      "waits on; it waits at:\n        #0 %s\n",
					      tt_dump_wait_name(r->wait_call));
				tt_text_stack(b, v->p, tt_dump_stack(d, r->wait_stack),
					      "        ", 1);
				TT_BUF_LIT(b, "      created at:\n");
			}
			if (cs != NULL)
				tt_text_stack(b, v->p, cs, r->flags & TT_THREAD_F_STUCK ?
					      "        " : "      ", 0);
		}
	}
	if (v->supp_blocks || v->supp_threads)
		tt_buf_printf(b, "tether: suppressed: %s bytes in %s blocks, %zu thread%s\n",
			      tt_thousands(x, sizeof(x), v->supp_bytes),
			      tt_thousands(y, sizeof(y), v->supp_blocks), v->supp_threads,
			      v->supp_threads == 1 ? "" : "s");
	tt_buf_printf(b, "SUMMARY: tether: %llu bytes definitely lost, %llu indirectly lost, "
		      "%llu possibly lost, %zu leaked thread%s%s\n",
		      (unsigned long long)v->bytes[TT_LEAK_DEFINITE],
		      (unsigned long long)v->bytes[TT_LEAK_INDIRECT],
		      (unsigned long long)v->bytes[TT_LEAK_POSSIBLE], v->nthreads,
		      v->nthreads == 1 ? "" : "s", v->failed ? "" : " (passes)");
}

static void
json_counts(struct tt_buf *b, const char *key, uint64_t bytes, uint64_t blocks)
{
	tt_buf_printf(b, "\"%s\": {\"bytes\": %llu, \"blocks\": %llu}", key,
		      (unsigned long long)bytes, (unsigned long long)blocks);
}

void
tt_verdict_json(struct tt_buf *b, struct tt_verdict *v)
{
	const struct tt_dump *d = v->p->dump;

	tt_buf_printf(b, "{\"pid\": %u, \"ppid\": %u, \"command\": [", d->proc.pid, d->proc.ppid);
	for (char **a = d->argv; a && *a; a++) {
		if (a != d->argv)
			TT_BUF_LIT(b, ", ");
		tt_buf_json_str(b, *a);
	}
	tt_buf_printf(b, "], \"exit_status\": %d, \"scanned\": %s, \"verdict\": \"%s\"",
		      d->proc.exit_status, v->has_scan ? "true" : "false",
		      !v->has_scan ? "unknown" : v->failed ? "fail" : "pass");
	/* How long the scan kept the other threads stopped (TT_REC_SCAN). */
	if (v->has_scan)
		tt_buf_printf(b, ", \"scan_seconds\": %.6f", (double)d->scan.duration_ns / 1e9);
	else
		TT_BUF_LIT(b, ", \"scan_seconds\": null");
	TT_BUF_LIT(b, ", \"summary\": {");
	for (unsigned k = TT_LEAK_DEFINITE; k >= TT_LEAK_REACHABLE; k--) {
		json_counts(b, tt_leak_kind_key(k), v->bytes[k], v->blocks[k]);
		TT_BUF_LIT(b, ", ");
	}
	json_counts(b, "suppressed", v->supp_bytes, v->supp_blocks);
	tt_buf_printf(b, ", \"leaked_threads\": %zu, \"suppressed_threads\": %zu}",
		      v->nthreads, v->supp_threads);
	TT_BUF_LIT(b, ", \"leaks\": [");
	for (size_t i = 0; i < v->nsites; i++) {
		const struct tt_leak_site *s = &v->sites[i];

		tt_buf_printf(b, "%s{\"kind\": \"%s\", \"bytes\": %llu, \"blocks\": %llu, "
			      "\"indirect_bytes\": %llu, \"indirect_blocks\": %llu, "
			      "\"fails\": %s, \"suppressed_by\": ", i ? ", " : "",
			      tt_leak_kind_key(s->kind), (unsigned long long)s->bytes,
			      (unsigned long long)s->blocks, (unsigned long long)s->ind_bytes,
			      (unsigned long long)s->ind_blocks, s->fails ? "true" : "false");
		if (s->supp != NULL)
			tt_buf_json_str(b, s->supp->pattern);
		else
			TT_BUF_LIT(b, "null");
		tt_buf_printf(b, ", \"alloc_function\": \"%s\", \"stack\": ",
			      tt_dump_alloc_fn_name(s->stack->rec.alloc_fn));
		tt_json_stack(b, v->p, s->stack);
		TT_BUF_LIT(b, "}");
	}
	TT_BUF_LIT(b, "], \"threads\": [");
	for (size_t i = 0; i < v->nthreads; i++) {
		const struct tt_dump_thread *t = v->threads[i];
		const struct tt_dump_stack *cs = tt_dump_stack(d, t->rec.create_stack);

		tt_buf_printf(b, "%s{\"num\": %u, \"tid\": %d, \"name\": ", i ? ", " : "",
			      t->rec.num, t->rec.tid);
		tt_buf_json_str(b, t->name);
		tt_buf_printf(b, ", \"state\": \"%s\", \"never_wakes\": %s, \"wait\": ",
			      t->rec.state == TT_THREAD_EXITED ? "exited" :
			      t->rec.wait_call ? "blocked" : "running",
			      t->rec.flags & TT_THREAD_F_STUCK ? "true" : "false");
		if (t->rec.wait_call)
			tt_buf_json_str(b, tt_dump_wait_name(t->rec.wait_call));
		else
			TT_BUF_LIT(b, "null");
		TT_BUF_LIT(b, ", \"created_at\": ");
		if (cs != NULL)
			tt_json_stack(b, v->p, cs);
		else
			TT_BUF_LIT(b, "[]");
		TT_BUF_LIT(b, "}");
	}
	TT_BUF_LIT(b, "]}");
}

int
tt_report_leaks_text(struct tt_model *m, const struct tt_report_opts *o, struct tt_buf *out)
{
	struct tt_verdict_opts vo = { .fail_on = TT_FAIL_DEFAULT, .min_bytes = 1, .ro = o };

	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_verdict v;

		tt_verdict_make(&v, &m->procs[i], &vo);
		tt_verdict_text(out, &v, false, m->nprocs > 1);
		tt_verdict_free(&v);
	}
	return 0;
}

int
tt_report_leaks_json(struct tt_model *m, const struct tt_report_opts *o, struct tt_buf *out)
{
	struct tt_verdict_opts vo = { .fail_on = TT_FAIL_DEFAULT, .min_bytes = 1, .ro = o };

	TT_BUF_LIT(out, "{\"processes\": [");
	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_verdict v;

		tt_verdict_make(&v, &m->procs[i], &vo);
		if (i)
			TT_BUF_LIT(out, ", ");
		tt_verdict_json(out, &v);
		tt_verdict_free(&v);
	}
	TT_BUF_LIT(out, "]}\n");
	return 0;
}
