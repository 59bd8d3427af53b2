/*
 * report_threads.c - `tether report --type threads`: every thread a dump
 * recorded, like a Go goroutine dump: its number, name, state, what it
 * waits in and for how long, its start routine and where it was created.
 * In a dump written at exit, threads that were never joined (still running,
 * blocked, or ended) and never detached are leaked, and said so.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cmd.h"
#include "tools/pprof.h"

const char *
tt_glob_check(const char *p)
{
	if (*p == '\0')
		return "the pattern is empty";
	for (; *p; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
		} else if (*p == '[') {
			const char *q = p + 1;

			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			if (*q != ']')
				return "a '[' is never closed by ']'";
			p = q;
		}
	}
	return NULL;
}

/* Whether a --ignore-thread glob matches the thread's name, its start
 * routine or a function it was created from. */
bool
tt_thread_ignored(struct tt_proc_model *p, const struct tt_report_opts *o,
	const struct tt_dump_thread *t)
{
	const struct tt_dump_stack *cs = tt_dump_stack(p->dump, t->rec.create_stack);
	const struct tt_sym_result *r;

	for (size_t i = 0; i < o->nignore; i++) {
		const char *g = o->ignore[i];

		if (fnmatch(g, t->name, 0) == 0)
			return true;
		if (t->rec.start_routine) {
			r = tt_sym_lookup(p->sym, t->rec.start_routine + 1);
			for (int k = 0; k < r->nframes; k++)
				if (r->frames[k].function && fnmatch(g, r->frames[k].function, 0) == 0)
					return true;
		}
		for (unsigned j = 0; cs != NULL && j < cs->rec.depth; j++) {
			r = tt_sym_lookup(p->sym, cs->frames[j]);
			for (int k = 0; k < r->nframes; k++)
				if (r->frames[k].function && fnmatch(g, r->frames[k].function, 0) == 0)
					return true;
		}
	}
	return false;
}

/* A thread the program should have joined (the dump is the final one, and
 * the thread is neither the main one nor detached), or one that can never
 * wake, in any dump that carries a scan. */
bool
tt_thread_leaked(const struct tt_dump *d, const struct tt_rec_thread *t)
{
	bool final = d->proc.trigger == TT_TRIGGER_EXIT ||
		     d->proc.trigger == TT_TRIGGER_UNDERSCORE_EXIT;

	return (t->flags & TT_THREAD_F_STUCK) ||
	       (final && !(t->flags & (TT_THREAD_F_MAIN | TT_THREAD_F_DETACHED | TT_THREAD_F_ADOPTED)));
}

static const char *
state_name(const struct tt_rec_thread *t)
{
	if (t->state == TT_THREAD_EXITED)
		return "ended, not joined";
	if (t->wait_call != 0)
		return "blocked";
	return t->state == TT_THREAD_STARTING ? "starting" : "running";
}

/* The thread with kernel tid, or NULL. */
static const struct tt_dump_thread *
by_tid(const struct tt_dump *d, int32_t tid)
{
	for (size_t i = 0; tid > 0 && i < d->nthreads; i++)
		if (d->threads[i].rec.tid == tid && d->threads[i].rec.state != TT_THREAD_EXITED)
			return &d->threads[i];
	return NULL;
}

/* The thread holding what t waits on, or NULL. */
static const struct tt_dump_thread *
holder(const struct tt_dump *d, const struct tt_dump_thread *t)
{
	return t->rec.wait_call ? by_tid(d, t->rec.wait_holder_tid) : NULL;
}

/*
 * Whether t is on a cycle of threads each waiting for a lock the next one
 * holds (each thread waits for at most one holder, so following the chain
 * from t either ends or comes back to t).
 */
static bool
in_deadlock(const struct tt_dump *d, const struct tt_dump_thread *t)
{
	const struct tt_dump_thread *h = holder(d, t);

	for (size_t steps = 0; h != NULL && steps <= d->nthreads; steps++) {
		if (h == t)
			return true;
		h = holder(d, h);
	}
	return false;
}

/* Text for the deadlock cycles, each named once, from its lowest thread,
 * with the stack each thread waits at. */
