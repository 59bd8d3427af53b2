/*
 * cmd_report.c - `tether report`: read dumps, symbolize, and write the
 * report as text, JSON or a pprof profile.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/options.h"
#include "tools/cmd.h"

static const char usage[] =
	"usage: tether report [options] DUMP|DIR...\n"
	"\n"
	"Report what the dumps recorded: the allocation sites still holding\n"
	"memory when each dump was written, largest first, symbolized.\n"
	"A directory stands for its *.tdump files (the newest dump of each process).\n"
	"\n"
	"options:\n"
	"  -t, --type TYPE      heap (default): allocation sites still holding memory;\n"
	"                       threads: every thread, its state, wait and creator,\n"
	"                       the threads leaked at exit, and the long waits;\n"
	"                       block: where threads waited (count and delay);\n"
	"                       mutex: the same, for contended mutexes and rwlocks;\n"
	"                       leaks: what a reachability scan found lost (dumps\n"
	"                       of tether check, TETHER_LEAK_CHECK, tether_check())\n"
	"  -f, --format FORMAT  text (default), json, pprof (gzipped profile.proto\n"
	"                       with alloc_objects, alloc_space, inuse_objects,\n"
	"                       inuse_space; read it with `go tool pprof`), or\n"
	"                       flamegraph (--type heap: a self-contained HTML page,\n"
	"                       searchable, click a frame to zoom)\n"
	"      --sample SAMPLE  what the flame graph weighs: inuse_space (default),\n"
	"                       inuse_objects, alloc_space, alloc_objects, or leaks\n"
	"                       (lost bytes by kind; dumps with a reachability scan)\n"
	"      --timeline       in-use memory over time, from a series of dumps of\n"
	"                       one program (a directory, or several files): the total\n"
	"                       and the --top sites (default 5), as an SVG image\n"
	"  -o, --output FILE    write the report to FILE (written atomically);\n"
	"                       default: standard output\n"
	"      --ignore-thread GLOB  with --type threads: leave out threads whose\n"
	"                       name, start routine or a creating function matches\n"
	"                       GLOB (fnmatch; may be repeated)\n"
	"      --older-than DURATION  only the long-run leak suspects: sites that\n"
	"                       free nothing and whose live blocks are all older\n"
	"                       than DURATION (500ms, 30s, 10m, 2h)\n"
	"      --site-labels    with --format pprof: label each site's sample with its\n"
	"                       lifetimes, ownership and verdict (they change from\n"
	"                       dump to dump, so go tool pprof -base no longer\n"
	"                       subtracts such profiles)\n"
	"      --top N          show the N largest sites (text default 25; json and\n"
	"                       pprof default: all; the flame graph has all); 0 = all\n"
	"      --sysroot DIR    look for the dump's binaries under DIR\n"
	"      --debug-dir DIR  also look for separate debug files in DIR\n"
	"  -h, --help           show this help\n"
	"\n"
	"exit status: 0 done, 1 a dump could not be read or the output written,\n"
	"2 bad usage.  See tether-report(1).\n";

#define TT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum { OPT_TOP = 256, OPT_SYSROOT, OPT_DEBUG_DIR, OPT_IGNORE_THREAD, OPT_SAMPLE, OPT_TIMELINE,
       OPT_OLDER_THAN, OPT_SITE_LABELS };

/* The report types, each with its three writers. */
static const struct writer {
	const char *type;
	int (*text)(struct tt_model *, const struct tt_report_opts *, struct tt_buf *);
	int (*json)(struct tt_model *, const struct tt_report_opts *, struct tt_buf *);
	int (*pprof)(struct tt_model *, const struct tt_report_opts *, const char *);
} writers[] = {
	{ "heap", tt_report_text, tt_report_json, tt_report_pprof },
	{ "threads", tt_report_threads_text, tt_report_threads_json, tt_report_threads_pprof },
	{ "block", tt_report_block_text, tt_report_block_json, tt_report_block_pprof },
	{ "mutex", tt_report_block_text, tt_report_block_json, tt_report_block_pprof },
	{ "leaks", tt_report_leaks_text, tt_report_leaks_json, NULL },
	{ NULL, NULL, NULL, NULL },
};

static const struct option options[] = {
	{ "type", required_argument, NULL, 't' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "timeline", no_argument, NULL, OPT_TIMELINE },
	{ "older-than", required_argument, NULL, OPT_OLDER_THAN },
	{ "site-labels", no_argument, NULL, OPT_SITE_LABELS },
	{ "ignore-thread", required_argument, NULL, OPT_IGNORE_THREAD },
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
bad_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "tether report: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr, "Try 'tether report --help'.\n");
	return TT_EXIT_USAGE;
}

/* --older-than: keep the sites that free nothing and whose live blocks
 * are all older than ns, the long-run leak suspects. */
static void
older_than(struct tt_model *m, uint64_t ns)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_proc_model *p = &m->procs[i];
		size_t j = 0;

		for (size_t k = 0; k < p->nsites; k++) {
			const struct tt_site *s = &p->sites[k];

			if (s->live_blocks > 0 && s->stack->rec.free_blocks == 0 &&
			    s->age_min_ns >= ns)
				p->sites[j++] = *s;
		}
		p->nsites = j;
	}
}

