/*
 * cmd_dump.c - `tether dump PID`: ask a process running under tether for a
 * dump while it runs, and with --wait wait for it and print its name.
 *
 * The library publishes its dump directory and signal in /proc/PID/maps
 * (a memfd named tether-dir:PID:SIG:DIR), and keeps a status file next to
 * the process's dumps, DIR/.tether.PID.status (tether-dump(1)), once it has
 * more to say: the number and name of its last dump, or that the program
 * took the signal.  Without the memfd (a directory name too long for it)
 * the status file is there from the start, and the directory is found from
 * the process's TETHER_OUTPUT (/proc/PID/environ, which a program may have
 * overwritten) and working directory.  Nothing is sent to a process that is not under
 * tether or whose program handles the dump signal itself.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/options.h"
#include "tools/cmd.h"

static const char usage[] =
	"usage: tether dump [--wait] [--timeout DURATION] PID\n"
	"\n"
	"Ask process PID, running under tether, for a dump now (it sends the\n"
	"process its dump signal, TETHER_DUMP_SIGNAL, SIGUSR2 by default).  The\n"
	"process goes on running; its dumper thread writes the dump next to its\n"
	"other dumps, keeping the last TETHER_KEEP_DUMPS.\n"
	"\n"
	"options:\n"
	"  -w, --wait           wait until the dump is written, then print its name\n"
	"  -t, --timeout DURATION  how long --wait waits (default 60s; e.g. 500ms, 2m)\n"
	"  -h, --help           show this help\n"
	"\n"
	"exit status: 0 asked (with --wait: written); 1 the dump was asked for\n"
	"but not written in time; 2 bad usage, no such process, no permission,\n"
	"a process not running under tether, or one that takes no dump signal.\n"
	"See tether-dump(1).\n";

static const struct option options[] = {
	{ "wait", no_argument, NULL, 'w' },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct status {
	int found;
	int signal;
	int taken;
	unsigned long seq;
	char last[PATH_MAX];
};

static int __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tether dump: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return TT_EXIT_USAGE;
}

/* Read a /proc file whole.  Return: malloc'ed bytes (NUL added), or NULL
 * with errno. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = tt_xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(buf);
		errno = e ? e : EIO;
		return NULL;
	}
	fclose(f);
	if (buf == NULL)
		buf = tt_xcalloc(1, 1);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The value of NAME in the process's initial environment, or NULL. */
static char *
env_of(const char *environ_buf, size_t n, const char *name)
{
	size_t k = strlen(name);

	for (size_t i = 0; i < n; i += strlen(environ_buf + i) + 1)
		if (!strncmp(environ_buf + i, name, k) && environ_buf[i + k] == '=')
			return tt_xstrdup(environ_buf + i + k + 1);
	return NULL;
}

/*
 * The dump directory and signal the library of process PID published in
 * its maps ("/memfd:tether-dir:PID:SIG:DIR (deleted)"): the directory, with
 * *sig set, or NULL.
 */
static char *
published_dir(const char *maps, long pid, int *sig)
{
	char key[64], *end;
	const char *p, *eol;
	long n;

	snprintf(key, sizeof(key), "/memfd:tether-dir:%ld:", pid);
	p = strstr(maps, key);
	if (p == NULL)
		return NULL;
	p += strlen(key);
	errno = 0;
	n = strtol(p, &end, 10);
	if (end == p || *end != ':' || errno || n < 0 || n > 1024)
		return NULL;
	p = end + 1;
	eol = strchr(p, '\n');
	if (eol == NULL)
		eol = p + strlen(p);
	if (eol - p > 10 && strncmp(eol - 10, " (deleted)", 10) == 0)
		eol -= 10;
	if (eol <= p || p[0] != '/')
		return NULL;
	*sig = (int)n;
	return tt_xasprintf("%.*s", (int)(eol - p), p);
}

/* The directory the process's dumps go to, as the library computes it. */
static char *
dump_dir(const char *cwd, const char *output)
{
	char *full = output[0] == '/' ? tt_xstrdup(output)
				      : tt_xasprintf("%s/%s", cwd, output);
	size_t len = strlen(full);
	struct stat st;
	char *slash;

	if ((stat(full, &st) == 0 && S_ISDIR(st.st_mode)) || full[len - 1] == '/') {
		while (len > 1 && full[len - 1] == '/')
			full[--len] = '\0';
		return full;
	}
	slash = strrchr(full, '/');
	if (slash == full)
		slash[1] = '\0';
	else
		*slash = '\0';
	return full;
}

static void
read_status(const char *path, struct status *s)
{
	char *buf = slurp(path, NULL), *line, *save = NULL;

	memset(s, 0, sizeof(*s));
	if (buf == NULL)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "tether-status ", 14))
			s->found = 1;
		else if (!strncmp(line, "signal ", 7))
			s->signal = atoi(line + 7);
		else if (!strncmp(line, "taken ", 6))
			s->taken = atoi(line + 6);
		else if (!strncmp(line, "seq ", 4))
			s->seq = strtoul(line + 4, NULL, 10);
		else if (!strncmp(line, "last ", 5))
			snprintf(s->last, sizeof(s->last), "%s", line + 5);
	}
	free(buf);
}

