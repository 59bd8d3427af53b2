/*
 * model.c - from dump files to the sites a report shows.  Reads dumps,
 * keeps the newest per process, sums live blocks per stack, sorts, and
 * symbolizes frames on demand.
 */
#include "tools/model.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/util.h"

static int
cmp_site(const void *a, const void *b)
{
	const struct tt_site *x = a, *y = b;
	int xt = !tt_fn_is_alloc(x->stack->rec.alloc_fn);
	int yt = !tt_fn_is_alloc(y->stack->rec.alloc_fn);

	if (xt != yt)
		return xt - yt;	/* thread and wait stacks last */
	if (x->live_bytes != y->live_bytes)
		return x->live_bytes > y->live_bytes ? -1 : 1;
	if (x->live_blocks != y->live_blocks)
		return x->live_blocks > y->live_blocks ? -1 : 1;
	if (x->stack->rec.alloc_bytes != y->stack->rec.alloc_bytes)
		return x->stack->rec.alloc_bytes > y->stack->rec.alloc_bytes ? -1 : 1;
	return x->stack->rec.id < y->stack->rec.id ? -1 : 1;
}

const char *
tt_verdict_name(int v)
{
	switch (v) {
	case TT_VERDICT_UNREACHABLE:
		return "unreachable";
	case TT_VERDICT_GROWING:
		return "growing";
	case TT_VERDICT_CACHE:
		return "cache-like";
	default:
		return NULL;
	}
}

uint64_t
tt_life_bucket_limit(unsigned k)
{
	return k + 1 >= TT_LIFE_BUCKETS ? UINT64_MAX : 1ull << (TT_LIFE_SHIFT + k);
}

uint64_t
tt_life_quantile(const struct tt_rec_site_life *l, double q)
{
	uint64_t n = 0, seen = 0;

	if (l == NULL)
		return 0;
	for (unsigned k = 0; k < TT_LIFE_BUCKETS; k++)
		n += l->life[k];
	if (n == 0)
		return 0;
	for (unsigned k = 0; k < TT_LIFE_BUCKETS; k++) {
		seen += l->life[k];
		if ((double)seen >= q * (double)n)
			return tt_life_bucket_limit(k);
	}
	return UINT64_MAX;
}

bool
tt_thread_ended(const struct tt_dump *d, uint32_t num, uint64_t *routine)
{
	*routine = 0;
	for (size_t i = 0; i < d->nthreads; i++)
		if (d->threads[i].rec.num == num) {
			*routine = d->threads[i].rec.start_routine;
			return d->threads[i].rec.state == TT_THREAD_EXITED;
		}
	for (size_t i = d->nended; i-- > 0;)
		if (d->ended[i].num == num) {
			*routine = d->ended[i].start_routine;
			break;
		}
	/* Not in the registry: joined or ended detached.  Dumps before 1.1
	 * have no registry at all and say nothing. */
	return d->minor >= 1 && d->nthreads > 0;
}

struct aged {
	size_t site;
	uint64_t age;
};

static int
cmp_aged(const void *a, const void *b)
{
	const struct aged *x = a, *y = b;

	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	return x->age < y->age ? -1 : x->age > y->age;
}

/*
 * Per site: the live blocks' ages, orphans and lost blocks, the quantiles
 * of its lifetimes and its verdict from this dump alone.
 */
