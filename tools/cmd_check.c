/*
 * cmd_check.c - `tether check`: the leak gate.  Runs the program (and every
 * process it forks or executes) with libtether.so preloaded and
 * TETHER_LEAK_CHECK on, waits for it, reads each process's final dump and
 * its reachability verdicts, prints the report on stderr, and exits with
 * the gate's status when a process leaked what the gate fails on, or with
 * the program's own status otherwise.
 *
 * The program runs as a child of tether (not in its place, as with run), so
 * tether outlives it to report.  While it runs, tether ignores SIGINT and
 * SIGQUIT, as system() does: a ^C reaches the program, whose death is then
 * reported and passed on.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "tools/cmd.h"
#include "tools/verdict.h"

#define TT_CHECK_EXIT_DEFAULT 23

static const char usage[] =
	"usage: tether check [options] [--] PROGRAM [ARGS...]\n"
	"\n"
	"Run PROGRAM (and every process it starts) under tether and fail when it\n"
	"leaks: at exit, tether stops the threads, finds which blocks the program\n"
	"can still reach (as Valgrind memcheck does) and which threads were never\n"
	"joined, and reports what was lost, grouped by allocation site, on stderr.\n"
	"\n"
	"options:\n"
	"      --exit-code N    status when the gate fails (default 23)\n"
	"      --fail-on KINDS  comma-separated kinds that fail the gate: definite,\n"
	"                       indirect, possible, reachable, threads, or none\n"
	"                       (default: definite,indirect,threads)\n"
	"      --min-bytes N    fail only when at least N bytes leak (default 1)\n"
	"  -s, --suppressions FILE  leak:PATTERN and thread:PATTERN lines (may be\n"
	"                       repeated); see tether-check(1)\n"
	"      --print-suppressions  print entries that would suppress what failed\n"
	"      --ignore-thread GLOB  never count threads whose name, start routine\n"
	"                       or creating function matches GLOB (may be repeated)\n"
	"      --show-reachable list still reachable memory by site, with what holds it\n"
	"      --json FILE      write the verdicts as JSON\n"
	"      --junit FILE     write them as JUnit XML (a test case per process and\n"
	"                       per leak site)\n"
	"  -o, --output DIR     keep the dumps in DIR (default: a temporary\n"
	"                       directory, removed afterwards)\n"
	"  -h, --help           show this help\n"
	"\n"
	"exit status: the --exit-code status when a process leaked what the gate\n"
	"fails on; otherwise PROGRAM's own (128+N when killed by signal N); 1 when\n"
	"no verdict could be had; 2 for bad usage.  See tether-check(1).\n";

enum {
	OPT_EXIT_CODE = 256, OPT_FAIL_ON, OPT_MIN_BYTES, OPT_PRINT_SUPP, OPT_IGNORE_THREAD,
	OPT_SHOW_REACHABLE, OPT_JSON, OPT_JUNIT,
};

static const struct option options[] = {
	{ "exit-code", required_argument, NULL, OPT_EXIT_CODE },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },
	{ "suppressions", required_argument, NULL, 's' },
	{ "print-suppressions", no_argument, NULL, OPT_PRINT_SUPP },
	{ "ignore-thread", required_argument, NULL, OPT_IGNORE_THREAD },
	{ "show-reachable", no_argument, NULL, OPT_SHOW_REACHABLE },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
bad_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "tether check: %s%s%s\nTry 'tether check --help'.\n", msg,
		arg ? ": " : "", arg ? arg : "");
	return TT_EXIT_USAGE;
}

static int
parse_kinds(const char *s, unsigned *out)
{
	static const struct { const char *name; unsigned bit; } kinds[] = {
		{ "definite", TT_FAIL_KIND(TT_LEAK_DEFINITE) },
		{ "indirect", TT_FAIL_KIND(TT_LEAK_INDIRECT) },
		{ "possible", TT_FAIL_KIND(TT_LEAK_POSSIBLE) },
		{ "reachable", TT_FAIL_KIND(TT_LEAK_REACHABLE) },
		{ "threads", TT_FAIL_THREADS },
		{ "none", 0 },
	};

	*out = 0;
	while (*s) {
		size_t n = strcspn(s, ","), i;

		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strlen(kinds[i].name) == n && strncmp(s, kinds[i].name, n) == 0)
				break;
		if (n == 0 || i == sizeof(kinds) / sizeof(kinds[0]))
			return -1;
		*out |= kinds[i].bit;
		s += n + (s[n] == ',');
	}
	return 0;
}

static int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

/* Run the program; return its wait status, or -1. */
static int
run_child(char *prog, char **argv)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int status;
	pid_t pid;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execv(prog, argv);
		fprintf(stderr, "tether check: cannot run %s: %s\n", prog, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid < 0) {
		fprintf(stderr, "tether check: cannot start %s: %s\n", prog, strerror(errno));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return status;
}

