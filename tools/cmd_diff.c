/*
 * cmd_diff.c - `tether diff`: what grew between dumps of one program.
 * Two dump files: B minus A, per allocation site.  A directory or more
 * files: a series, ordered by process and dump number, with each site's
 * in-use bytes at every dump and the sites that grew at every dump
 * flagged as leak suspects.  Text, JSON, or a pprof profile of the
 * difference (what `go tool pprof -base A B` shows).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/cmd.h"
#include "tools/pprof.h"
#include "tools/series.h"

#define JSON_SCHEMA 1

static const char usage[] =
	"usage: tether diff [options] A.tdump B.tdump\n"
	"       tether diff [options] DIR|DUMP...\n"
	"\n"
	"Show what grew between dumps of one program: the in-use bytes and\n"
	"blocks gained or lost per allocation site, largest growth first.\n"
	"Two dump files: B minus A.  A directory (all its *.tdump files) or more\n"
	"files: a series, ordered by process start and dump number, with each\n"
	"site's in-use bytes at every dump; sites that grew at every dump of a\n"
	"series of three or more are flagged as leak suspects, listed first.\n"
	"Dumps of another program (executable path or build id) are refused;\n"
	"dumps of several processes of one program are compared, with a note.\n"
	"\n"
	"options:\n"
	"  -f, --format FORMAT  text (default), json, or pprof (gzipped profile.proto:\n"
	"                       the last dump minus the first, as `go tool pprof\n"
	"                       -base A B` shows it; needs -o unless piped)\n"
	"  -o, --output FILE    write to FILE (atomically); default: standard output\n"
	"      --pid PID        only the dumps of process PID\n"
	"      --top N          show the N first sites (text default 25; json and\n"
	"                       pprof default: all); 0 = all\n"
	"      --sysroot DIR    look for the dump's binaries under DIR\n"
	"      --debug-dir DIR  also look for separate debug files in DIR\n"
	"  -h, --help           show this help\n"
	"\n"
	"exit status: 0 done, 1 a dump could not be read, the dumps are of\n"
	"different programs, or the output could not be written, 2 bad usage.\n"
	"See tether-diff(1).\n";

enum { OPT_TOP = 256, OPT_SYSROOT, OPT_DEBUG_DIR, OPT_PID };

static const struct option options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
bad_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "tether diff: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr, "Try 'tether diff --help'.\n");
	return TT_EXIT_USAGE;
}

/* Whether a site changed at all over the series. */
static bool
changed(const struct tt_series *s, const struct tt_series_site *t)
{
	for (size_t d = 1; d < s->n; d++)
		if (t->bytes[d] != t->bytes[0] || t->blocks[d] != t->blocks[0])
			return true;
	return false;
}

static uint64_t
elapsed_ns(const struct tt_dump *d)
{
	return d->proc.dump_monotonic_ns - d->proc.start_monotonic_ns;
}

static void
dump_label(struct tt_buf *b, const struct tt_series *s, const struct tt_dump *d)
{
	if (s->several_pids)
		tt_buf_printf(b, "pid %u ", d->proc.pid);
	tt_buf_printf(b, "#%u (%s, %.3f s)", d->proc.seq, tt_dump_trigger_name(d->proc.trigger),
		      (double)elapsed_ns(d) / 1e9);
}

static void
signed_thousands(struct tt_buf *b, int64_t v)
{
	char n[32];

	tt_buf_printf(b, "%s%s", v < 0 ? "-" : "+",
		      tt_thousands(n, sizeof(n), (uint64_t)(v < 0 ? -v : v)));
}

static void
text_values(struct tt_buf *b, const uint64_t *v, size_t n)
{
	char x[32];

	for (size_t d = 0; d < n; d++)
		tt_buf_printf(b, "%s%s", d ? " -> " : "", tt_thousands(x, sizeof(x), v[d]));
}