static void
lifetimes(struct tt_proc_model *p, struct tt_dump *d, struct tt_site *by_index)
{
	struct aged *a = tt_xcalloc(d->nblocks ? d->nblocks : 1, sizeof(*a));
	uint32_t *last_orphan = tt_xcalloc(d->nstacks ? d->nstacks : 1, sizeof(uint32_t));
	uint64_t run = d->proc.dump_monotonic_ns - d->proc.start_monotonic_ns;
	uint32_t cached_num = 0;
	bool cached_ended = false;
	uint64_t cached_routine = 0;

	for (size_t i = 0; i < d->nblocks; i++) {
		const struct tt_rec_block *b = &d->blocks[i];
		size_t k = (size_t)(tt_dump_stack(d, b->stack) - d->stacks);
		struct tt_site *s = &by_index[k];

		a[i].site = k;
		a[i].age = d->proc.dump_monotonic_ns > b->time_ns ?
			   d->proc.dump_monotonic_ns - b->time_ns : 0;
		if (b->thread != cached_num) {
			cached_num = b->thread;
			cached_ended = b->thread != 0 &&
				       tt_thread_ended(d, b->thread, &cached_routine);
		}
		if (cached_ended) {
			s->orphan_blocks++;
			s->orphan_bytes += b->size;
			if (s->orphan_thread == 0) {
				s->orphan_thread = b->thread;
				s->orphan_routine = cached_routine;
			}
			if (last_orphan[k] != b->thread) {
				/* distinct threads, counted on changes: exact when a
				 * site's blocks of one thread are adjacent */
				last_orphan[k] = b->thread;
				s->orphan_threads++;
			}
		}
		if (d->has_scan && (d->leaks[i].kind == TT_LEAK_DEFINITE ||
				    d->leaks[i].kind == TT_LEAK_INDIRECT)) {
			s->lost_blocks++;
			s->lost_bytes += b->size;
		}
	}
	qsort(a, d->nblocks, sizeof(*a), cmp_aged);
	for (size_t i = 0, j; i < d->nblocks; i = j) {
		struct tt_site *s = &by_index[a[i].site];

		for (j = i; j < d->nblocks && a[j].site == a[i].site; j++)
			;
		s->age_min_ns = a[i].age;
		s->age_max_ns = a[j - 1].age;
		s->age_median_ns = a[i + (j - i - 1) / 2].age;
	}
	for (size_t k = 0; k < d->nstacks; k++) {
		struct tt_site *s = &by_index[k];
		const struct tt_rec_stack *r = &d->stacks[k].rec;

		s->life = d->stacks[k].life;
		s->life_median_ns = tt_life_quantile(s->life, 0.5);
		s->life_p99_ns = tt_life_quantile(s->life, 0.99);
		if (s->lost_blocks > 0)
			s->verdict = TT_VERDICT_UNREACHABLE;
		else if (s->live_blocks > 0 && r->free_blocks >= s->live_blocks &&
			 s->age_median_ns <= run / 2)
			s->verdict = TT_VERDICT_CACHE;
	}
	free(a);
	free(last_orphan);
}