int
tt_cmd_report(int argc, char **argv)
{
	struct tt_model_opts mo = { .sysroot = NULL };
	struct tt_report_opts ro = { .top = -1 };
	const struct writer *w;
	const char *format = "text", *output = NULL, *type = "heap";
	struct tt_model model;
	struct tt_buf out = { 0 };
	bool timeline = false;
	uint64_t older = 0;
	bool has_older = false;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+t:f:o:h", options, NULL)) != -1) {
		switch (c) {
		case 't':
			type = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_TOP: {
			char *end;

			errno = 0;
			ro.top = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || ro.top < 0)
				return bad_usage("--top expects a whole number, 0 for all", optarg);
			break;
		}
		case OPT_SYSROOT:
			mo.sysroot = optarg;
			break;
		case OPT_SAMPLE:
			if (strcmp(optarg, "inuse_space") && strcmp(optarg, "inuse_objects") &&
			    strcmp(optarg, "alloc_space") && strcmp(optarg, "alloc_objects") &&
			    strcmp(optarg, "leaks"))
				return bad_usage("unknown --sample (expected inuse_space, inuse_objects, "
						 "alloc_space, alloc_objects or leaks)", optarg);
			ro.sample = optarg;
			break;
		case OPT_TIMELINE:
			timeline = true;
			break;
		case OPT_SITE_LABELS:
			ro.site_labels = true;
			break;
		case OPT_OLDER_THAN:
			if (tt_parse_duration(optarg, &older) != 0)
				return bad_usage("--older-than expects a duration (500ms, 30s, 10m, 2h)",
						 optarg);
			has_older = true;
			break;
		case OPT_IGNORE_THREAD: {
			const char *why = tt_glob_check(optarg);

			if (why == NULL && ro.nignore == TT_ARRAY_LEN(ro.ignore))
				why = "too many patterns (64 at most)";
			if (why != NULL) {
				fprintf(stderr, "tether report: --ignore-thread '%s': %s\n", optarg, why);
				return TT_EXIT_USAGE;
			}
			ro.ignore[ro.nignore++] = optarg;
			break;
		}
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
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "pprof") &&
	    strcmp(format, "flamegraph"))
		return bad_usage("unknown format (expected text, json, pprof or flamegraph)", format);
	if (timeline) {
		if (optind == argc)
			return bad_usage("--timeline needs dumps (a directory of them, or files)", NULL);
		if (strcmp(type, "heap") || strcmp(format, "text") || ro.sample)
			return bad_usage("--timeline draws in-use heap memory as SVG: it takes "
					 "no --type, --format or --sample", NULL);
		return tt_report_timeline(argv + optind, argc - optind, &mo,
					  ro.top < 0 ? 5 : ro.top, output ? output : "-");
	}
	if (ro.sample && strcmp(format, "flamegraph"))
		return bad_usage("--sample is for --format flamegraph", ro.sample);
	if (strcmp(format, "flamegraph") == 0 && strcmp(type, "heap"))
		return bad_usage("--format flamegraph is for --type heap (--sample leaks for leaks)",
				 type);
	for (w = writers; w->type && strcmp(w->type, type); w++)
		;
	if (w->type == NULL)
		return bad_usage("unknown type (expected heap, threads, block, mutex or leaks)", type);
	if (w->pprof == NULL && strcmp(format, "pprof") == 0)
		return bad_usage("--type leaks is written as text or json", NULL);
	ro.mutex_only = strcmp(type, "mutex") == 0;
	if (optind == argc)
		return bad_usage("no dump given (a .tdump file or a directory of them)", NULL);
	if (strcmp(format, "pprof") == 0 && (output == NULL || strcmp(output, "-") == 0) &&
	    isatty(1))
		return bad_usage("pprof output is binary; give -o FILE", NULL);
	if (ro.top < 0)
		ro.top = strcmp(format, "text") == 0 ? 25 : 0;	/* flamegraph: all */

	if (tt_model_load(&model, argv + optind, argc - optind, &mo) != 0)
		return TT_EXIT_DATA;
	for (size_t i = 0; ro.sample && !strcmp(ro.sample, "leaks") && i < model.nprocs; i++) {
		if (!model.procs[i].dump->has_scan) {
			tt_err("%s: the dump has no reachability scan; --sample leaks needs a dump "
			       "of tether check, TETHER_LEAK_CHECK or tether_check()",
			       model.procs[i].dump->path);
			tt_model_free(&model);
			return TT_EXIT_DATA;
		}
	}
	if (has_older)
		older_than(&model, older);
	if (strcmp(format, "flamegraph") == 0) {
		rc = tt_report_flamegraph(&model, &ro, &out);
		if (rc == 0)
			rc = tt_write_file(output ? output : "-", out.s, out.len);
	} else if (strcmp(format, "pprof") == 0) {
		rc = w->pprof(&model, &ro, output ? output : "-");
	} else {
		rc = (strcmp(format, "json") == 0 ? w->json : w->text)(&model, &ro, &out);
		if (rc == 0)
			rc = tt_write_file(output ? output : "-", out.s, out.len);
	}
	if (rc != 0) {
		tt_err("cannot write %s: %s", output ? output : "the report", strerror(-rc));
		rc = TT_EXIT_DATA;
	}
	tt_buf_free(&out);
	tt_model_free(&model);
	return rc;
}