static int
write_text(struct tt_series *s, long top, struct tt_buf *b)
{
	const struct tt_dump *first = s->model.procs[0].dump;
	uint64_t *tb = tt_xcalloc(s->n, sizeof(uint64_t)), *tk = tt_xcalloc(s->n, sizeof(uint64_t));
	size_t grew = 0, shrank = 0, same = 0, shown = 0, nchanged = 0;

	tt_buf_printf(b, "tether diff: %s (", first->argv && first->argv[0] ? first->argv[0] : first->exe);
	if (s->several_pids)
		tt_buf_printf(b, "several processes");
	else
		tt_buf_printf(b, "pid %u", first->proc.pid);
	tt_buf_printf(b, "), %zu dumps: ", s->n);
	for (size_t d = 0; d < s->n; d++) {
		tt_buf_add(b, d ? ", " : "", d ? 2 : 0);
		dump_label(b, s, s->model.procs[d].dump);
		tb[d] = s->model.procs[d].live_bytes;
		tk[d] = s->model.procs[d].live_blocks;
	}
	tt_buf_add(b, "\nin use: ", 9);
	text_values(b, tb, s->n);
	tt_buf_add(b, " bytes in ", 10);
	text_values(b, tk, s->n);
	tt_buf_add(b, " blocks (", 9);
	signed_thousands(b, (int64_t)(tb[s->n - 1] - tb[0]));
	tt_buf_add(b, " bytes, ", 8);
	signed_thousands(b, (int64_t)(tk[s->n - 1] - tk[0]));
	tt_buf_add(b, " blocks)\n", 9);
	for (size_t i = 0; i < s->nsites; i++) {
		const struct tt_series_site *t = &s->sites[i];

		if (!changed(s, t)) {
			same += t->bytes[0] > 0;
			continue;
		}
		nchanged++;
		grew += t->growth > 0 || (t->growth == 0 && t->growth_blocks > 0);
		shrank += t->growth < 0 || (t->growth == 0 && t->growth_blocks < 0);
	}
	tt_buf_printf(b, "sites: %zu grew, %zu shrank, %zu held the same memory", grew, shrank, same);
	if (s->n >= 3)
		tt_buf_printf(b, "; %zu leak suspect%s (grew at every dump)", s->nsuspects,
			      s->nsuspects == 1 ? "" : "s");
	tt_buf_add(b, "\n", 1);
	for (size_t i = 0; i < s->nsites; i++) {
		const struct tt_series_site *t = &s->sites[i];

		if (!changed(s, t))
			continue;
		if (top > 0 && (long)shown == top)
			break;
		shown++;
		tt_buf_printf(b, "\n%s", t->suspect ? "LEAK SUSPECT: " : "");
		signed_thousands(b, t->growth);
		tt_buf_add(b, " bytes, ", 8);
		signed_thousands(b, t->growth_blocks);
		tt_buf_add(b, " blocks; in use: ", 17);
		text_values(b, t->bytes, s->n);
		tt_buf_add(b, " bytes in ", 10);
		text_values(b, t->blocks, s->n);
		tt_buf_add(b, " blocks\n", 8);
		if (tt_verdict_name(t->verdict))
			tt_buf_printf(b, "    verdict: %s\n", tt_verdict_name(t->verdict));
		for (size_t k = 0; k < t->nlost; k++) {
			tt_buf_printf(b, "    lost: %llu blocks (%llu bytes) ",
				      (unsigned long long)t->lost[k].blocks,
				      (unsigned long long)t->lost[k].bytes);
			if (t->lost[k].last_reachable)
				tt_buf_printf(b, "reachable at dump #%u, ", t->lost[k].last_reachable);
			else
				tt_buf_add(b, "never seen reachable, ", 22);
			tt_buf_printf(b, "lost by dump #%u\n", t->lost[k].first_lost);
		}
		tt_buf_printf(b, "    #0 %s\n", tt_dump_alloc_fn_name(t->stack->rec.alloc_fn));
		tt_text_stack(b, t->proc, t->stack, "    ", 1);
		if (t->stack->rec.flags & TT_STACK_TRUNCATED)
			TT_BUF_LIT(b, "    ... (deeper frames not captured: TETHER_STACK_DEPTH)\n");
	}
	if (shown < nchanged)
		tt_buf_printf(b, "\n... and %zu more sites that changed (--top 0 shows all)\n",
			      nchanged - shown);
	free(tb);
	free(tk);
	return 0;
}

static void
json_array(struct tt_buf *b, const char *key, const uint64_t *v, size_t n)
{
	tt_buf_printf(b, "\"%s\": [", key);
	for (size_t d = 0; d < n; d++)
		tt_buf_printf(b, "%s%llu", d ? ", " : "", (unsigned long long)v[d]);
	tt_buf_add(b, "]", 1);
}

