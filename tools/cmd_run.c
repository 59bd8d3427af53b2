/*
 * cmd_run.c - `tether run`: check everything that can be checked before the
 * program starts (options, environment, output location, that the program
 * can be preloaded at all), then exec it with libtether.so preloaded.  The
 * program replaces tether in the same process, so its pid, stdin, stdout,
 * stderr, signals and exit status are exactly its own.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/options.h"
#include "tools/cmd.h"

extern char **environ;

static const char usage[] =
	"usage: tether run [options] [--] PROGRAM [ARGS...]\n"
	"\n"
	"Run PROGRAM with libtether.so preloaded.  It runs as usual; every\n"
	"allocation is tracked, and a dump is written when it exits (also by\n"
	"_exit, and by each forked child).  Then: tether report DIR.\n"
	"\n"
	"options (each sets the TETHER_* variable named; see libtether(7)):\n"
	"  -o, --output DIR|TEMPLATE  where dumps go (TETHER_OUTPUT).  A directory\n"
	"                       is created if missing; a TEMPLATE with %p (pid),\n"
	"                       %e (program name), %n (dump number) names files.\n"
	"                       Default: the current directory.\n"
	"      --stack-depth N  frames captured per allocation, 1-256 (default 64)\n"
	"      --max-blocks N   live blocks tracked at most (default 64M)\n"
	"      --max-stacks N   distinct stacks kept at most (default 1M)\n"
	"      --sample-rate SIZE  track a sample: one allocation per SIZE bytes\n"
	"                       allocated on average (e.g. 512K); reports scale\n"
	"                       the samples back up.  Default 0: track every one\n"
	"      --no-follow-fork do not track forked children\n"
	"      --dump-signal SIG  dump while running on SIG (default USR2; none)\n"
	"      --dump-interval DURATION  and every DURATION (500ms, 30s, 5m; 0 off)\n"
	"      --dump-every SIZE  and each SIZE more allocated (64M, 1G; 0 off)\n"
	"      --dump-on-crash  and a final dump when it crashes (SIGSEGV, SIGBUS,\n"
	"                       SIGILL, SIGFPE, SIGABRT); it still dies of it\n"
	"      --keep N         live dumps kept per process, oldest deleted\n"
	"                       (default 10; 0 keeps all; never the exit dump)\n"
	"  -v, --verbose        print effective options and dumps on stderr\n"
	"      --help-env       list every TETHER_* variable\n"
	"  -h, --help           show this help\n"
	"\n"
	"exit status: PROGRAM's own; 2 for a bad option or environment value,\n"
	"126/127 when PROGRAM cannot be run.  See tether-run(1).\n";

enum { OPT_DEPTH = 256, OPT_MAX_BLOCKS, OPT_MAX_STACKS, OPT_SAMPLE_RATE, OPT_NO_FORK,
       OPT_HELP_ENV, OPT_DUMP_SIGNAL, OPT_DUMP_INTERVAL, OPT_DUMP_EVERY, OPT_KEEP,
       OPT_DUMP_ON_CRASH };

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "stack-depth", required_argument, NULL, OPT_DEPTH },
	{ "max-blocks", required_argument, NULL, OPT_MAX_BLOCKS },
	{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
	{ "sample-rate", required_argument, NULL, OPT_SAMPLE_RATE },
	{ "no-follow-fork", no_argument, NULL, OPT_NO_FORK },
	{ "dump-signal", required_argument, NULL, OPT_DUMP_SIGNAL },
	{ "dump-interval", required_argument, NULL, OPT_DUMP_INTERVAL },
	{ "dump-every", required_argument, NULL, OPT_DUMP_EVERY },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "dump-on-crash", no_argument, NULL, OPT_DUMP_ON_CRASH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help-env", no_argument, NULL, OPT_HELP_ENV },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The command the messages name. */
const char *tt_run_who = "tether run";

/* Variables the tool reads itself; the library ignores them. */
static const char *const tool_vars[] = { "TETHER_LIB" };

static int
bad_usage(const char *msg)
{
	fprintf(stderr, "tether run: %s\nTry 'tether run --help'.\n", msg);
	return TT_EXIT_USAGE;
}