static void
text_deadlocks(struct tt_buf *b, struct tt_proc_model *p)
{
	const struct tt_dump *d = p->dump;

	for (size_t i = 0; i < d->nthreads; i++) {
		const struct tt_dump_thread *t = &d->threads[i], *h;
		bool lowest = true;

		if (!in_deadlock(d, t))
			continue;
		for (h = holder(d, t); h != t; h = holder(d, h))
			lowest &= h->rec.num > t->rec.num;
		if (!lowest)
			continue;
		tt_buf_printf(b, "\nDEADLOCK:");
		h = t;
		do {
			const struct tt_dump_thread *next = holder(d, h);

			tt_buf_printf(b, "\n    thread %u \"%s\" waits in %s on 0x%llx, held by "
				      "thread %u \"%s\"\n", h->rec.num, h->name,
				      tt_dump_wait_name(h->rec.wait_call),
				      (unsigned long long)h->rec.wait_object, next->rec.num,
				      next->name);
			if (h->rec.wait_stack != 0)
				tt_text_stack(b, p, tt_dump_stack(d, h->rec.wait_stack), "        ", 1);
			h = next;
		} while (h != t);
	}
}

/* "350 ms", "14 s", "3 minutes", "2 hours" */
static void
duration(char *buf, size_t n, uint64_t ns)
{
	uint64_t ms = ns / 1000000, s = ms / 1000;

	if (s < 1)
		snprintf(buf, n, "%llu ms", (unsigned long long)ms);
	else if (s < 120)
		snprintf(buf, n, "%llu s", (unsigned long long)s);
	else if (s < 7200)
		snprintf(buf, n, "%llu minutes", (unsigned long long)(s / 60));
	else
		snprintf(buf, n, "%llu hours", (unsigned long long)(s / 3600));
}

/* What the wait is on: "socket fd 12", "pipe fd 3", "mutex 0x...". */
static void
wait_object(char *buf, size_t n, const struct tt_dump_thread *t)
{
	const char *target = t->wait_target;
	const char *kind = !strncmp(target, "socket:", 7) ? "socket" :
			   !strncmp(target, "pipe:", 5) ? "pipe" :
			   !strncmp(target, "/dev/pts/", 9) || !strncmp(target, "/dev/tty", 8) ? "tty" :
			   !strncmp(target, "anon_inode:", 11) ? target + 11 : "file";

	if (t->rec.wait_fd >= 0)
		snprintf(buf, n, " on %s fd %d", kind, t->rec.wait_fd);
	else if (t->rec.wait_object != 0)
		snprintf(buf, n, " on 0x%llx", (unsigned long long)t->rec.wait_object);
	else
		buf[0] = '\0';
}

/* The first frame of the creation stack, as "fn (file:line)". */
static char *
frame_str(struct tt_proc_model *p, uint64_t pc)
{
	const struct tt_sym_result *r = tt_sym_lookup(p->sym, pc);
	const struct tt_sym_frame *f;

	if (r->nframes == 0)
		return r->module >= 0 ?
		       tt_xasprintf("%s+0x%llx", tt_basename(tt_sym_module_path(p->sym, r->module)),
				    (unsigned long long)r->offset) :
		       tt_xasprintf("0x%llx", (unsigned long long)pc);
	f = &r->frames[r->nframes - 1];
	if (f->file && f->line)
		return tt_xasprintf("%s (%s:%d)", f->function ? f->function : "?",
				    tt_basename(f->file), f->line);
	return tt_xstrdup(f->function ? f->function : "?");
}