static int
write_json(struct tt_series *s, long top, struct tt_buf *b)
{
	const struct tt_dump *first = s->model.procs[0].dump;
	char bid[160];
	size_t shown = 0;

	tt_buf_printf(b, "{\"format\": \"tether-diff\", \"schema\": %d, \"exe\": ", JSON_SCHEMA);
	tt_buf_json_str(b, first->exe);
	tt_buf_add(b, ", \"build_id\": ", 14);
	tt_buf_json_str(b, tt_series_main_build_id(first, bid, sizeof(bid)));
	tt_buf_printf(b, ", \"several_processes\": %s, \"dumps\": [",
		      s->several_pids ? "true" : "false");
	for (size_t d = 0; d < s->n; d++) {
		const struct tt_proc_model *p = &s->model.procs[d];
		const struct tt_dump *x = p->dump;

		tt_buf_add(b, d ? ",\n  {\"dump\": " : "\n  {\"dump\": ", d ? 13 : 12);
		tt_buf_json_str(b, x->path);
		tt_buf_printf(b, ", \"pid\": %u, \"seq\": %u, \"trigger\": \"%s\", "
			      "\"time_ns\": %llu, \"elapsed_ns\": %llu, "
			      "\"in_use_bytes\": %llu, \"in_use_blocks\": %llu}",
			      x->proc.pid, x->proc.seq, tt_dump_trigger_name(x->proc.trigger),
			      (unsigned long long)(x->proc.start_realtime_ns + elapsed_ns(x)),
			      (unsigned long long)elapsed_ns(x),
			      (unsigned long long)p->live_bytes, (unsigned long long)p->live_blocks);
	}
	tt_buf_printf(b, "], \"growth_bytes\": %lld, \"growth_blocks\": %lld, \"suspects\": %zu, "
		      "\"sites\": [",
		      (long long)(s->model.procs[s->n - 1].live_bytes - s->model.procs[0].live_bytes),
		      (long long)(s->model.procs[s->n - 1].live_blocks - s->model.procs[0].live_blocks),
		      s->nsuspects);
	for (size_t i = 0; i < s->nsites; i++) {
		const struct tt_series_site *t = &s->sites[i];

		if (!changed(s, t) && t->bytes[0] == 0)
			continue;	/* never held memory */
		if (top > 0 && (long)shown == top)
			break;
		tt_buf_add(b, shown ? ",\n  {" : "\n  {", shown ? 5 : 4);
		shown++;
		tt_buf_printf(b, "\"growth_bytes\": %lld, \"growth_blocks\": %lld, \"suspect\": %s, ",
			      (long long)t->growth, (long long)t->growth_blocks,
			      t->suspect ? "true" : "false");
		tt_buf_add(b, "\"verdict\": ", 11);
		if (tt_verdict_name(t->verdict))
			tt_buf_json_str(b, tt_verdict_name(t->verdict));
		else
			tt_buf_add(b, "null", 4);
		tt_buf_add(b, ", \"lost\": [", 11);
		for (size_t k = 0; k < t->nlost; k++)
			tt_buf_printf(b, "%s{\"blocks\": %llu, \"bytes\": %llu, "
				      "\"last_reachable_seq\": %u, \"first_lost_seq\": %u}",
				      k ? ", " : "", (unsigned long long)t->lost[k].blocks,
				      (unsigned long long)t->lost[k].bytes,
				      t->lost[k].last_reachable, t->lost[k].first_lost);
		tt_buf_add(b, "], ", 3);
		json_array(b, "in_use_bytes", t->bytes, s->n);
		tt_buf_add(b, ", ", 2);
		json_array(b, "in_use_blocks", t->blocks, s->n);
		tt_buf_add(b, ", ", 2);
		json_array(b, "alloc_bytes", t->alloc_bytes, s->n);
		tt_buf_add(b, ", ", 2);
		json_array(b, "alloc_blocks", t->alloc_blocks, s->n);
		tt_buf_printf(b, ", \"alloc_function\": \"%s\", \"frames\": ",
			      tt_dump_alloc_fn_name(t->stack->rec.alloc_fn));
		tt_json_stack(b, t->proc, t->stack);
		tt_buf_add(b, "}", 1);
	}
	tt_buf_add(b, "]}\n", 3);
	return 0;
}

/* The last dump minus the first, one sample per site that changed, with
 * the locations of the dump the site's stack comes from. */
