/*
 * tether.c - the tether command: global options and the command table.
 * Everything specific to a command lives in cmd_<name>.c.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tools/cmd.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", tt_cmd_run, "run a program with allocation tracking" },
	{ "check", tt_cmd_check, "run a program and fail if it leaks memory or threads" },
	{ "report", tt_cmd_report, "report a dump as text, JSON, pprof or a flame graph" },
	{ "diff", tt_cmd_diff, "show what grew between dumps of one program" },
	{ "dump", tt_cmd_dump, "ask a running process for a dump now" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: tether [--version] [--help] COMMAND [ARGS...]\n\n"
		"Find memory leaks in programs without recompiling them.\n\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'tether COMMAND --help' describes a command; tether(1) and\n"
		"libtether(7) describe everything.\n\n"
		"example:\n"
		"  tether run -o out -- ./myprog arg1   # runs as usual, dumps to out/\n"
		"  tether report out/                   # what was still allocated at exit\n"
		"  tether check -- ./test_parser        # exit 23 if it leaks\n"
		"  tether diff out/                     # what grew from dump to dump\n"
		"  tether dump --wait 1234              # a dump of a running process\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tether %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") && argc > 2) {
		char page[64];

		snprintf(page, sizeof(page), "tether-%s", argv[2]);
		execlp("man", "man", page, (char *)NULL);
		perror("tether: man");
		return TT_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tether: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return TT_EXIT_USAGE;
}