/* Check every TETHER_* variable already in the environment. */
int
tt_run_check_environment(void)
{
	struct tt_opts opts;
	char err[512];

	tt_opt_defaults(&opts);
	for (char **e = environ; *e; e++) {
		int id;

		if (strncmp(*e, "TETHER_", 7) != 0)
			continue;
		id = tt_opt_lookup(*e);
		if (id >= 0) {
			if (tt_opt_parse((enum tt_opt_id)id, strchr(*e, '=') + 1, &opts,
					 err, sizeof(err)) != 0) {
				fprintf(stderr, "%s: %s\n", tt_run_who, err);
				return TT_EXIT_USAGE;
			}
			continue;
		}
		size_t n = strcspn(*e, "=");
		int known = 0;

		for (size_t i = 0; i < sizeof(tool_vars) / sizeof(*tool_vars); i++)
			known |= strlen(tool_vars[i]) == n && !strncmp(*e, tool_vars[i], n);
		if (known)
			continue;
		const char *hint = tt_opt_suggest(*e);

		fprintf(stderr, "%s: unknown environment variable %.*s", tt_run_who, (int)n, *e);
		if (hint)
			fprintf(stderr, "; did you mean %s?", hint);
		fprintf(stderr, "\n(tether run --help-env lists them all)\n");
		return TT_EXIT_USAGE;
	}
	return 0;
}

/* Validate a command-line value as its variable would be, then set it. */
static int
set_option(enum tt_opt_id id, const char *flag, const char *val)
{
	struct tt_opts opts;
	char err[512];
	const char *why;

	if (tt_opt_parse(id, val, &opts, err, sizeof(err)) != 0) {
		why = strstr(err, ": expected");
		fprintf(stderr, "tether run: %s %s%s\nTry 'tether run --help'.\n",
			flag, val, why ? why : err);
		return TT_EXIT_USAGE;
	}
	setenv(tt_opt_descs[id].env, val, 1);
	return 0;
}

static int
help_env(void)
{
	for (int i = 0; i < TT_OPT_COUNT_; i++)
		printf("%-20s default %-6s %s\n", tt_opt_descs[i].env,
		       tt_opt_descs[i].def, tt_opt_descs[i].doc);
	return 0;
}

/*
 * Turn -o into TETHER_OUTPUT, creating a missing directory, and make sure
 * the location is writable before the program starts.
 */
int
tt_run_prepare_output(const char *out)
{
	struct stat st;
	char dir[PATH_MAX];
	const char *slash;

	if (out == NULL)
		out = getenv("TETHER_OUTPUT");
	if (out == NULL)
		out = ".";
	if (strchr(out, '%') == NULL && (stat(out, &st) != 0 || S_ISDIR(st.st_mode))) {
		if (stat(out, &st) != 0 && mkdir(out, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "%s: cannot create output directory %s: %s\n",
				tt_run_who, out, strerror(errno));
			return TT_EXIT_USAGE;
		}
		snprintf(dir, sizeof(dir), "%s", out);
	} else {
		slash = strrchr(out, '/');
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - out) : 1,
			 slash ? out : ".");
		if (dir[0] == '\0')
			strcpy(dir, "/");
	}
	if (access(dir, W_OK | X_OK) != 0) {
		fprintf(stderr, "%s: output location %s is not writable: %s\n",
			tt_run_who, dir, strerror(errno));
		return TT_EXIT_USAGE;
	}
	if (strchr(out, '%') == NULL && out[strlen(out) - 1] != '/') {
		char *withslash = tt_xasprintf("%s/", out);

		setenv("TETHER_OUTPUT", withslash, 1);
		free(withslash);
	} else {
		setenv("TETHER_OUTPUT", out, 1);
	}
	return 0;
}

void
tt_run_set_tool(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0 && getenv("TETHER_TOOL") == NULL) {
		self[n] = '\0';
		setenv("TETHER_TOOL", self, 1);
	}
}

char *
tt_run_find_library(void)
{
	char self[PATH_MAX], *slash, *cand[3];
	const char *env = getenv("TETHER_LIB");
	ssize_t n;

	if (env != NULL && *env)
		return access(env, R_OK) == 0 ? tt_xstrdup(env) : NULL;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	cand[0] = tt_xasprintf("%s/.libs/libtether.so", self);	/* build tree */
	cand[1] = tt_xasprintf("%s/../lib/tether/libtether.so", self);
	cand[2] = tt_xasprintf("%s/libtether.so", TT_PKGLIBDIR);
	for (int i = 0; i < 3; i++) {
		if (access(cand[i], R_OK) == 0) {
			for (int j = 0; j < 3; j++)
				if (j != i)
					free(cand[j]);
			return cand[i];
		}
	}
	for (int i = 0; i < 3; i++)
		free(cand[i]);
	return NULL;
}

/* The program's file, found like execvp would. */
char *
tt_run_resolve_program(const char *prog)
{
	const char *path = getenv("PATH");

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? tt_xstrdup(prog) : NULL;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char *cand = tt_xasprintf("%.*s/%s", (int)n, n ? path : ".", prog);
		struct stat st;

		if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 && S_ISREG(st.st_mode))
			return cand;
		free(cand);
		path += n + (path[n] == ':');
	}
	return NULL;
}