static int
write_pprof(struct tt_series *s, long top, const char *path)
{
	struct tt_pprof *pp = tt_pprof_new();
	struct tt_proc_model *first = &s->model.procs[0], *last = &s->model.procs[s->n - 1];
	uint64_t **maps = tt_xcalloc(s->n, sizeof(*maps));
	const struct tt_dump *ld = last->dump;
	size_t shown = 0;
	char *c;
	int rc;

	tt_pprof_heap_types(pp);
	/* The profile covers the time from the first dump to the last. */
	tt_pprof_time(pp, (int64_t)(first->dump->proc.start_realtime_ns + elapsed_ns(first->dump)),
		      (int64_t)(ld->proc.start_realtime_ns + elapsed_ns(ld)) -
		      (int64_t)(first->dump->proc.start_realtime_ns + elapsed_ns(first->dump)));
	c = tt_xasprintf("tether heap growth of %s: dump %s (pid %u, #%u) minus %s (pid %u, #%u)",
			 ld->exe, ld->path, ld->proc.pid, ld->proc.seq, first->dump->path,
			 first->dump->proc.pid, first->dump->proc.seq);
	tt_pprof_comment(pp, c);
	free(c);
	for (size_t i = 0; i < s->nsites; i++) {
		const struct tt_series_site *t = &s->sites[i];
		size_t at = (size_t)(t->proc - s->model.procs);
		int64_t v[4] = {
			(int64_t)(t->alloc_blocks[s->n - 1] - t->alloc_blocks[0]),
			(int64_t)(t->alloc_bytes[s->n - 1] - t->alloc_bytes[0]),
			t->growth_blocks, t->growth,
		};
		struct tt_pprof_label label[2] = {
			{ .key = "alloc_function", .str = tt_dump_alloc_fn_name(t->stack->rec.alloc_fn) },
			{ .key = "verdict", .str = tt_verdict_name(t->verdict) },
		};
		uint64_t *locs;

		if (!v[0] && !v[1] && !v[2] && !v[3])
			continue;
		if (top > 0 && (long)shown == top)
			break;
		shown++;
		if (maps[at] == NULL)
			maps[at] = tt_pprof_proc_mappings(pp, t->proc);
		locs = tt_pprof_stack_locations(pp, t->proc, maps[at], t->stack);
		tt_pprof_sample(pp, locs, t->stack->rec.depth, v, label, label[1].str ? 2 : 1);
		free(locs);
	}
	rc = tt_pprof_write(pp, path);
	for (size_t d = 0; d < s->n; d++)
		free(maps[d]);
	free(maps);
	tt_pprof_free(pp);
	return rc;
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

int
tt_cmd_diff(int argc, char **argv)
{
	struct tt_model_opts mo = { .sysroot = NULL };
	const char *format = "text", *output = NULL;
	struct tt_series s;
	struct tt_buf out = { 0 };
	long top = -1, pid = 0;
	bool keep_order;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:o:h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_TOP:
		case OPT_PID: {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (c == OPT_TOP && (errno || *end || end == optarg || v < 0))
				return bad_usage("--top expects a whole number, 0 for all", optarg);
			if (c == OPT_PID && (errno || *end || end == optarg || v <= 0 || v > INT32_MAX))
				return bad_usage("--pid expects a process id (a positive number)", optarg);
			*(c == OPT_TOP ? &top : &pid) = v;
			break;
		}
		case OPT_SYSROOT:
			mo.sysroot = optarg;
			break;
		case OPT_DEBUG_DIR:
			mo.debug_dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return bad_usage("bad option", NULL);
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "pprof"))
		return bad_usage("unknown format (expected text, json or pprof)", format);
	if (optind == argc)
		return bad_usage("no dumps given (two .tdump files, or a directory of them)", NULL);
	if (strcmp(format, "pprof") == 0 && (output == NULL || strcmp(output, "-") == 0) &&
	    isatty(1))
		return bad_usage("pprof output is binary; give -o FILE", NULL);
	if (top < 0)
		top = strcmp(format, "text") == 0 ? 25 : 0;
	keep_order = argc - optind == 2 && is_file(argv[optind]) && is_file(argv[optind + 1]);
	if (tt_series_load(&s, argv + optind, argc - optind, &mo, keep_order, pid) != 0)
		return TT_EXIT_DATA;
	if (s.n < 2) {
		tt_err("%s: only one dump%s; tether diff compares two or more dumps of "
		       "one program", s.model.procs[0].dump->path,
		       pid ? " of that process" : "");
		tt_series_free(&s);
		return TT_EXIT_DATA;
	}
	if (s.several_pids) {
		struct tt_buf pids = { 0 };

		for (size_t d = 0; d < s.n; d++)
			if (d == 0 || s.model.procs[d].dump->proc.pid != s.model.procs[d - 1].dump->proc.pid)
				tt_buf_printf(&pids, "%s%u", pids.len ? ", " : "",
					      s.model.procs[d].dump->proc.pid);
		tt_buf_add(&pids, "", 1);
		fprintf(stderr, "tether diff: note: the dumps are of several processes of %s "
			"(pids %s); sites are matched by module and offset\n",
			s.model.procs[0].dump->exe, pids.s);
		tt_buf_free(&pids);
	}
	if (strcmp(format, "pprof") == 0) {
		rc = write_pprof(&s, top, output ? output : "-");
	} else {
		rc = (strcmp(format, "json") == 0 ? write_json : write_text)(&s, top, &out);
		if (rc == 0)
			rc = tt_write_file(output ? output : "-", out.s, out.len);
	}
	if (rc != 0) {
		tt_err("cannot write %s: %s", output ? output : "the diff", strerror(-rc));
		rc = TT_EXIT_DATA;
	}
	tt_buf_free(&out);
	tt_series_free(&s);
	return rc;
}