static bool
has_dumps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool any = false;

	while (d != NULL && !any && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		any = n > 6 && e->d_name[0] != '.' && strcmp(e->d_name + n - 6, ".tdump") == 0;
	}
	if (d != NULL)
		closedir(d);
	return any;
}

static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = tt_xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static void
xml_str(struct tt_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': TT_BUF_LIT(b, "&lt;"); break;
		case '>': TT_BUF_LIT(b, "&gt;"); break;
		case '&': TT_BUF_LIT(b, "&amp;"); break;
		case '"': TT_BUF_LIT(b, "&quot;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				TT_BUF_LIT(b, "?");
			else
				tt_buf_add(b, s, 1);
		}
	}
}

/* JUnit: a suite per process; a case for the process, one per leak site
 * and one per leaked thread (failed when it counts towards the verdict). */
static void
junit(struct tt_buf *b, struct tt_verdict *v, size_t n, unsigned fail_on)
{
	size_t tests = 0, failures = 0;

	for (size_t i = 0; i < n; i++) {
		tests += 1 + v[i].nthreads;
		failures += v[i].failed + ((fail_on & TT_FAIL_THREADS) ? v[i].nthreads : 0);
		for (size_t k = 0; k < v[i].nsites; k++) {
			tests += v[i].sites[k].kind != TT_LEAK_REACHABLE;
			failures += v[i].sites[k].fails;
		}
	}
	tt_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<testsuites name=\"tether check\" tests=\"%zu\" failures=\"%zu\">\n",
		      tests, failures);
	for (size_t i = 0; i < n; i++) {
		struct tt_verdict *x = &v[i];
		const struct tt_dump *d = x->p->dump;
		char *cls = tt_xasprintf("tether.%s.pid%u",
					 tt_basename(d->argv && d->argv[0] ? d->argv[0] : d->exe),
					 d->proc.pid);
		struct tt_buf report = { 0 };

		tt_verdict_text(&report, x, false, false);
		tt_buf_add(&report, "", 1);	/* a C string for xml_str */
		TT_BUF_LIT(b, "  <testsuite name=\"");
		xml_str(b, cls);
		TT_BUF_LIT(b, "\">\n    <testcase classname=\"");
		xml_str(b, cls);
		TT_BUF_LIT(b, "\" name=\"process ");
		tt_buf_printf(b, "%u", d->proc.pid);
		for (char **a = d->argv; a && *a; a++) {
			TT_BUF_LIT(b, " ");
			xml_str(b, *a);
		}
		TT_BUF_LIT(b, "\">");
		if (x->failed || !x->has_scan) {
			tt_buf_printf(b, "<failure message=\"%s\">",
				      x->has_scan ? "leaks" : "no leak verdict");
			xml_str(b, report.s);
			TT_BUF_LIT(b, "</failure>");
		}
		TT_BUF_LIT(b, "</testcase>\n");
		for (size_t k = 0; k < x->nsites; k++) {
			const struct tt_leak_site *s = &x->sites[k];
			char *where = tt_verdict_site_name(x->p, s->stack, false);

			if (s->kind == TT_LEAK_REACHABLE) {
				free(where);
				continue;
			}
			TT_BUF_LIT(b, "    <testcase classname=\"");
			xml_str(b, cls);
			tt_buf_printf(b, "\" name=\"%s: %llu bytes in %llu blocks at ",
				      tt_leak_kind_name(s->kind), (unsigned long long)s->bytes,
				      (unsigned long long)s->blocks);
			xml_str(b, where);
			TT_BUF_LIT(b, "\">");
			if (s->supp != NULL)
				TT_BUF_LIT(b, "<skipped message=\"suppressed\"/>");
			else if (s->fails)
				tt_buf_printf(b, "<failure message=\"%s\"/>", tt_leak_kind_name(s->kind));
			TT_BUF_LIT(b, "</testcase>\n");
			free(where);
		}
		for (size_t k = 0; k < x->nthreads; k++) {
			struct tt_buf line = { 0 };

			tt_text_thread_head(&line, x->p, x->threads[k]);
			tt_buf_add(&line, "", 1);
			TT_BUF_LIT(b, "    <testcase classname=\"");
			xml_str(b, cls);
			TT_BUF_LIT(b, "\" name=\"leaked ");
			xml_str(b, line.s);
			TT_BUF_LIT(b, "\">");
			if (fail_on & TT_FAIL_THREADS)
				TT_BUF_LIT(b, "<failure message=\"leaked thread\"/>");
			TT_BUF_LIT(b, "</testcase>\n");
			tt_buf_free(&line);
		}
		TT_BUF_LIT(b, "  </testsuite>\n");
		tt_buf_free(&report);
		free(cls);
	}
	TT_BUF_LIT(b, "</testsuites>\n");
}