void
tt_text_thread_head(struct tt_buf *b, struct tt_proc_model *p, const struct tt_dump_thread *t)
{
	const struct tt_dump *d = p->dump;
	const struct tt_rec_thread *r = &t->rec;
	const struct tt_dump_stack *cs = tt_dump_stack(d, r->create_stack);
	char since[32], on[64];

	tt_buf_printf(b, "thread %u \"%s\" [", r->num, t->name);
	if (r->wait_call != 0) {
		duration(since, sizeof(since), d->proc.dump_monotonic_ns > r->wait_since_ns ?
			 d->proc.dump_monotonic_ns - r->wait_since_ns : 0);
		wait_object(on, sizeof(on), t);
		tt_buf_printf(b, "%s%s", tt_dump_wait_name(r->wait_call), on);
		if (holder(d, t) != NULL)
			tt_buf_printf(b, " held by thread %u", holder(d, t)->rec.num);
		tt_buf_printf(b, ", %s", since);
	} else {
		tt_buf_printf(b, "%s", state_name(r));
	}
	tt_buf_add(b, "]", 1);
	if (r->flags & TT_THREAD_F_MAIN)
		tt_buf_printf(b, " main thread");
	else if (cs != NULL && cs->rec.depth > 0) {
		char *where = frame_str(p, cs->frames[0]);

		tt_buf_printf(b, " created by %s", where);
		free(where);
	}
	if (r->flags & TT_THREAD_F_DETACHED)
		tt_buf_printf(b, " (detached)");
	if (r->flags & TT_THREAD_F_STUCK)
		tt_buf_printf(b, " LEAKED: can never wake");
	else if (tt_thread_leaked(d, r))
		tt_buf_printf(b, " LEAKED: never joined");
	if (in_deadlock(d, t))
		tt_buf_printf(b, " DEADLOCKED");
}

static void
text_thread(struct tt_buf *b, struct tt_proc_model *p, const struct tt_dump_thread *t)
{
	const struct tt_dump *d = p->dump;
	const struct tt_rec_thread *r = &t->rec;
	const struct tt_dump_stack *cs = tt_dump_stack(d, r->create_stack);

	tt_text_thread_head(b, p, t);
	tt_buf_add(b, "\n", 1);
	if (r->wait_stack != 0) {
		tt_buf_printf(b, "    #0 %s\n", tt_dump_wait_name(r->wait_call));
		tt_text_stack(b, p, tt_dump_stack(d, r->wait_stack), "    ", 1);
	}
	if (r->start_routine) {
		char *fn = frame_str(p, r->start_routine + 1);

		tt_buf_printf(b, "    start routine: %s\n", fn);
		free(fn);
	}
	if (cs != NULL) {
		tt_buf_printf(b, "    created by thread %u at:\n", r->creator);
		tt_text_stack(b, p, cs, "      ", 0);
	}
}

/* The long waits of a process: one line each, then the wait's stack. */
static void
text_long_waits(struct tt_buf *b, struct tt_proc_model *p)
{
	const struct tt_dump *d = p->dump;

	if (d->nlong_waits == 0)
		return;
	tt_buf_printf(b, "\nlong waits (at least TETHER_LONG_WAIT), oldest first");
	if (d->long_waits_dropped)
		tt_buf_printf(b, "; %llu older ones dropped",
			      (unsigned long long)d->long_waits_dropped);
	tt_buf_add(b, ":\n", 2);
	for (size_t i = 0; i < d->nlong_waits; i++) {
		const struct tt_rec_long_wait *w = &d->long_waits[i];
		const struct tt_dump_stack *s = tt_dump_stack(d, w->stack);
		char len[32];

		duration(len, sizeof(len), w->end_ns - w->start_ns);
		tt_buf_printf(b, "\nthread %u [%s", w->thread, tt_dump_wait_name(w->call));
		if (w->fd >= 0)
			tt_buf_printf(b, " on fd %d", w->fd);
		else if (w->object)
			tt_buf_printf(b, " on 0x%llx", (unsigned long long)w->object);
		tt_buf_printf(b, ", %s] from %.3f s to %.3f s after start\n", len,
			      (double)(w->start_ns - d->proc.start_monotonic_ns) / 1e9,
			      (double)(w->end_ns - d->proc.start_monotonic_ns) / 1e9);
		if (s != NULL)
			tt_text_stack(b, p, s, "    ", 0);
	}
}