static void
build_proc(struct tt_proc_model *p, struct tt_dump *d, const struct tt_model_opts *o)
{
	struct tt_site *by_index;

	p->dump = d;
	p->nsites = d->nstacks;
	p->sites = by_index = tt_xcalloc(d->nstacks, sizeof(*p->sites));
	for (size_t i = 0; i < d->nstacks; i++) {
		by_index[i].stack = &d->stacks[i];
		if (!tt_fn_is_alloc(d->stacks[i].rec.alloc_fn))
			continue;	/* a thread's creation or a wait */
		p->alloc_blocks += d->stacks[i].rec.alloc_blocks;
		p->alloc_bytes += d->stacks[i].rec.alloc_bytes;
		p->free_blocks += d->stacks[i].rec.free_blocks;
		p->free_bytes += d->stacks[i].rec.free_bytes;
	}
	p->sample_rate = d->stats.sample_rate;
	if (p->sample_rate == 0) {
		for (size_t i = 0; i < d->nblocks; i++) {
			const struct tt_dump_stack *s = tt_dump_stack(d, d->blocks[i].stack);
			struct tt_site *site = &by_index[s - d->stacks];

			site->live_blocks++;
			site->live_bytes += d->blocks[i].size;
		}
	} else {
		/* Each recorded block of size s was kept with probability
		 * p = 1 - exp(-s / rate): it stands for 1/p blocks of s bytes
		 * (lib/record.c scales the counters the same way). */
		double *blocks = tt_xcalloc(d->nstacks, sizeof(double));
		double *bytes = tt_xcalloc(d->nstacks, sizeof(double));

		for (size_t i = 0; i < d->nblocks; i++) {
			size_t k = (size_t)(tt_dump_stack(d, d->blocks[i].stack) - d->stacks);
			double pr = -expm1(-(double)d->blocks[i].size / (double)p->sample_rate);

			blocks[k] += pr > 0 ? 1 / pr : 1;
			bytes[k] += pr > 0 ? (double)d->blocks[i].size / pr : 0;
		}
		for (size_t k = 0; k < d->nstacks; k++) {
			by_index[k].live_blocks = (uint64_t)llround(blocks[k]);
			by_index[k].live_bytes = (uint64_t)llround(bytes[k]);
		}
		free(blocks);
		free(bytes);
	}
	for (size_t k = 0; k < d->nstacks; k++) {
		p->live_blocks += by_index[k].live_blocks;
		p->live_bytes += by_index[k].live_bytes;
	}
	lifetimes(p, d, by_index);
	qsort(p->sites, p->nsites, sizeof(*p->sites), cmp_site);
	/* Thread and wait stacks sort last; they are not allocation sites. */
	while (p->nsites > 0 && !tt_fn_is_alloc(p->sites[p->nsites - 1].stack->rec.alloc_fn))
		p->nsites--;
	p->sym = tt_sym_new(o->sysroot, o->debug_dir);
	p->module_index = tt_xcalloc(d->nmodules, sizeof(int));
	for (size_t i = 0; i < d->nmodules; i++) {
		const struct tt_dump_module *m = &d->modules[i];

		p->module_index[i] = tt_sym_add_module(p->sym, m->path, m->rec.bias,
						       m->rec.lo, m->rec.hi,
						       m->build_id, m->build_id_len);
	}
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

struct found {
	char **paths;
	size_t n;
};

static void
add_path(struct found *f, char *path)
{
	f->paths = tt_xrealloc(f->paths, (f->n + 1) * sizeof(*f->paths));
	f->paths[f->n++] = path;
}

/* Return: 0, or -1 after a message. */
static int
collect(struct found *f, const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *dir;
	size_t before = f->n;

	if (stat(path, &st) != 0) {
		tt_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		add_path(f, tt_xstrdup(path));
		return 0;
	}
	dir = opendir(path);
	if (dir == NULL) {
		tt_err("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || !has_suffix(e->d_name, ".tdump"))
			continue;
		add_path(f, tt_xasprintf("%s/%s", path, e->d_name));
	}
	closedir(dir);
	if (f->n == before) {
		tt_err("%s: no dumps (*.tdump) in this directory", path);
		return -1;
	}
	return 0;
}

static int
cmp_proc(const void *a, const void *b)
{
	const struct tt_proc_model *x = a, *y = b;

	if (x->dump->proc.start_realtime_ns != y->dump->proc.start_realtime_ns)
		return x->dump->proc.start_realtime_ns < y->dump->proc.start_realtime_ns ? -1 : 1;
	return x->dump->proc.pid < y->dump->proc.pid ? -1 : 1;
}

int
tt_model_load(struct tt_model *m, char *const *paths, int npaths,
	      const struct tt_model_opts *opts)
{
	struct found f = { NULL, 0 };
	struct tt_dump **dumps;
	size_t nd = 0;
	char err[1024];
	int rc = 0;

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < npaths; i++)
		if (collect(&f, paths[i]) != 0)
			rc = -1;
	dumps = tt_xcalloc(f.n, sizeof(*dumps));
	for (size_t i = 0; i < f.n && rc == 0; i++) {
		struct tt_dump *d = tt_dump_read(f.paths[i], err, sizeof(err));
		size_t j;

		if (d == NULL) {
			tt_err("%s", err);
			rc = -1;
			break;
		}
		/* Keep the newest dump of each process (same pid and start). */
		for (j = opts->every_dump ? nd : 0; j < nd; j++)
			if (dumps[j]->proc.pid == d->proc.pid &&
			    dumps[j]->proc.start_realtime_ns == d->proc.start_realtime_ns)
				break;
		if (j == nd) {
			dumps[nd++] = d;
		} else if (d->proc.seq > dumps[j]->proc.seq) {
			tt_dump_free(dumps[j]);
			dumps[j] = d;
		} else {
			tt_dump_free(d);
		}
	}
	for (size_t i = 0; i < f.n; i++)
		free(f.paths[i]);
	free(f.paths);
	if (rc != 0) {
		for (size_t i = 0; i < nd; i++)
			tt_dump_free(dumps[i]);
		free(dumps);
		return -1;
	}
	m->procs = tt_xcalloc(nd, sizeof(*m->procs));
	m->nprocs = nd;
	for (size_t i = 0; i < nd; i++)
		build_proc(&m->procs[i], dumps[i], opts);
	free(dumps);
	if (!opts->every_dump)
		qsort(m->procs, m->nprocs, sizeof(*m->procs), cmp_proc);
	return 0;
}

void
tt_model_free(struct tt_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		tt_sym_free(m->procs[i].sym);
		free(m->procs[i].sites);
		free(m->procs[i].module_index);
		tt_dump_free(m->procs[i].dump);
	}
	free(m->procs);
	memset(m, 0, sizeof(*m));
}

struct tt_frame *
tt_model_frames(struct tt_proc_model *p, const struct tt_dump_stack *s, size_t *n)
{
	struct tt_frame *out = NULL;
	size_t k = 0, cap = 0;

	for (unsigned i = 0; i < s->rec.depth; i++) {
		const struct tt_sym_result *r = tt_sym_lookup(p->sym, s->frames[i]);
		const char *module = r->module >= 0 ? tt_sym_module_path(p->sym, r->module) : NULL;
		int nf = r->nframes > 0 ? r->nframes : 1;

		if (k + (size_t)nf > cap) {
			cap = (k + (size_t)nf) * 2;
			out = tt_xrealloc(out, cap * sizeof(*out));
		}
		for (int j = 0; j < nf; j++) {
			struct tt_frame *f = &out[k++];

			memset(f, 0, sizeof(*f));
			f->pc = s->frames[i];
			f->module = module;
			f->offset = r->offset;
			if (r->nframes > 0) {
				f->function = r->frames[j].function;
				f->mangled = r->frames[j].mangled;
				f->file = r->frames[j].file;
				f->line = r->frames[j].line;
				f->inlined = j + 1 < r->nframes;
			}
		}
	}
	*n = k;
	return out;
}