/* Return: 1 if file is an ELF program with no interpreter (static). */
int
tt_run_is_static_elf(const char *file)
{
	Elf64_Ehdr eh;
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum > 0 && eh.e_phnum < 4096) {
		rc = 1;
		for (int i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;

			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph))
				break;
			if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC) {
				rc = 0;
				break;
			}
		}
	}
	close(fd);
	return rc;
}

/*
 * Return: 1 if running file would be secure execution (AT_SECURE), where
 * the loader ignores LD_PRELOAD: set-user-ID to a user other than ours, or
 * set-group-ID to another group, on a filesystem that honours the bits.
 * (File capabilities are not looked at.)
 */
int
tt_run_is_secure_exec(const char *file)
{
	struct stat st;
	struct statvfs vfs;

	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (statvfs(file, &vfs) == 0 && (vfs.f_flag & ST_NOSUID)))
		return 0;
	return ((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
	       ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getegid());
}

int
tt_cmd_run(int argc, char **argv)
{
	const char *output = NULL, *old;
	char *lib, *prog, *preload;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:vh", options, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case 'o':
			output = optarg;
			if (*output == '\0')
				return bad_usage("-o needs a directory or file name");
			break;
		case OPT_DEPTH:
			rc = set_option(TT_OPT_STACK_DEPTH, "--stack-depth", optarg);
			break;
		case OPT_MAX_BLOCKS:
			rc = set_option(TT_OPT_MAX_BLOCKS, "--max-blocks", optarg);
			break;
		case OPT_MAX_STACKS:
			rc = set_option(TT_OPT_MAX_STACKS, "--max-stacks", optarg);
			break;
		case OPT_SAMPLE_RATE:
			rc = set_option(TT_OPT_SAMPLE_RATE, "--sample-rate", optarg);
			break;
		case OPT_DUMP_SIGNAL:
			rc = set_option(TT_OPT_DUMP_SIGNAL, "--dump-signal", optarg);
			break;
		case OPT_DUMP_INTERVAL:
			rc = set_option(TT_OPT_DUMP_INTERVAL, "--dump-interval", optarg);
			break;
		case OPT_DUMP_EVERY:
			rc = set_option(TT_OPT_DUMP_EVERY_BYTES, "--dump-every", optarg);
			break;
		case OPT_KEEP:
			rc = set_option(TT_OPT_KEEP_DUMPS, "--keep", optarg);
			break;
		case OPT_NO_FORK:
			setenv("TETHER_FOLLOW_FORK", "no", 1);
			break;
		case OPT_DUMP_ON_CRASH:
			setenv("TETHER_DUMP_ON_CRASH", "yes", 1);
			break;
		case 'v':
			setenv("TETHER_VERBOSE", "yes", 1);
			break;
		case OPT_HELP_ENV:
			return help_env();
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return bad_usage("bad option");
		}
		if (rc != 0)
			return rc;
	}
	if (optind == argc)
		return bad_usage("no program given");
	if ((rc = tt_run_check_environment()) != 0 || (rc = tt_run_prepare_output(output)) != 0)
		return rc;
	lib = tt_run_find_library();
	if (lib == NULL) {
		fprintf(stderr, "tether run: cannot find libtether.so (looked next to "
			"tether, in ../lib/tether and in %s; TETHER_LIB overrides)\n",
			TT_PKGLIBDIR);
		return TT_EXIT_USAGE;
	}
	prog = tt_run_resolve_program(argv[optind]);
	if (prog == NULL) {
		fprintf(stderr, "tether run: %s: command not found\n", argv[optind]);
		free(lib);
		return 127;
	}
	if (tt_run_is_static_elf(prog)) {
		fprintf(stderr, "tether run: %s is statically linked: preloading cannot "
			"track it, so nothing would be recorded\n", prog);
		free(prog);
		free(lib);
		return TT_EXIT_USAGE;
	}
	if (tt_run_is_secure_exec(prog)) {
		fprintf(stderr, "tether run: %s is set-user-ID or set-group-ID: it would run in "
			"secure-execution mode, where the loader ignores LD_PRELOAD, so nothing "
			"would be recorded\n", prog);
		free(prog);
		free(lib);
		return TT_EXIT_USAGE;
	}
	old = getenv("LD_PRELOAD");
	preload = old && *old ? tt_xasprintf("%s:%s", lib, old) : tt_xstrdup(lib);
	setenv("LD_PRELOAD", preload, 1);
	unsetenv("TETHER_LIB");
	tt_run_set_tool();
	free(preload);
	free(lib);
	execv(prog, argv + optind);
	rc = errno == ENOENT ? 127 : 126;
	fprintf(stderr, "tether run: cannot run %s: %s\n", prog, strerror(errno));
	free(prog);
	return rc;
}