int
tt_report_threads_text(struct tt_model *m, const struct tt_report_opts *o,
		       struct tt_buf *out)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_proc_model *p = &m->procs[i];
		const struct tt_dump *d = p->dump;
		size_t blocked = 0, ended = 0, nleaked = 0, nignored = 0, shown;

		for (size_t k = 0; k < d->nthreads; k++) {
			if (tt_thread_ignored(p, o, &d->threads[k])) {
				nignored++;
				continue;
			}
			blocked += d->threads[k].rec.wait_call != 0;
			ended += d->threads[k].rec.state == TT_THREAD_EXITED;
			nleaked += tt_thread_leaked(d, &d->threads[k].rec);
		}
		shown = d->nthreads - nignored;
		if (i > 0)
			tt_buf_add(out, "\n", 1);
		tt_buf_printf(out, "tether: %s (pid %u), dump #%u at %s: %zu threads "
			      "(%zu blocked, %zu ended but not joined), %zu leaked",
			      d->argv && d->argv[0] ? d->argv[0] : d->exe, d->proc.pid,
			      d->proc.seq, tt_dump_trigger_name(d->proc.trigger),
			      shown, blocked, ended, nleaked);
		if (nignored)
			tt_buf_printf(out, "; %zu ignored (--ignore-thread)", nignored);
		tt_buf_add(out, "\n", 1);
		for (size_t k = 0; k < d->nthreads; k++) {
			if (tt_thread_ignored(p, o, &d->threads[k]))
				continue;
			tt_buf_add(out, "\n", 1);
			text_thread(out, p, &d->threads[k]);
		}
		text_deadlocks(out, p);
		text_long_waits(out, p);
	}
	return 0;
}

int
tt_report_threads_json(struct tt_model *m, const struct tt_report_opts *o,
		       struct tt_buf *out)
{
	(void)o;
	tt_buf_add(out, "{\"format\": \"tether-threads\", \"schema\": 1, \"processes\": [", 56);
	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_proc_model *p = &m->procs[i];
		const struct tt_dump *d = p->dump;

		tt_buf_printf(out, "%s{\"pid\": %u, \"exe\": ", i ? ",\n" : "", d->proc.pid);
		tt_buf_json_str(out, d->exe);
		tt_buf_printf(out, ", \"trigger\": \"%s\", \"threads\": [",
			      tt_dump_trigger_name(d->proc.trigger));
		for (size_t k = 0, listed = 0; k < d->nthreads; k++) {
			const struct tt_dump_thread *t = &d->threads[k];

			if (tt_thread_ignored(p, o, t))
				continue;
			const struct tt_rec_thread *r = &t->rec;
			const struct tt_dump_stack *cs = tt_dump_stack(d, r->create_stack);
			char *start = r->start_routine ? frame_str(p, r->start_routine + 1) : NULL;

			tt_buf_printf(out, "%s\n  {\"number\": %u, \"tid\": %d, \"name\": ",
				      listed++ ? "," : "", r->num, r->tid);
			tt_buf_json_str(out, t->name);
			tt_buf_printf(out, ", \"state\": \"%s\", \"main\": %s, \"detached\": %s, "
				      "\"leaked\": %s, \"never_wakes\": %s, \"deadlocked\": %s, "
				      "\"creator\": %u, \"wait\": ",
				      state_name(r), r->flags & TT_THREAD_F_MAIN ? "true" : "false",
				      r->flags & TT_THREAD_F_DETACHED ? "true" : "false",
				      tt_thread_leaked(d, r) ? "true" : "false",
				      r->flags & TT_THREAD_F_STUCK ? "true" : "false",
				      in_deadlock(d, t) ? "true" : "false", r->creator);
			if (r->wait_call != 0) {
				tt_buf_printf(out, "{\"call\": \"%s\", \"fd\": %d, \"object\": \"0x%llx\", "
					      "\"target\": ", tt_dump_wait_name(r->wait_call), r->wait_fd,
					      (unsigned long long)r->wait_object);
				tt_buf_json_str(out, t->wait_target);
				tt_buf_printf(out, ", \"seconds\": %.3f, \"held_by\": ",
					      (double)(d->proc.dump_monotonic_ns - r->wait_since_ns) / 1e9);
				if (holder(d, t) != NULL)
					tt_buf_printf(out, "%u", holder(d, t)->rec.num);
				else
					tt_buf_add(out, "null", 4);
				tt_buf_add(out, ", \"frames\": ", 12);
				if (r->wait_stack != 0)
					tt_json_stack(out, p, tt_dump_stack(d, r->wait_stack));
				else
					tt_buf_add(out, "null", 4);
				tt_buf_add(out, "}", 1);
			} else {
				tt_buf_add(out, "null", 4);
			}
			tt_buf_add(out, ", \"start_routine\": ", 19);
			if (start)
				tt_buf_json_str(out, start);
			else
				tt_buf_add(out, "null", 4);
			free(start);
			tt_buf_add(out, ", \"created_at\": ", 16);
			if (cs != NULL)
				tt_json_stack(out, p, cs);
			else
				tt_buf_add(out, "[]", 2);
			tt_buf_add(out, "}", 1);
		}
		tt_buf_printf(out, "], \"long_waits_dropped\": %llu, \"long_waits\": [",
			      (unsigned long long)d->long_waits_dropped);
		for (size_t k = 0; k < d->nlong_waits; k++) {
			const struct tt_rec_long_wait *w = &d->long_waits[k];
			const struct tt_dump_stack *s = tt_dump_stack(d, w->stack);

			tt_buf_printf(out, "%s\n  {\"thread\": %u, \"call\": \"%s\", \"fd\": %d, "
				      "\"object\": \"0x%llx\", \"start_s\": %.6f, \"seconds\": %.6f, "
				      "\"frames\": ", k ? "," : "", w->thread,
				      tt_dump_wait_name(w->call), w->fd,
				      (unsigned long long)w->object,
				      (double)(w->start_ns - d->proc.start_monotonic_ns) / 1e9,
				      (double)(w->end_ns - w->start_ns) / 1e9);
			if (s != NULL)
				tt_json_stack(out, p, s);
			else
				tt_buf_add(out, "[]", 2);
			tt_buf_add(out, "}", 1);
		}
		tt_buf_add(out, "]}", 2);
	}
	tt_buf_add(out, "]}\n", 3);
	return 0;
}