static void
print_suppressions(struct tt_verdict *v, size_t n, unsigned fail_on)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < v[i].nsites; k++) {
			char *f;

			if (!v[i].sites[k].fails)
				continue;
			if (!any)
				fprintf(stderr, "tether: suppressions for what failed:\n");
			any = true;
			f = tt_verdict_site_name(v[i].p, v[i].sites[k].stack, true);
			fprintf(stderr, "leak:%s\n", f);
			free(f);
		}
		for (size_t k = 0; (fail_on & TT_FAIL_THREADS) && k < v[i].nthreads; k++) {
			const struct tt_dump_thread *t = v[i].threads[k];
			const struct tt_sym_result *r = t->rec.start_routine ?
				tt_sym_lookup(v[i].p->sym, t->rec.start_routine + 1) : NULL;

			if (!any)
				fprintf(stderr, "tether: suppressions for what failed:\n");
			any = true;
			if (r != NULL && r->nframes > 0 && r->frames[r->nframes - 1].function)
				fprintf(stderr, "thread:%s\n", r->frames[r->nframes - 1].function);
			else
				fprintf(stderr, "thread:%s\n", t->name);
		}
	}
}

int
tt_cmd_check(int argc, char **argv)
{
	struct tt_report_opts ro = { .top = 25 };
	struct tt_verdict_opts vo = { .fail_on = TT_FAIL_DEFAULT, .min_bytes = 1, .ro = &ro };
	struct tt_supps supps = { 0 };
	struct tt_model_opts mo = { .sysroot = NULL };
	const char *output = NULL, *json = NULL, *junit_path = NULL;
	unsigned long long exit_code = TT_CHECK_EXIT_DEFAULT, u;
	bool print_supp = false, show_reachable = false, tmp = false, any_failed = false;
	char tmpdir[] = "/tmp/tether-check.XXXXXX", *dir, *lib, *prog, *preload;
	struct tt_verdict *v = NULL;
	struct tt_model model = { 0 };
	char err[1024], *dirs[1];
	int c, rc, status;
	const char *old;

	optind = 1;
	tt_run_who = "tether check";
	while ((c = getopt_long(argc, argv, "+s:o:h", options, NULL)) != -1) {
		switch (c) {
		case OPT_EXIT_CODE:
			if (parse_uint(optarg, 255, &exit_code) != 0 || exit_code == 0)
				return bad_usage("--exit-code expects a status from 1 to 255", optarg);
			break;
		case OPT_FAIL_ON:
			if (parse_kinds(optarg, &vo.fail_on) != 0)
				return bad_usage("--fail-on expects a comma-separated list of "
						 "definite, indirect, possible, reachable, threads, "
						 "or none", optarg);
			break;
		case OPT_MIN_BYTES:
			if (parse_uint(optarg, ~0ull, &u) != 0)
				return bad_usage("--min-bytes expects a whole number of bytes", optarg);
			vo.min_bytes = u;
			break;
		case 's':
			if (tt_supps_load(&supps, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "tether check: %s\n", err);
				tt_supps_free(&supps);
				return TT_EXIT_USAGE;
			}
			break;
		case OPT_PRINT_SUPP:
			print_supp = true;
			break;
		case OPT_IGNORE_THREAD: {
			const char *why = tt_glob_check(optarg);

			if (why == NULL && ro.nignore == sizeof(ro.ignore) / sizeof(ro.ignore[0]))
				why = "too many patterns (64 at most)";
			if (why != NULL) {
				fprintf(stderr, "tether check: --ignore-thread '%s': %s\n", optarg, why);
				return TT_EXIT_USAGE;
			}
			ro.ignore[ro.nignore++] = optarg;
			break;
		}
		case OPT_SHOW_REACHABLE:
			show_reachable = true;
			break;
		case OPT_JSON:
			json = optarg;
			break;
		case OPT_JUNIT:
			junit_path = optarg;
			break;
		case 'o':
			output = optarg;
			if (*output == '\0')
				return bad_usage("-o needs a directory", NULL);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return bad_usage("bad option", NULL);
		}
	}
	vo.supps = &supps;
	if (optind == argc)
		return bad_usage("no program given", NULL);
	if ((rc = tt_run_check_environment()) != 0)
		return rc;
	if (output == NULL) {
		if (mkdtemp(tmpdir) == NULL) {
			fprintf(stderr, "tether check: cannot create a directory for the dumps "
				"in /tmp: %s (-o DIR gives another)\n", strerror(errno));
			return TT_EXIT_USAGE;
		}
		tmp = true;
		output = tmpdir;
	} else if (has_dumps(output)) {
		fprintf(stderr, "tether check: %s already holds dumps; give an empty or new "
			"directory, so that the verdict is this run's\n", output);
		return TT_EXIT_USAGE;
	}
	if ((rc = tt_run_prepare_output(output)) != 0)
		goto out;
	dir = tt_xstrdup(output);
	lib = tt_run_find_library();
	if (lib == NULL) {
		fprintf(stderr, "tether check: cannot find libtether.so (TETHER_LIB overrides)\n");
		rc = TT_EXIT_USAGE;
		goto out_dir;
	}
	prog = tt_run_resolve_program(argv[optind]);
	if (prog == NULL) {
		fprintf(stderr, "tether check: %s: command not found\n", argv[optind]);
		free(lib);
		rc = 127;
		goto out_dir;
	}
	if (tt_run_is_static_elf(prog)) {
		fprintf(stderr, "tether check: %s is statically linked: preloading cannot "
			"track it, so no verdict is possible\n", prog);
		free(prog);
		free(lib);
		rc = TT_EXIT_USAGE;
		goto out_dir;
	}
	if (tt_run_is_secure_exec(prog)) {
		fprintf(stderr, "tether check: %s is set-user-ID or set-group-ID: it would run in "
			"secure-execution mode, where the loader ignores LD_PRELOAD, so no verdict "
			"is possible\n", prog);
		free(prog);
		free(lib);
		rc = TT_EXIT_USAGE;
		goto out_dir;
	}
	old = getenv("LD_PRELOAD");
	preload = old && *old ? tt_xasprintf("%s:%s", lib, old) : tt_xstrdup(lib);
	setenv("LD_PRELOAD", preload, 1);
	setenv("TETHER_LEAK_CHECK", "yes", 1);
	tt_run_set_tool();
	unsetenv("TETHER_LIB");
	free(preload);
	free(lib);
	status = run_child(prog, argv + optind);
	if (status == -1) {
		free(prog);
		rc = TT_EXIT_DATA;
		goto out_dir;
	}
	if (WIFSIGNALED(status))
		fprintf(stderr, "tether check: %s was killed by signal %d (%s)%s\n", prog,
			WTERMSIG(status), strsignal(WTERMSIG(status)),
			WCOREDUMP(status) ? ", core dumped" : "");
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	free(prog);

	if (!has_dumps(dir)) {
		fprintf(stderr, "tether check: no dump was written, so there is no verdict%s\n",
			WIFSIGNALED(status) ? " (the program died before its exit)" :
			" (was libtether.so loaded? a setuid program ignores LD_PRELOAD)");
		if (rc == 0)
			rc = TT_EXIT_DATA;
		goto out_dir;
	}
	dirs[0] = dir;
	if (tt_model_load(&model, dirs, 1, &mo) != 0) {
		rc = rc ? rc : TT_EXIT_DATA;
		goto out_dir;
	}
	v = tt_xcalloc(model.nprocs + 1, sizeof(*v));
	{
		struct tt_buf out = { 0 };

		for (size_t i = 0; i < model.nprocs; i++) {
			tt_verdict_make(&v[i], &model.procs[i], &vo);
			tt_verdict_text(&out, &v[i], show_reachable, model.nprocs > 1);
			any_failed |= v[i].failed || !v[i].has_scan;
		}
		if (supps.n > 0) {
			for (size_t k = 0; k < supps.n; k++)
				if (supps.v[k].hit_count)
					tt_buf_printf(&out, "tether: suppression %s:%u %s:%s used %llu "
						      "times\n", supps.v[k].file, supps.v[k].line,
						      supps.v[k].kind == TT_SUPP_LEAK ? "leak" : "thread",
						      supps.v[k].pattern,
						      (unsigned long long)supps.v[k].hit_count);
		}
		fwrite(out.s ? out.s : "", 1, out.len, stderr);
		tt_buf_free(&out);
	}
	if (print_supp)
		print_suppressions(v, model.nprocs, vo.fail_on);
	if (json != NULL) {
		struct tt_buf out = { 0 };

		tt_buf_printf(&out, "{\"tether_check\": 1, \"verdict\": \"%s\", "
			      "\"program_status\": %d, \"processes\": [",
			      any_failed ? "fail" : "pass", rc);
		for (size_t i = 0; i < model.nprocs; i++) {
			if (i)
				TT_BUF_LIT(&out, ", ");
			tt_verdict_json(&out, &v[i]);
		}
		TT_BUF_LIT(&out, "]}\n");
		if ((c = tt_write_file(json, out.s, out.len)) != 0)
			tt_err("cannot write %s: %s", json, strerror(-c));
		tt_buf_free(&out);
	}
	if (junit_path != NULL) {
		struct tt_buf out = { 0 };

		junit(&out, v, model.nprocs, vo.fail_on);
		if ((c = tt_write_file(junit_path, out.s, out.len)) != 0)
			tt_err("cannot write %s: %s", junit_path, strerror(-c));
		tt_buf_free(&out);
	}
	if (any_failed)
		rc = (int)exit_code;
	for (size_t i = 0; i < model.nprocs; i++)
		tt_verdict_free(&v[i]);
	free(v);
	tt_model_free(&model);
out_dir:
	free(dir);
out:
	if (tmp)
		remove_dir(tmpdir);
	tt_supps_free(&supps);
	return rc;
}