int
tt_cmd_dump(int argc, char **argv)
{
	uint64_t timeout = 60000000000ull, waited = 0;
	char path[128], *maps, *env, *output, *dir, *status_file, cwd[PATH_MAX], sn[32];
	size_t env_len = 0;
	int c, wait = 0, published_sig = -1;
	struct status before, now;
	ssize_t n;
	char *end;
	long pid;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+wt:h", options, NULL)) != -1) {
		switch (c) {
		case 'w':
			wait = 1;
			break;
		case 't':
			if (tt_parse_duration(optarg, &timeout) != 0 || timeout == 0) {
				fprintf(stderr, "tether dump: --timeout %s: expected a duration "
					"with its unit (ns, us, ms, s, m or h, e.g. 500ms or "
					"2s)\nTry 'tether dump --help'.\n", optarg);
				return TT_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs("Try 'tether dump --help'.\n", stderr);
			return TT_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "tether dump: %s\nTry 'tether dump --help'.\n",
			optind == argc ? "no process given (a PID)" : "one PID at a time");
		return TT_EXIT_USAGE;
	}
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (argv[optind][0] < '0' || argv[optind][0] > '9' || *end != '\0' || errno ||
	    pid <= 0 || pid > INT_MAX)
		return fail("'%s' is not a process id: expected a positive number "
			    "(see pgrep(1))", argv[optind]);
	if (kill((pid_t)pid, 0) != 0) {
		if (errno == ESRCH)
			return fail("no such process %ld", pid);
		return fail("no permission to signal process %ld (it belongs to "
			    "another user; run tether dump as that user)", pid);
	}
	snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
	maps = slurp(path, NULL);
	if (maps == NULL)
		return errno == ENOENT ? fail("no such process %ld", pid) :
			fail("no permission to read the memory map of process %ld "
			     "(run tether dump as its user)", pid);
	if (strstr(maps, "/libtether.so") == NULL) {
		free(maps);
		return fail("process %ld is not running under tether (libtether.so is "
			    "not loaded; start it with tether run)", pid);
	}
	dir = published_dir(maps, pid, &published_sig);
	free(maps);
	snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
	env = slurp(path, &env_len);
	snprintf(path, sizeof(path), "/proc/%ld/cwd", pid);
	n = readlink(path, cwd, sizeof(cwd) - 1);
	if (env == NULL || n <= 0) {
		free(env);
		free(dir);
		return fail("no permission to read the environment of process %ld "
			    "(run tether dump as its user)", pid);
	}
	cwd[n] = '\0';
	if (dir == NULL) {
		output = env_of(env, env_len, "TETHER_OUTPUT");
		dir = dump_dir(cwd, output ? output : ".");
		free(output);
	}
	free(env);
	status_file = tt_xasprintf("%s/.tether.%ld.status", dir, pid);
	read_status(status_file, &before);
	if (!before.found && published_sig >= 0) {
		/* no dump yet: the memfd's name says what the file would */
		before.found = 1;
		before.signal = published_sig;
	}
	if (!before.found) {
		fprintf(stderr, "tether dump: process %ld runs under tether but takes no "
			"dump requests: no %s (it runs with TETHER_DUMP_SIGNAL=none and "
			"no interval, or is still starting, or its dumps go elsewhere)\n",
			pid, status_file);
		free(status_file);
		free(dir);
		return TT_EXIT_USAGE;
	}
	if (before.signal == 0) {
		fprintf(stderr, "tether dump: process %ld takes no dump signal: %s; "
			"restart it with TETHER_DUMP_SIGNAL set to a signal it does not "
			"use (tether run --dump-signal), or use --dump-interval\n", pid,
			before.taken ? "its program handles the dump signal itself"
				     : "it runs with TETHER_DUMP_SIGNAL=none");
		free(status_file);
		free(dir);
		return TT_EXIT_USAGE;
	}
	if (kill((pid_t)pid, before.signal) != 0) {
		int e = errno;

		free(status_file);
		free(dir);
		return fail("cannot signal process %ld: %s", pid, strerror(e));
	}
	tt_signal_name((uint64_t)before.signal, sn, sizeof(sn));
	if (!wait) {
		free(status_file);
		free(dir);
		return 0;
	}
	for (;;) {
		struct timespec ts = { 0, 20000000 };

		read_status(status_file, &now);
		if (now.found && now.seq > before.seq && now.last[0] != '\0' &&
		    strcmp(now.last, "-") != 0) {
			if (now.last[0] == '/')
				printf("%s\n", now.last);
			else
				printf("%s/%s\n", cwd, now.last);
			break;
		}
		if (kill((pid_t)pid, 0) != 0) {
			fprintf(stderr, "tether dump: process %ld ended before the dump "
				"was written (its dump at exit is in %s)\n", pid, dir);
			free(status_file);
			free(dir);
			return 1;
		}
		if (waited >= timeout) {
			fprintf(stderr, "tether dump: process %ld was sent %s but no dump "
				"appeared in %s in time (--timeout)\n", pid, sn, dir);
			free(status_file);
			free(dir);
			return 1;
		}
		nanosleep(&ts, NULL);
		waited += 20000000;
	}
	free(status_file);
	free(dir);
	return 0;
}