/* pprof "threads" profile: one sample per thread (like Go's goroutine
 * profile), located at its creation stack, labelled with its state. */
int
tt_report_threads_pprof(struct tt_model *m, const struct tt_report_opts *o,
			const char *path)
{
	struct tt_pprof *pp = tt_pprof_new();
	int rc;

	tt_pprof_sample_type(pp, "threads", "count");
	tt_pprof_default_sample_type(pp, "threads");
	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_proc_model *p = &m->procs[i];
		const struct tt_dump *d = p->dump;

		for (size_t k = 0; k < d->nthreads; k++) {
			const struct tt_dump_thread *t = &d->threads[k];
			const struct tt_rec_thread *r = &t->rec;
			const struct tt_dump_stack *cs = tt_dump_stack(d, r->create_stack);
			uint64_t locs[TT_SYM_MAX_INLINE * 4];

			if (tt_thread_ignored(p, o, t))
				continue;
			size_t nl = 0;
			int64_t one = 1;
			struct tt_pprof_label labels[5] = {
				{ .key = "state", .str = state_name(r) },
				{ .key = "wait", .str = tt_dump_wait_name(r->wait_call) },
				{ .key = "wait_seconds", .num = r->wait_call ?
				  (int64_t)((d->proc.dump_monotonic_ns - r->wait_since_ns) / 1000000000u) : 0,
				  .num_unit = "seconds" },
				{ .key = "thread", .num = r->num },
				{ .key = "name", .str = t->name[0] ? t->name : "?" },
			};

			for (unsigned j = 0; cs != NULL && j < cs->rec.depth && nl < 64; j++) {
				const struct tt_sym_result *res = tt_sym_lookup(p->sym, cs->frames[j]);
				struct tt_pprof_line lines[TT_SYM_MAX_INLINE];

				for (int q = 0; q < res->nframes; q++) {
					lines[q].function = res->frames[q].function;
					lines[q].system_name = res->frames[q].mangled;
					lines[q].file = res->frames[q].file;
					lines[q].line = res->frames[q].line;
				}
				locs[nl++] = tt_pprof_location(pp, 0, cs->frames[j], lines,
							       (size_t)res->nframes);
			}
			if (nl == 0) {
				/* pprof drops samples without a location */
				struct tt_pprof_line line = {
					.function = r->flags & TT_THREAD_F_MAIN ? "[main thread]" :
						    "[thread not seen created]",
				};

				locs[nl++] = tt_pprof_location(pp, 0, 0, &line, 1);
			}
			tt_pprof_sample(pp, locs, nl, &one, labels, 5);
		}
	}
	rc = tt_pprof_write(pp, path);
	tt_pprof_free(pp);
	return rc;
}
