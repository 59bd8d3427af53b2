#!/bin/sh
# bench/run.sh - overhead of tether next to jemalloc's and gperftools' heap
# profilers, heaptrack, Valgrind memcheck and LeakSanitizer.
#
# Usage: sh bench/run.sh ABS_BUILDDIR ABS_SRCDIR      (what `make bench` runs)
#
# Runs every workload without any tool (plain), under libtether (tether),
# under libtether sampling one allocation per 512 KiB (sampled), under
# tether's leak gate `tether check` (check), with the system's jemalloc
# preloaded (jemalloc), under jemalloc's heap profiler sampling every
# allocation (jeprof_all) and at its default rate (jeprof), under
# gperftools' heap profiler (gperftools), under `heaptrack --raw`
# (heaptrack), under Valgrind memcheck (memcheck) and, for the synthetic
# workloads, rebuilt with `clang -fsanitize=leak` (lsan), BENCH_RUNS times
# each, interleaved, and reports the median wall time, CPU time (user + sys
# of the whole process tree) and peak RSS, with the ratio to the plain
# median of the same size, the time of tether check's final scan (from its
# --json verdict), the thread scaling of churn_mt, the time and size of a
# dump of a big heap and of its reports (dump_big), and tether's memory per
# live block and per stack.  Writes ABS_SRCDIR/bench/RESULTS.md and prints
# it.  Exits non-zero if a workload misbehaves under tether, tether sampled,
# tether check or tether report (crash, non-zero exit, hang, different
# output, no dump or no scan); the other tools' failures are reported but
# do not change the exit status.
#
# Environment:
#   BENCH_RUNS=N       timed runs per configuration (default 5)
#   BENCH_SLOW_RUNS=N  at most this many for jeprof_all and gperftools
#                      (default 3)
#   BENCH_QUICK=1      smoke test: 1 run, small sizes
#   BENCH_TIMEOUT=S    seconds before one run is killed (default 600)
#   BENCH_ONLY="..."   only these workloads (names as in CASES below)
#   BENCH_KEEP=1       keep the temporary directory
#   BENCH_JEMALLOC=SO  the jemalloc to preload (default Debian's
#                      /usr/lib/x86_64-linux-gnu/libjemalloc.so.2)
#   BENCH_TCMALLOC=SO  gperftools' tcmalloc (default
#                      /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4)
#
# POSIX sh (dash is fine).  Needs cc, c++, awk and the built tether command;
# uses jemalloc, gperftools, heaptrack, valgrind, clang (with
# LeakSanitizer's runtime), python3, sqlite3, git and gcc when installed
# (`sh scripts/deps.sh --bench` installs them) and marks them n/a
# otherwise.
set -eu

# ---------------------------------------------------------------- helpers --

# die MESSAGE: print an error and exit non-zero.
die() {
	echo "bench: error: $*" >&2
	exit 1
}

# note MESSAGE: progress and warnings go to stderr; stdout is the report.
note() {
	echo "bench: $*" >&2
}

# shq ARG...: print the arguments shell-quoted, ready for eval.
shq() {
	for shq_a in "$@"; do
		case $shq_a in
		'' | *[!A-Za-z0-9_./:=%,+@-]*)
			printf "'%s' " "$(printf '%s' "$shq_a" | sed "s/'/'\\\\''/g")"
			;;
		*)
			printf '%s ' "$shq_a"
			;;
		esac
	done
}

# have PROGRAM: true if PROGRAM is on PATH.
have() {
	command -v "$1" >/dev/null 2>&1
}

# human N: 20000000 -> 20M, 300000 -> 300k (exact multiples only).
human() {
	awk -v n="$1" 'BEGIN {
		if (n >= 1000000 && n % 1000000 == 0) printf "%dM", n / 1000000
		else if (n >= 1000 && n % 1000 == 0) printf "%dk", n / 1000
		else printf "%d", n }'
}

# ------------------------------------------------------------- arguments --

[ $# -eq 2 ] || die "usage: sh bench/run.sh ABS_BUILDDIR ABS_SRCDIR"
BUILDDIR=$1
SRCDIR=$2
LIB=$BUILDDIR/.libs/libtether.so
TETHER=$BUILDDIR/tether
[ -f "$LIB" ] || die "$LIB not found: build the library first (make)"
[ -x "$TETHER" ] || die "$TETHER not found: build tether first (make)"
[ -d "$SRCDIR/bench/workloads" ] || die "$SRCDIR/bench/workloads not found"
case $LIB in
*[[:space:]:]*) die "LD_PRELOAD cannot hold a path with blanks or colons: $LIB" ;;
esac

QUICK=${BENCH_QUICK:-0}
RUNS=${BENCH_RUNS:-5}
[ "$QUICK" = 1 ] && RUNS=1
TIMEOUT=${BENCH_TIMEOUT:-600}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
case $RUNS in '' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive integer" ;; esac
case $SLOW_RUNS in '' | *[!0-9]* | 0) die "BENCH_SLOW_RUNS must be a positive integer" ;; esac
case $TIMEOUT in '' | *[!0-9]* | 0) die "BENCH_TIMEOUT must be a positive integer" ;; esac
[ "$SLOW_RUNS" -gt "$RUNS" ] && SLOW_RUNS=$RUNS
JEMALLOC_SO=${BENCH_JEMALLOC:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
TCMALLOC_SO=${BENCH_TCMALLOC:-/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4}
for so in "$JEMALLOC_SO" "$TCMALLOC_SO"; do
	case $so in
	*[[:space:]:]*) die "LD_PRELOAD cannot hold a path with blanks or colons: $so" ;;
	esac
done

CASES="churn churn_mt1 churn_mt2 churn_mt4 churn_mt8 churn_mt16 deep cxx live_million scan_million mutex mutex_mt2 mutex_shared2 pingpong thread_churn python sqlite git gcc dump_big"
[ -n "${BENCH_ONLY:-}" ] && CASES=$BENCH_ONLY

if [ -n "${LD_PRELOAD:-}" ]; then
	note "ignoring LD_PRELOAD=$LD_PRELOAD from the environment"
	unset LD_PRELOAD
fi
export LC_ALL=C

# ---------------------------------------------------------- temporary dir --

W=$(mktemp -d "${TMPDIR:-/tmp}/tether-bench.XXXXXX")
KEEP=${BENCH_KEEP:-0}
FAILED=0

# cleanup: remove the temporary directory unless asked to keep it or a
# failure left something to look at.
cleanup() {
	if [ "$KEEP" = 1 ] || [ "$FAILED" != 0 ]; then
		note "temporary files kept in $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BIN=$W/bin		# compiled workloads and the timer
IN=$W/in		# generated inputs
RUN=$W/run		# scratch directory of the current run (fresh each run)
OUT=$W/out		# dumps / heaptrack files of the current run (idem)
LOG=$W/log		# per-run stdout/stderr and the reference outputs
RESULTS=$W/results.tsv	# one line per timed run
mkdir -p "$BIN" "$IN" "$RUN" "$OUT" "$LOG"
: >"$RESULTS"
: >"$W/failures"

# ------------------------------------------------------------------ timer --

# build_timer: compile the process-tree timer.  It forks and execs the
# command, makes itself a child subreaper so that helpers orphaned by the
# command (heaptrack's compressor, daemons) are reparented to it, waits for
# every descendant, and then reads wall time from CLOCK_MONOTONIC and CPU
# time and peak RSS from getrusage(RUSAGE_CHILDREN): CPU is summed over the
# whole tree, peak RSS is that of the largest single process.
build_timer() {
	cat >"$BIN/benchtime.c" <<'EOF'
/* benchtime RESULT_FILE TIMEOUT_SECONDS COMMAND [ARG]...
 * Writes "wall user sys maxrss_kib status" to RESULT_FILE, where status is
 * exit:N, signal:N or timeout.  See bench/run.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static double
seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct timespec t0, t1;
	struct rusage ru;
	int status = 0, killed = 0;
	char what[32];
	FILE *f;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: benchtime RESULT TIMEOUT COMMAND...\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: waitpid gets EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0) {
		perror("benchtime: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("benchtime: fork");
		return 2;
	}
	if (pid == 0) {
		setpgid(0, 0);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "benchtime: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	alarm((unsigned)strtoul(argv[2], NULL, 10));
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, 0);

		if (w == pid)
			status = st;
		if (w >= 0)
			continue;
		if (errno == ECHILD)
			break;
		if (errno == EINTR && alarms > 0) {
			if (killed)
				break;	/* still not gone 10 s after SIGKILL */
			kill(-pid, SIGKILL);
			killed = 1;
			alarm(10);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_CHILDREN, &ru);
	if (killed)
		snprintf(what, sizeof(what), "timeout");
	else if (WIFEXITED(status))
		snprintf(what, sizeof(what), "exit:%d", WEXITSTATUS(status));
	else
		snprintf(what, sizeof(what), "signal:%d", WTERMSIG(status));
	f = fopen(argv[1], "w");
	if (f == NULL) {
		perror(argv[1]);
		return 2;
	}
	fprintf(f, "%.3f %.3f %.3f %ld %s\n",
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	    seconds(ru.ru_utime), seconds(ru.ru_stime), ru.ru_maxrss, what);
	return fclose(f) == 0 ? 0 : 2;
}
EOF
	cc -O2 -g -o "$BIN/benchtime" "$BIN/benchtime.c" ||
	    die "cannot compile the timer"
}

# build_dumpinfo: compile two small readers of tether's own definitions:
# tdumpinfo (what a dump holds: stack records, live blocks, tether's own
# bytes from its stats record, mean stack depth; format/tdump.h) and
# ttsizes (the sizes of the block table's slot, the block header and the
# stack table's entry, from lib/table.h and lib/block.h), for the memory
# figures of RESULTS.md.  Sets TT_SIZES.
build_dumpinfo() {
	cat >"$BIN/tdumpinfo.c" <<'EOF'
/* tdumpinfo DUMP: prints "STACKS BLOCKS INTERNAL_BYTES MEAN_DEPTH" of one
 * tether dump (format/tdump.h), or fails.  See bench/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "format/tdump.h"

int
main(int argc, char **argv)
{
	struct tt_file_hdr fh;
	struct tt_rec_hdr rh;
	uint64_t stacks = 0, blocks = 0, internal = 0, depth = 0;
	int ended = 0;
	FILE *f;

	if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: tdumpinfo DUMP (a readable file)\n");
		return 2;
	}
	if (fread(&fh, sizeof(fh), 1, f) != 1 ||
	    memcmp(fh.magic, TT_DUMP_MAGIC, 8) != 0 ||
	    fseek(f, (long)fh.hdr_size, SEEK_SET) != 0) {
		fprintf(stderr, "tdumpinfo: %s: not a tether dump\n", argv[1]);
		return 1;
	}
	while (!ended && fread(&rh, sizeof(rh), 1, f) == 1) {
		long start = ftell(f);

		if (rh.type == TT_REC_STACK) {
			struct tt_rec_stack st;

			if (fread(&st, sizeof(st), 1, f) != 1)
				break;
			stacks++;
			depth += st.depth;
		} else if (rh.type == TT_REC_BLOCKS) {
			uint64_t n;

			if (fread(&n, sizeof(n), 1, f) != 1)
				break;
			blocks += n;
		} else if (rh.type == TT_REC_STATS) {
			struct tt_rec_stats ss;

			if (fread(&ss, sizeof(ss), 1, f) != 1)
				break;
			internal = ss.internal_bytes;
		} else if (rh.type == TT_REC_END) {
			ended = 1;
		}
		if (fseek(f, start + (long)rh.len, SEEK_SET) != 0)
			break;
	}
	fclose(f);
	if (!ended) {
		fprintf(stderr, "tdumpinfo: %s: truncated dump\n", argv[1]);
		return 1;
	}
	printf("%llu %llu %llu %.1f\n", (unsigned long long)stacks,
	    (unsigned long long)blocks, (unsigned long long)internal,
	    stacks ? (double)depth / (double)stacks : 0.0);
	return 0;
}
EOF
	cat >"$BIN/ttsizes.c" <<'EOF'
/* ttsizes: prints "SLOT HEADER STACK_ENTRY FRAME ID_INDEX" in bytes, from
 * libtether's own headers.  See bench/run.sh. */
#include <stdio.h>

#include "lib/block.h"
#include "lib/table.h"

int
main(void)
{
	printf("%zu %u %zu %zu %zu\n", sizeof(struct tt_slot),
	    (unsigned)TT_HDR_SIZE, sizeof(struct tt_stack), sizeof(uintptr_t),
	    sizeof(struct tt_stack *));
	return 0;
}
EOF
	cc -O2 -I"$SRCDIR" -o "$BIN/tdumpinfo" "$BIN/tdumpinfo.c" ||
	    die "cannot compile the dump reader"
	TT_SIZES=
	if cc -O2 -I"$SRCDIR" -o "$BIN/ttsizes" "$BIN/ttsizes.c" 2>"$BIN/ttsizes.err"; then
		TT_SIZES=$("$BIN/ttsizes")
	else
		note "lib/table.h or lib/block.h changed shape: no design figures"
	fi
}

# build_workloads: compile bench/workloads/*.c and *.cc with -O2 -g; -I the
# source tree for the workloads that include include/tether.h.
build_workloads() {
	for bw_src in "$SRCDIR"/bench/workloads/*.c "$SRCDIR"/bench/workloads/*.cc; do
		[ -f "$bw_src" ] || continue
		bw_name=$(basename "$bw_src")
		bw_name=${bw_name%.*}
		case $bw_src in
		*.cc) c++ -O2 -g -I"$SRCDIR" -o "$BIN/$bw_name" "$bw_src" ;;
		*) cc -O2 -g -pthread -I"$SRCDIR" -o "$BIN/$bw_name" "$bw_src" ;;
		esac || die "cannot compile $bw_src"
	done
}

# build_lsan_workloads: the same sources rebuilt by clang with
# -fsanitize=leak into $BIN/lsan (LeakSanitizer needs the program rebuilt;
# the real programs cannot be, so lsan is run on these only).  Sets
# HAVE_LSAN.
build_lsan_workloads() {
	HAVE_LSAN=0
	if ! have clang || ! have clang++; then
		note "clang not installed: lsan is n/a"
		return 0
	fi
	mkdir -p "$BIN/lsan"
	printf 'int main(void) { return 0; }\n' >"$BIN/lsan/probe.c"
	if ! clang -fsanitize=leak -o "$BIN/lsan/probe" "$BIN/lsan/probe.c" 2>"$BIN/lsan/probe.err"; then
		note "clang -fsanitize=leak does not link (libclang-rt-14-dev missing?): lsan is n/a"
		return 0
	fi
	for bl_src in "$SRCDIR"/bench/workloads/*.c "$SRCDIR"/bench/workloads/*.cc; do
		[ -f "$bl_src" ] || continue
		bl_name=$(basename "$bl_src")
		bl_name=${bl_name%.*}
		case $bl_src in
		*.cc) clang++ -O2 -g -fsanitize=leak -I"$SRCDIR" -o "$BIN/lsan/$bl_name" "$bl_src" ;;
		*) clang -O2 -g -pthread -fsanitize=leak -I"$SRCDIR" -o "$BIN/lsan/$bl_name" "$bl_src" ;;
		esac || die "cannot compile $bl_src with clang -fsanitize=leak"
	done
	HAVE_LSAN=1
}

# ------------------------------------------------------------ real inputs --

# The Python program: a dict of N entries, JSON round trip, sort, hash.
PY_CODE=$(cat <<'EOF'
import hashlib, json, sys
n = int(sys.argv[1])
d = {"k%d" % i: [i, "v%x" % (i * 7)] for i in range(n)}
s = json.dumps(d)
e = json.loads(s)
assert e == d
words = sorted(v[1] for v in e.values() if v[0] % 3 == 0)
print(n, len(s), len(words), hashlib.sha256(s.encode() + words[-1].encode()).hexdigest())
EOF
)

# gen_sql ROWS: SQL script creating a table, inserting ROWS rows (one INSERT
# statement each) in one transaction, indexing it and running two queries.
# Integers only: Valgrind computes in 64-bit doubles where the CPU uses the
# x87's 80 bits, and sqlite3's printing of a REAL sum then differs.
gen_sql() {
	awk -v n="$1" 'BEGIN {
		q = sprintf("%c", 39)
		print "CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, name TEXT NOT NULL, cents INTEGER NOT NULL);"
		print "BEGIN;"
		x = 12345
		for (i = 1; i <= n; i++) {
			x = (x * 1103515245 + 12345) % 2147483648
			printf "INSERT INTO t VALUES(%d, %d, %sname-%d-%x%s, %d);\n", i, int(x / 65536) % 101, q, i, x, q, x % 1000007
		}
		print "COMMIT;"
		print "CREATE INDEX t_grp ON t(grp);"
		print "SELECT grp, count(*), sum(cents), min(name), max(name) FROM t GROUP BY grp ORDER BY grp;"
		print "SELECT count(DISTINCT substr(name, 1, 8)), sum(length(name)) FROM t WHERE cents > 500000;"
	}'
}

# gen_tree DIR FILES: FILES text files of 200 lines in 20 directories.
gen_tree() {
	gt_i=0
	while [ $gt_i -lt 20 ]; do
		mkdir -p "$(printf '%s/dir%02d' "$1" $gt_i)"
		gt_i=$((gt_i + 1))
	done
	awk -v n="$2" -v dir="$1" 'BEGIN {
		x = 1
		for (f = 0; f < n; f++) {
			file = sprintf("%s/dir%02d/file%04d.txt", dir, f % 20, f)
			for (l = 0; l < 200; l++) {
				x = (x * 1103515245 + 12345) % 2147483648
				printf "line %d of file %d: %x %x\n", l, f, x, x % 9973 > file
			}
			close(file)
		}
	}'
}

# gen_c FUNCS: a C file of FUNCS function pairs with loops, switches and a
# call chain, for gcc -O2 to chew on.
gen_c() {
	awk -v n="$1" 'BEGIN {
		print "#include <stddef.h>"
		print "struct node { struct node *next; long key; double w[4]; };"
		for (f = 0; f < n; f++) {
			printf "static long helper%d(const struct node *p, long k)\n{\n\tlong acc = %d;\n", f, f
			printf "\tfor (; p != NULL; p = p->next) {\n\t\tswitch ((p->key + k) %% 7) {\n"
			for (c = 0; c < 7; c++)
				printf "\t\tcase %d: acc += p->key * %d + (long)(p->w[%d] * %d.5); break;\n", c, (f * 7 + c) % 13 + 1, c % 4, c + f % 5
			printf "\t\tdefault: acc ^= k;\n\t\t}\n\t\tif (acc > %d)\n\t\t\tacc -= k * %d;\n\t}\n\treturn acc;\n}\n", 100000 + f, f % 9 + 1
			printf "long entry%d(const struct node *p, long *out, int m)\n{\n\tlong s = 0;\n", f
			printf "\tfor (int i = 0; i < m; i++) {\n\t\tout[i] = helper%d(p, i) + (i > 0 ? out[i - 1] : 0);\n\t\ts += out[i] %% %d;\n\t}\n", f, f % 11 + 3
			if (f > 0)
				printf "\treturn s + entry%d(p ? p->next : p, out, m / 2);\n}\n", f - 1
			else
				printf "\treturn s;\n}\n"
		}
	}'
}

# write_git_job: the git session.  The tool prefix (the arguments after the
# first three) is put in front of every git command; the file copies and
# the final checks run without it, the same in every configuration.  The
# global git configuration is an empty file of our own, not /dev/null: as
# root, a program that renames a file over /dev/null (a tool's "-o
# /dev/null" written atomically) turns it into a regular file that others
# then write to, and git fails on the garbage ("bad config line 1").
write_git_job() {
	: >"$IN/empty.gitconfig"
	cat >"$IN/git-job.sh" <<'EOF'
# git-job.sh REPO SRCDIR COMMITS [TOOL PREFIX...]   (generated by bench/run.sh)
set -eu
repo=$1 src=$2 commits=$3
shift 3
T="$*"
# t COMMAND...: COMMAND behind the tool prefix; an @N@ in the prefix becomes
# the command's number (tether check's --json file, one per command).
n=0
t() {
	n=$((n + 1))
	case $T in
	*@N@*) ${T%%@N@*}$n${T#*@N@} "$@" ;;
	*) $T "$@" ;;
	esac
}
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="${0%/*}/empty.gitconfig"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
export GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
t git init -q -b main "$repo"
cp -R "$src"/. "$repo"/
cd "$repo"
t git add -A
t git commit -q -m import
i=1
while [ "$i" -le "$commits" ]; do
	for f in "$(printf 'dir%02d' $((i % 20)))"/*.txt; do
		echo "change $i" >>"$f"
	done
	t git commit -q -a -m "change $i"
	i=$((i + 1))
done
t git log --stat --format='%H %s' --output=../git-log.txt
t git gc -q
echo "head $(git rev-parse HEAD) log $(cksum <../git-log.txt)"
echo "objects $(git rev-list --all --objects | wc -l) fsck $(git fsck --full 2>&1 | wc -l)"
EOF
}

# ------------------------------------------------------------------ cases --

# The configurations, in the tables' order, and the tools among them.
CONFIGS="plain tether sampled check jemalloc jeprof_all jeprof gperftools heaptrack memcheck lsan"
TOOLS="tether sampled check jemalloc jeprof_all jeprof gperftools heaptrack memcheck lsan"

# The sampling rate of the sampled configuration: one allocation per 512
# KiB allocated on average, as jemalloc's default lg_prof_sample:19.
SAMPLE_RATE=524288

# config_title CONFIG: a configuration's column title.
config_title() {
	case $1 in
	sampled) echo "tether sampled" ;;
	jeprof_all) echo "jeprof-all" ;;
	*) echo "$1" ;;
	esac
}

# case_label CASE: the workload column.
case_label() {
	case $1 in
	churn_mt1) echo "churn_mt, 1 thread" ;;
	churn_mt*) echo "churn_mt, ${1#churn_mt} threads" ;;
	mutex) echo "mutex lock/unlock, 1 thread" ;;
	mutex_mt2) echo "mutex lock/unlock, 2 threads, own mutexes" ;;
	mutex_shared2) echo "mutex lock/unlock, 2 threads, one mutex (contended)" ;;
	pingpong) echo "pipe ping-pong, 2 threads" ;;
	thread_churn) echo "thread create/join churn" ;;
	python) echo "python3 -c (dict + json)" ;;
	sqlite) echo "sqlite3 (insert + group by)" ;;
	git) echo "git (commit, log, gc)" ;;
	gcc) echo "gcc -O2 -c" ;;
	*) echo "$1" ;;
	esac
}

# case_program CASE: the program a case needs (to skip it cleanly).
case_program() {
	case $1 in
	python) echo "$PYTHON" ;;
	sqlite) echo sqlite3 ;;
	git) echo git ;;
	gcc) echo gcc ;;
	*) echo "$BIN/$(case_binary "$1")" ;;
	esac
}

# case_binary CASE: the compiled workload of a synthetic case.
case_binary() {
	case $1 in
	churn_mt*) echo churn_mt ;;
	mutex*) echo mutex ;;
	*) echo "$1" ;;
	esac
}

# The thread counts of the churn_mt rows (the scaling table's columns).
MT_THREADS="1 2 4 8 16"

# case_sizes CASE: "FULL REDUCED".  Plain, tether and heaptrack run at both;
# memcheck, jeprof_all and gperftools only at REDUCED.  Full sizes keep a
# plain run at roughly 0.3-2 s on a 2-core machine.  churn_mt has the same
# total at every thread count.
case_sizes() {
	if [ "$QUICK" = 1 ]; then
		case $1 in
		churn | churn_mt*) echo "1000000 200000" ;;
		deep) echo "100000 20000" ;;
		cxx) echo "20000 5000" ;;
		live_million | scan_million) echo "100000 20000" ;;
		mutex*) echo "2000000 400000" ;;
		pingpong) echo "20000 4000" ;;
		thread_churn) echo "2000 400" ;;
		python) echo "20000 5000" ;;
		sqlite) echo "5000 1000" ;;
		git) echo "45 15" ;;
		gcc) echo "10 3" ;;
		esac
	else
		case $1 in
		churn | churn_mt*) echo "20000000 4000000" ;;
		deep) echo "2000000 400000" ;;
		cxx) echo "300000 60000" ;;
		live_million | scan_million) echo "1000000 200000" ;;
		mutex*) echo "20000000 2000000" ;;
		pingpong) echo "200000 20000" ;;
		thread_churn) echo "20000 2000" ;;
		python) echo "300000 30000" ;;
		sqlite) echo "100000 20000" ;;
		git) echo "300 60" ;;
		gcc) echo "100 20" ;;
		esac
	fi
}

# dump_big's rows: live blocks at a fixed number of stacks, then stacks at a
# fixed number of blocks (DUMP_N), each row BLOCKSxSTACKS.  Quick mode has a
# tenth of the blocks.
DUMP_S=10000
DUMP_SS="1000 10000 100000"
if [ "$QUICK" = 1 ]; then
	DUMP_NS="25000 50000 100000 200000"
	DUMP_N=100000
else
	DUMP_NS="250000 500000 1000000 2000000"
	DUMP_N=1000000
fi

# case_rows CASE: the rows of a case, one "SIZE:KIND" word each: the full
# and the reduced size (KIND full, reduced), or for dump_big its
# BLOCKSxSTACKS pairs (KIND dump).  Empty for an unknown case.
case_rows() {
	if [ "$1" = dump_big ]; then
		for cr_n in $DUMP_NS; do
			echo "${cr_n}x$DUMP_S:dump"
		done
		for cr_s in $DUMP_SS; do
			[ "$cr_s" = "$DUMP_S" ] || echo "${DUMP_N}x$cr_s:dump"
		done
		return 0
	fi
	cr_sizes=$(case_sizes "$1")
	[ -n "$cr_sizes" ] || return 0
	echo "${cr_sizes% *}:full ${cr_sizes#* }:reduced"
}

# size_label CASE SIZE: the size column.
size_label() {
	case $1 in
	churn | churn_mt* | deep) echo "$(human "$2") allocs" ;;
	cxx) echo "N=$(human "$2")" ;;
	live_million) echo "$(human "$2") live blocks" ;;
	scan_million) echo "$(human "$2") blocks live at exit" ;;
	mutex*) echo "$(human "$2") lock/unlock pairs" ;;
	pingpong) echo "$(human "$2") round trips" ;;
	thread_churn) echo "$(human "$2") threads" ;;
	python) echo "$(human "$2") entries" ;;
	sqlite) echo "$(human "$2") rows" ;;
	git) echo "$2 files, $(($2 / 15)) commit(s)" ;;
	gcc) echo "$2 function pairs" ;;
	dump_big) echo "$(human "${2%x*}") blocks, $(human "${2#*x}") stacks" ;;
	esac
}

# prepare_inputs CASE SIZE: generate what the case reads, once per size.
prepare_inputs() {
	case $1 in
	sqlite) [ -f "$IN/sql.$2" ] || gen_sql "$2" >"$IN/sql.$2" ;;
	git) [ -d "$IN/tree.$2" ] || gen_tree "$IN/tree.$2" "$2" ;;
	gcc) [ -f "$IN/gen$2.c" ] || gen_c "$2" >"$IN/gen$2.c" ;;
	esac
}

# tool_prefix CONFIG: the words put in front of a command (shell-quoted).
tool_prefix() {
	case $1 in
	plain) ;;
	tether) shq env "TETHER_OUTPUT=$OUT/" "LD_PRELOAD=$LIB" ;;
	sampled) shq env "TETHER_OUTPUT=$OUT/" "TETHER_SAMPLE_RATE=$SAMPLE_RATE" "LD_PRELOAD=$LIB" ;;
	check) shq env "TETHER_LIB=$LIB" "$TETHER" check --fail-on none --json "$OUT/check.json" -- ;;
	jemalloc) shq env "LD_PRELOAD=$JEMALLOC_SO" ;;
	jeprof_all) shq env "LD_PRELOAD=$JEMALLOC_SO" "MALLOC_CONF=prof:true,lg_prof_sample:0,prof_final:true,prof_prefix:$OUT/jeprof" ;;
	jeprof) shq env "LD_PRELOAD=$JEMALLOC_SO" "MALLOC_CONF=prof:true,prof_final:true,prof_prefix:$OUT/jeprof" ;;
	gperftools) shq env "LD_PRELOAD=$TCMALLOC_SO" "HEAPPROFILE=$OUT/hp" HEAP_PROFILE_ALLOCATION_INTERVAL=0 HEAP_PROFILE_INUSE_INTERVAL=0 ;;
	heaptrack) shq heaptrack --raw -o "$OUT/ht.%p" ;;
	memcheck) shq valgrind --tool=memcheck --leak-check=full -q --trace-children=yes ;;
	lsan) shq env LSAN_OPTIONS=exitcode=0 ;;
	esac
}

# is_synthetic CASE: true for the workloads of bench/workloads, the only
# ones lsan can run (it needs the program rebuilt).
is_synthetic() {
	case $1 in
	python | sqlite | git | gcc) return 1 ;;
	esac
	return 0
}

# case_command CASE SIZE CONFIG: the complete command of one run, quoted.
# gcc under heaptrack also gets -wrapper so that cc1 and as are recorded
# too (heaptrack does not follow exec); git gets the prefix per git command.
case_command() {
	cc_pre=$(tool_prefix "$3")
	cc_bin=$BIN
	[ "$3" = lsan ] && cc_bin=$BIN/lsan
	case $1 in
	churn | deep | cxx | live_million | scan_million) echo "$cc_pre$(shq "$cc_bin/$1" "$2")" ;;
	churn_mt*) echo "$cc_pre$(shq "$cc_bin/churn_mt" "$2" "${1#churn_mt}")" ;;
	mutex) echo "$cc_pre$(shq "$cc_bin/mutex" "$2" 1)" ;;
	mutex_mt2) echo "$cc_pre$(shq "$cc_bin/mutex" "$2" 2)" ;;
	mutex_shared2) echo "$cc_pre$(shq "$cc_bin/mutex" "$2" 2 shared)" ;;
	pingpong | thread_churn) echo "$cc_pre$(shq "$cc_bin/$1" "$2")" ;;
	dump_big) echo "$cc_pre$(shq "$cc_bin/dump_big" "${2%x*}" "${2#*x}")" ;;
	python) echo "$cc_pre$(shq "$PYTHON" -c "$PY_CODE" "$2")" ;;
	sqlite) echo "$cc_pre$(shq sqlite3 "$RUN/bench.db" ".read $IN/sql.$2")" ;;
	git)
		# tether check writes a verdict per git command: check.N.json
		cc_pre=$(printf '%s' "$cc_pre" | sed 's|/check\.json |/check.@N@.json |')
		echo "$(shq sh "$IN/git-job.sh" "$RUN/repo" "$IN/tree.$2" $(($2 / 15)))$cc_pre"
		;;
	gcc)
		if [ "$3" = heaptrack ]; then
			echo "$cc_pre$(shq gcc -O2 -c "$IN/gen$2.c" -o "$RUN/gen.o" -wrapper "heaptrack,--raw,-o,$OUT/ht.%p")"
		else
			echo "$cc_pre$(shq gcc -O2 -c "$IN/gen$2.c" -o "$RUN/gen.o")"
		fi
		;;
	esac
}

# case_check_file CASE: a file the run leaves in $RUN whose checksum is part
# of the output compared between configurations.
case_check_file() {
	case $1 in
	gcc) echo gen.o ;;
	esac
}

# ---------------------------------------------------------------- running --

# filter_output CONFIG: stdout of a run minus the tool's own chatter
# (heaptrack prints its banner on stdout); identity for the others.
filter_output() {
	if [ "$1" = heaptrack ]; then
		grep -v -e '^heaptrack output will be written to ' \
		    -e '/libheaptrack_preload\.so$' \
		    -e '^starting application, this might take some time' \
		    -e '^Heaptrack finished! Now run the following' \
		    -e '^  zstd -dc' -e '^  gzip -dc' -e '^$' || true
	else
		cat
	fi
}

# run_once CASE SIZE CONFIG TAG: run the command once with a fresh $RUN and
# $OUT; leaves the timer line in $LOG/TAG.time, stdout (plus the checksum
# of the case's check file) in $LOG/TAG.out, stderr in $LOG/TAG.err.
run_once() {
	rm -rf "$RUN" "$OUT"
	mkdir -p "$RUN" "$OUT"
	ro_tag=$4
	ro_cmd=$(case_command "$1" "$2" "$3")
	eval "set -- $ro_cmd"
	(cd "$RUN" && "$BIN/benchtime" "$LOG/$ro_tag.time" "$TIMEOUT" "$@") \
	    >"$LOG/$ro_tag.out" 2>"$LOG/$ro_tag.err" </dev/null ||
	    die "the timer failed on: $ro_cmd"
}

# display CMD: a command for humans: the temporary directory as $TMP.
display() {
	printf '%s\n' "$1" | sed "s|$W|\$TMP|g; s/ *\$//"
}

# is_fatal CONFIG: true for the configurations whose failure fails the
# bench: the program alone, and tether in any of its forms.
is_fatal() {
	case $1 in
	plain | tether | sampled | check | report_text | report_pprof) return 0 ;;
	esac
	return 1
}

# fail CASE SIZE CONFIG TAG REASON [COMMAND]: record a failed run and say
# so loudly.  COMMAND defaults to the configuration's command of the case.
fail() {
	if [ $# -ge 6 ]; then
		fl_cmd=$(display "$6")
	else
		fl_cmd=$(display "$(case_command "$1" "$2" "$3")")
	fi
	{
		echo "- **$(config_title "$3")** on $(case_label "$1") at $(size_label "$1" "$2"): $(printf '%s\n' "$5" | sed '2,$s/^/      /')"
		echo "  command: \`$(printf '%s' "$fl_cmd" | tr '\n' ' ' | cut -c1-400)\`"
	} >>"$W/failures"
	note "************************************************************"
	note "FAILURE: $3 on $1 size $2: $5"
	note "command: $fl_cmd"
	note "stderr (last lines):"
	tail -n 15 "$LOG/$4.err" >&2 || true
	note "************************************************************"
	if is_fatal "$3"; then
		FAILED=1
	fi
}

# check_verdicts: after a check run, "ok SECONDS" if tether check wrote its
# JSON verdicts ($OUT/check.json, or check.N.json per git command) and every
# process in them was scanned, SECONDS being the sum of their scan_seconds;
# otherwise a reason.
check_verdicts() {
	cv_files=$(ls "$OUT"/check*.json 2>/dev/null || true)
	if [ -z "$cv_files" ]; then
		echo "no JSON verdict written (--json)"
		return
	fi
	# shellcheck disable=SC2086  # the names hold no blanks ($OUT is ours)
	if grep -l -e '"scanned": false' $cv_files >/dev/null 2>&1; then
		echo "a process was not scanned: $(grep -l -e '"scanned": false' $cv_files | head -n 1)"
		return
	fi
	# shellcheck disable=SC2086
	cat $cv_files | awk '{
		while (match($0, /"scan_seconds": [0-9.e+-]+/)) {
			split(substr($0, RSTART, RLENGTH), f, ": ")
			t += f[2]; n++
			$0 = substr($0, RSTART + RLENGTH)
		}
	} END {
		if (n == 0) print "no scan_seconds in the verdict"
		else printf "ok %.6f\n", t }'
}

# profile_written CONFIG: after a run of a peer profiler, empty if it wrote
# its profile at exit, else the reason.
profile_written() {
	case $1 in
	jeprof_all | jeprof) pw_glob="$OUT/jeprof.*.heap" pw_what="no jemalloc heap profile (prof_final) in \$TMP/out" ;;
	gperftools) pw_glob="$OUT/hp*.heap" pw_what="no gperftools heap profile (HEAPPROFILE) in \$TMP/out" ;;
	*) return 0 ;;
	esac
	# shellcheck disable=SC2086  # the glob is ours, without blanks
	for pw_f in $pw_glob; do
		[ -s "$pw_f" ] && return 0
	done
	echo "$pw_what"
}

# record CASE SIZE CONFIG I STATUS SCAN: append a timed run's line to
# $RESULTS from its $LOG/CASE.SIZE.CONFIG.I.time.
record() {
	read -r rc_wall rc_user rc_sys rc_rss _ <"$LOG/$1.$2.$3.$4.time"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" \
	    "$rc_wall" "$(awk -v u="$rc_user" -v s="$rc_sys" 'BEGIN { printf "%.3f", u + s }')" \
	    "$rc_rss" "$5" "$6" >>"$RESULTS"
}

# dump_report CASE SIZE I DUMP FORMAT: time `tether report` of the dump
# that dump_big's run I wrote, as text on stdout or as pprof to a file;
# recorded as configuration report_FORMAT.  Returns 1 if it failed.
dump_report() {
	dr_tag="$1.$2.report_$5.$3"
	if [ "$5" = text ]; then
		set -- "$1" "$2" "$3" "$4" "$5" "$TETHER" report "$4"
		dr_file=$LOG/$dr_tag.out
	else
		set -- "$1" "$2" "$3" "$4" "$5" "$TETHER" report --format pprof -o "$RUN/report.pb.gz" "$4"
		dr_file=$RUN/report.pb.gz
	fi
	dr_case=$1 dr_size=$2 dr_i=$3 dr_fmt=$5
	shift 5
	dr_cmd=$(shq "$@")
	(cd "$RUN" && "$BIN/benchtime" "$LOG/$dr_tag.time" "$TIMEOUT" "$@") \
	    >"$LOG/$dr_tag.out" 2>"$LOG/$dr_tag.err" </dev/null ||
	    die "the timer failed on: $dr_cmd"
	read -r _ _ _ _ dr_status <"$LOG/$dr_tag.time"
	dr_ok=ok
	if [ "$dr_status" != exit:0 ]; then
		dr_ok=$dr_status
		fail "$dr_case" "$dr_size" "report_$dr_fmt" "$dr_tag" "$dr_status" "$dr_cmd"
	elif [ ! -s "$dr_file" ]; then
		dr_ok=empty
		fail "$dr_case" "$dr_size" "report_$dr_fmt" "$dr_tag" "the report is empty" "$dr_cmd"
	fi
	record "$dr_case" "$dr_size" "report_$dr_fmt" "$dr_i" "$dr_ok" -
	[ "$dr_ok" = ok ]
}

# dump_big_checks CASE SIZE I TAG: after dump_big's tether run I, read the
# "dump_big: tether_dump MS ms FILE" line of its stderr, check the dump
# holds every live block and stack, append "case size i ms file_bytes
# stacks blocks internal_bytes mean_depth" to $W/dumps.tsv.  Sets
# DB_REASON: empty if the dump is right (DB_FILE is then the dump), else
# what is wrong with it.
dump_big_checks() {
	DB_REASON='' DB_FILE=''
	db_line=$(grep '^dump_big: tether_dump ' "$LOG/$4.err" | tail -n 1)
	if [ -z "$db_line" ]; then
		DB_REASON="no \"dump_big: tether_dump\" line on stderr: tether_dump() not found or failed"
		return 0
	fi
	# shellcheck disable=SC2086  # split into words on purpose
	set -- "$1" "$2" "$3" "$4" $db_line
	db_ms=$7 db_file=$9
	if [ ! -f "$db_file" ]; then
		DB_REASON="the dump $db_file is not there"
		return 0
	fi
	if ! db_info=$("$BIN/tdumpinfo" "$db_file" 2>&1); then
		DB_REASON="cannot read the dump: $db_info"
		return 0
	fi
	# shellcheck disable=SC2086
	set -- "$1" "$2" "$3" "$4" $db_info
	db_n=${2%x*} db_s=${2#*x}
	if [ "$6" -lt "$db_n" ] || [ "$5" -lt "$db_s" ]; then
		DB_REASON="the dump holds $6 blocks from $5 stacks, fewer than the $db_n live blocks from $db_s stacks"
		return 0
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$db_ms" \
	    "$(wc -c <"$db_file" | tr -d ' ')" "$5" "$6" "$7" "$8" >>"$W/dumps.tsv"
	DB_FILE=$db_file
}

# measure CASE SIZE CONFIG I: timed run I; checks exit status, output and
# (tether, sampled) the dump, (check) the verdicts, (jeprof_all, jeprof,
# gperftools) the profile, and appends "case size config i wall cpu rss
# status scan" to $RESULTS (scan: tether check's scan seconds, "-" for the
# other configurations).  Returns 1 if the run failed.
measure() {
	ms_tag="$1.$2.$3.$4"
	run_once "$1" "$2" "$3" "$ms_tag"
	read -r _ _ _ _ ms_status <"$LOG/$ms_tag.time"
	ms_ok=ok
	ms_scan=-
	if [ "$ms_status" != exit:0 ]; then
		ms_ok=$ms_status
		fail "$1" "$2" "$3" "$ms_tag" "$ms_status"
	else
		ms_check=$(case_check_file "$1")
		if [ -n "$ms_check" ]; then
			cksum <"$RUN/$ms_check" >>"$LOG/$ms_tag.out"
		fi
		filter_output "$3" <"$LOG/$ms_tag.out" >"$LOG/$ms_tag.cmp"
		filter_output "$3" <"$LOG/ref.$1.$2.out" >"$LOG/$ms_tag.ref"
		ms_prof=$(profile_written "$3")
		if ! cmp -s "$LOG/$ms_tag.cmp" "$LOG/$ms_tag.ref"; then
			ms_ok=output
			fail "$1" "$2" "$3" "$ms_tag" "stdout differs from the plain run:
$(diff "$LOG/$ms_tag.ref" "$LOG/$ms_tag.cmp" | head -n 10)"
		elif { [ "$3" = tether ] || [ "$3" = sampled ]; } && [ -z "$(ls -A "$OUT")" ]; then
			ms_ok=nodump
			fail "$1" "$2" "$3" "$ms_tag" "no dump file written in TETHER_OUTPUT"
		elif [ -n "$ms_prof" ]; then
			ms_ok=noprofile
			fail "$1" "$2" "$3" "$ms_tag" "$ms_prof"
		elif [ "$3" = check ]; then
			ms_v=$(check_verdicts)
			case $ms_v in
			"ok "*) ms_scan=${ms_v#ok } ;;
			*)
				ms_ok=noscan
				fail "$1" "$2" "$3" "$ms_tag" "$ms_v"
				;;
			esac
		elif [ "$1" = dump_big ] && [ "$3" = tether ]; then
			dump_big_checks "$1" "$2" "$4" "$ms_tag"
			if [ -n "$DB_REASON" ]; then
				ms_ok=nodump
				fail "$1" "$2" "$3" "$ms_tag" "$DB_REASON"
			fi
		fi
	fi
	record "$1" "$2" "$3" "$4" "$ms_ok" "$ms_scan"
	if [ "$1" = dump_big ] && [ "$3" = tether ] && [ "$ms_ok" = ok ]; then
		dump_report "$1" "$2" "$4" "$DB_FILE" text || true
		dump_report "$1" "$2" "$4" "$DB_FILE" pprof || true
	fi
	[ "$ms_ok" = ok ]
}

# runs_memcheck KIND CASE: true if memcheck runs at this size: the reduced
# one, and for scan_million also the full one (the 1M-block scan).
runs_memcheck() {
	[ "$1" = reduced ] || [ "$2" = scan_million ]
}

# runs_slow KIND: true if the slow peers (jeprof_all, gperftools: each
# allocation's stack unwound and counted under a lock) run at this size:
# the reduced one only.
runs_slow() {
	[ "$1" = reduced ]
}

# is_slow CONFIG: true for the slow peers, which run at most SLOW_RUNS
# times.
is_slow() {
	[ "$1" = jeprof_all ] || [ "$1" = gperftools ]
}

# configs_for KIND CASE: the configurations run at a size of the case.
configs_for() {
	if [ "$1" = dump ]; then
		cf_list="plain tether"
		[ "$HAVE_JEMALLOC" = 1 ] && cf_list="$cf_list jemalloc"
		echo "$cf_list"
		return
	fi
	cf_list="plain tether sampled check"
	[ "$HAVE_JEMALLOC" = 1 ] && cf_list="$cf_list jemalloc"
	[ "$HAVE_JEPROF" = 1 ] && runs_slow "$1" && cf_list="$cf_list jeprof_all"
	[ "$HAVE_JEPROF" = 1 ] && cf_list="$cf_list jeprof"
	[ "$HAVE_GPERFTOOLS" = 1 ] && runs_slow "$1" && cf_list="$cf_list gperftools"
	[ "$HAVE_HEAPTRACK" = 1 ] && cf_list="$cf_list heaptrack"
	runs_memcheck "$1" "$2" && [ "$HAVE_MEMCHECK" = 1 ] && cf_list="$cf_list memcheck"
	[ "$HAVE_LSAN" = 1 ] && is_synthetic "$2" && cf_list="$cf_list lsan"
	echo "$cf_list"
}

# bench_case CASE: for each row of the case, a warm-up/reference run, then
# RUNS rounds of every configuration (SLOW_RUNS for the slow peers),
# interleaved so that drift hits them all alike.  The rows go to $W/rows
# (the main tables) or, for dump_big, to $W/dumprows.
bench_case() {
	bc_case=$1
	for bc_row in $(case_rows "$bc_case"); do
		bc_size=${bc_row%:*} bc_kind=${bc_row#*:}
		if [ "$bc_kind" = dump ]; then
			echo "$bc_case $bc_size $bc_kind" >>"$W/dumprows"
		else
			echo "$bc_case $bc_size $bc_kind" >>"$W/rows"
		fi
		prepare_inputs "$bc_case" "$bc_size"
		note "$bc_case, size $bc_size: reference run"
		run_once "$bc_case" "$bc_size" plain "ref.$bc_case.$bc_size"
		read -r _ _ _ _ bc_status <"$LOG/ref.$bc_case.$bc_size.time"
		if [ "$bc_status" != exit:0 ]; then
			fail "$bc_case" "$bc_size" plain "ref.$bc_case.$bc_size" "reference run: $bc_status"
			continue
		fi
		bc_check=$(case_check_file "$bc_case")
		if [ -n "$bc_check" ]; then
			cksum <"$RUN/$bc_check" >>"$LOG/ref.$bc_case.$bc_size.out"
		fi
		bc_configs=$(configs_for "$bc_kind" "$bc_case")
		bc_i=1
		while [ $bc_i -le "$RUNS" ]; do
			for bc_cfg in $bc_configs; do
				if is_slow "$bc_cfg" && [ $bc_i -gt "$SLOW_RUNS" ]; then
					continue
				fi
				note "$bc_case, size $bc_size: $bc_cfg run $bc_i/$RUNS"
				if ! measure "$bc_case" "$bc_size" "$bc_cfg" $bc_i; then
					# One failure is enough: stop running this config.
					bc_configs=$(echo " $bc_configs " | sed "s/ $bc_cfg / /")
				fi
			done
			bc_i=$((bc_i + 1))
		done
	done
}

# ---------------------------------------------------------------- results --

# median CASE SIZE CONFIG COLUMN: median of a column over the successful
# runs (5 = wall, 6 = cpu, 7 = rss, 9 = check's scan); empty if there are
# none.
median() {
	awk -F '\t' -v c="$1" -v s="$2" -v k="$3" -v col="$4" \
	    '$1 == c && $2 == s && $3 == k && $8 == "ok" && $col != "-" { print $col }' "$RESULTS" |
	    sort -g |
	    awk '{ v[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) printf "%.6g\n", v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# status_of CASE SIZE CONFIG: the first failure of a configuration, if any.
status_of() {
	awk -F '\t' -v c="$1" -v s="$2" -v k="$3" \
	    '$1 == c && $2 == s && $3 == k && $8 != "ok" { print $8; exit }' "$RESULTS"
}

# fmt_value METRIC VALUE: seconds or MiB for a table cell.
fmt_value() {
	awk -v m="$1" -v v="$2" 'BEGIN {
		if (m == 7) printf "%.1f MB", v / 1024
		else if (v < 0.1) printf "%.3f s", v
		else printf "%.2f s", v }'
}

# cell CASE SIZE KIND CONFIG METRIC: one table cell: "value (ratio×)",
# "n/a" (tool not installed), "—" (not run at this size) or "FAIL (...)".
cell() {
	case $4 in
	jemalloc) [ "$HAVE_JEMALLOC" = 1 ] || { echo "n/a"; return; } ;;
	jeprof) [ "$HAVE_JEPROF" = 1 ] || { echo "n/a"; return; } ;;
	jeprof_all | gperftools)
		if [ "$4" = gperftools ]; then ce_have=$HAVE_GPERFTOOLS; else ce_have=$HAVE_JEPROF; fi
		[ "$ce_have" = 1 ] || { echo "n/a"; return; }
		runs_slow "$3" || { echo "—"; return; }
		;;
	heaptrack) [ "$HAVE_HEAPTRACK" = 1 ] || { echo "n/a"; return; } ;;
	memcheck)
		[ "$HAVE_MEMCHECK" = 1 ] || { echo "n/a"; return; }
		runs_memcheck "$3" "$1" || { echo "—"; return; }
		;;
	lsan)
		[ "$HAVE_LSAN" = 1 ] || { echo "n/a"; return; }
		is_synthetic "$1" || { echo "—"; return; }
		;;
	esac
	ce_bad=$(status_of "$1" "$2" "$4")
	if [ -n "$ce_bad" ]; then
		echo "FAIL ($ce_bad)"
		return
	fi
	ce_v=$(median "$1" "$2" "$4" "$5")
	[ -n "$ce_v" ] || { echo "—"; return; }
	if [ "$4" = plain ]; then
		fmt_value "$5" "$ce_v"
		return
	fi
	ce_p=$(median "$1" "$2" plain "$5")
	awk -v m="$5" -v v="$ce_v" -v p="${ce_p:-0}" -v f="$(fmt_value "$5" "$ce_v")" 'BEGIN {
		if (p <= 0) { printf "%s", f; exit }
		r = v / p
		printf "%s (%s×)", f, r < 10 ? sprintf("%.2f", r) : sprintf("%.1f", r) }'
}

# ratio CASE SIZE CONFIG METRIC: the bare ratio to plain (empty if none).
ratio() {
	ra_v=$(median "$1" "$2" "$3" "$4")
	ra_p=$(median "$1" "$2" plain "$4")
	[ -n "$ra_v" ] && [ -n "$ra_p" ] || return 0
	awk -v v="$ra_v" -v p="$ra_p" 'BEGIN { if (p > 0) printf "%.3f", v / p }'
}

# table METRIC TITLE: one Markdown table over every row.
table() {
	echo "### $2"
	echo
	printf '| workload | size |'
	for tb_cfg in $CONFIGS; do
		printf ' %s |' "$(config_title "$tb_cfg")"
	done
	printf '\n|---|---|'
	for tb_cfg in $CONFIGS; do
		printf -- '---:|'
	done
	echo
	while read -r tb_case tb_size tb_kind; do
		printf '| %s | %s |' "$(case_label "$tb_case")" "$(size_label "$tb_case" "$tb_size")"
		for tb_cfg in $CONFIGS; do
			printf ' %s |' "$(cell "$tb_case" "$tb_size" "$tb_kind" "$tb_cfg" "$1")"
		done
		echo
	done <"$W/rows"
	echo
}

# scan_cell CASE SIZE: the median time of tether check's final scan (summed
# over the processes of a run), or why there is none.
scan_cell() {
	sc_bad=$(status_of "$1" "$2" check)
	if [ -n "$sc_bad" ]; then
		echo "FAIL ($sc_bad)"
		return
	fi
	sc_v=$(median "$1" "$2" check 9)
	[ -n "$sc_v" ] || { echo "—"; return; }
	awk -v v="$sc_v" 'BEGIN {
		if (v < 0.001) printf "%.0f µs", v * 1e6
		else if (v < 1) printf "%.1f ms", v * 1e3
		else printf "%.2f s", v }'
}

# scan_table: tether check's final scan, every row.
scan_table() {
	echo "### tether check: the scan at exit"
	echo
	echo "The time the reachability scan at exit kept the program stopped (\`scan_seconds\`"
	echo "of \`tether check --json\`, summed over the processes of a run; median), and"
	echo "its share of the check run's median wall time."
	echo
	echo "| workload | size | check wall | scan | scan / check wall |"
	echo "|---|---|---:|---:|---:|"
	while read -r st_case st_size _; do
		st_w=$(median "$st_case" "$st_size" check 5)
		st_s=$(median "$st_case" "$st_size" check 9)
		printf '| %s | %s | %s | %s | %s |\n' "$(case_label "$st_case")" \
		    "$(size_label "$st_case" "$st_size")" \
		    "$(cell "$st_case" "$st_size" full check 5)" "$(scan_cell "$st_case" "$st_size")" \
		    "$(awk -v s="${st_s:-}" -v w="${st_w:-}" 'BEGIN {
			if (s == "" || w == "" || w <= 0) print "—"
			else printf "%.0f %%", 100 * s / w }')"
	done <"$W/rows"
	echo
}

# million_table: the scan of a million live blocks: scan_million under
# tether check (wall time and the scan's own time) next to memcheck and
# lsan (wall time only: they report no separate figure).
million_table() {
	grep -q '^scan_million ' "$W/rows" || return 0
	echo "## The final scan on a million live blocks"
	echo
	echo "scan_million allocates N blocks of 16-256 bytes and exits with all of them"
	echo "live: 3/4 reachable from a global table (and chained in a list), 1/4 lost in"
	echo "chains of 8 (1/32 of N definitely, 7/32 indirectly lost).  Wall times are"
	echo "medians, with the ratio to plain; *scan* is tether check's scan alone (from"
	echo "its JSON verdict).  memcheck and lsan give no separate figure for their leak"
	echo "search, so only their whole run is shown."
	echo
	echo "| size | plain | tether | check | check: scan | memcheck | lsan |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	while read -r mt_case mt_size mt_kind; do
		[ "$mt_case" = scan_million ] || continue
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(size_label "$mt_case" "$mt_size")" \
		    "$(cell "$mt_case" "$mt_size" "$mt_kind" plain 5)" \
		    "$(cell "$mt_case" "$mt_size" "$mt_kind" tether 5)" \
		    "$(cell "$mt_case" "$mt_size" "$mt_kind" check 5)" \
		    "$(scan_cell "$mt_case" "$mt_size")" \
		    "$(cell "$mt_case" "$mt_size" "$mt_kind" memcheck 5)" \
		    "$(cell "$mt_case" "$mt_size" "$mt_kind" lsan 5)"
	done <"$W/rows"
	echo
}

# slower_than_heaptrack: list every row and metric where tether's ratio
# exceeds heaptrack's.
slower_than_heaptrack() {
	[ "$HAVE_HEAPTRACK" = 1 ] || return 0
	while read -r sh_case sh_size _; do
		for sh_m in 5 6 7; do
			sh_t=$(ratio "$sh_case" "$sh_size" tether $sh_m)
			sh_h=$(ratio "$sh_case" "$sh_size" heaptrack $sh_m)
			if [ -z "$sh_t" ] || [ -z "$sh_h" ]; then
				continue
			fi
			if awk -v t="$sh_t" -v h="$sh_h" 'BEGIN { exit !(t > h) }'; then
				case $sh_m in 5) sh_n="wall" ;; 6) sh_n="CPU" ;; 7) sh_n="peak RSS" ;; esac
				echo "- $(case_label "$sh_case") at $(size_label "$sh_case" "$sh_size"): $sh_n ${sh_t}× for tether vs ${sh_h}× for heaptrack"
			fi
		done
	done <"$W/rows"
}

# pct RATIO BASE: "+12%" / "−3%": how far RATIO is from BASE.
pct() {
	awk -v r="$1" -v b="$2" 'BEGIN {
		if (b <= 0) { printf "?"; exit }
		d = 100 * (r / b - 1)
		if (d < 0) printf "−%.0f%%", -d; else printf "+%.0f%%", d }'
}

# xfmt RATIO: a ratio as in the tables' cells.
xfmt() {
	awk -v r="$1" 'BEGIN { printf "%s×", r < 10 ? sprintf("%.2f", r) : sprintf("%.1f", r) }'
}

# mt_size KIND: the size of the churn_mt rows of that kind, if any ran.
mt_size() {
	awk -v k="$1" '$1 ~ /^churn_mt/ && $3 == k { print $2; exit }' "$W/rows"
}

# mt_cases: the churn_mt cases that ran, in thread order.
mt_cases() {
	for mc_t in $MT_THREADS; do
		grep -q "^churn_mt$mc_t " "$W/rows" && echo "churn_mt$mc_t"
	done
	return 0
}

# scaling_table KIND: churn_mt's ratios by thread count at one size, each
# against the tool's own 1-thread ratio, and the CPU time per allocation.
scaling_table() {
	sg_size=$(mt_size "$1")
	[ -n "$sg_size" ] || return 0
	sg_cases=$(mt_cases)
	echo "### churn_mt, $(human "$sg_size") allocations in all ($1 size)"
	echo
	printf '| tool | ratio |'
	for sg_c in $sg_cases; do printf ' T=%s |' "${sg_c#churn_mt}"; done
	printf ' worst vs T=1 |\n|---|---|'
	for sg_c in $sg_cases; do printf -- '---:|'; done
	printf -- '---:|\n'
	for sg_cfg in $TOOLS; do
		for sg_m in 5 6; do
			sg_line='' sg_any=0 sg_worst='' sg_base=''
			for sg_c in $sg_cases; do
				sg_r=$(ratio "$sg_c" "$sg_size" "$sg_cfg" $sg_m)
				if [ -z "$sg_r" ]; then
					sg_line="$sg_line — |"
					continue
				fi
				sg_any=1
				if [ "$sg_c" = churn_mt1 ]; then
					sg_base=$sg_r
					sg_line="$sg_line $(xfmt "$sg_r") |"
				elif [ -n "$sg_base" ]; then
					sg_line="$sg_line $(xfmt "$sg_r") ($(pct "$sg_r" "$sg_base")) |"
					sg_worst=$(awk -v r="$sg_r" -v b="$sg_base" -v w="${sg_worst:-}" 'BEGIN {
						d = 100 * (r / b - 1)
						if (w == "" || (d < 0 ? -d : d) > (w < 0 ? -w : w)) print d; else print w }')
				else
					sg_line="$sg_line $(xfmt "$sg_r") |"
				fi
			done
			[ "$sg_any" = 1 ] || continue
			if [ -n "$sg_worst" ]; then
				sg_w=$(awk -v d="$sg_worst" 'BEGIN { if (d < 0) printf "−%.0f%%", -d; else printf "+%.0f%%", d }')
			else
				sg_w="—"
			fi
			if [ $sg_m = 5 ]; then sg_n=wall; else sg_n=CPU; fi
			echo "| $(config_title "$sg_cfg") | $sg_n |$sg_line $sg_w |"
		done
	done
	echo
	echo "CPU time per allocation (one malloc and, but for the last 1000 per"
	echo "thread, one free): median CPU seconds of the run / $(human "$sg_size")."
	echo
	printf '| configuration |'
	for sg_c in $sg_cases; do printf ' T=%s |' "${sg_c#churn_mt}"; done
	printf '\n|---|'
	for sg_c in $sg_cases; do printf -- '---:|'; done
	echo
	for sg_cfg in $CONFIGS; do
		sg_line='' sg_any=0
		for sg_c in $sg_cases; do
			sg_v=$(median "$sg_c" "$sg_size" "$sg_cfg" 6)
			if [ -z "$sg_v" ]; then
				sg_line="$sg_line — |"
				continue
			fi
			sg_any=1
			sg_line="$sg_line $(awk -v v="$sg_v" -v n="$sg_size" 'BEGIN { printf "%.0f ns", v / n * 1e9 }') |"
		done
		[ "$sg_any" = 1 ] && echo "| $(config_title "$sg_cfg") |$sg_line"
	done
	echo
}

# scaling_tables: the thread-scaling section.
scaling_tables() {
	[ -n "$(mt_cases)" ] || return 0
	echo "## Thread scaling: churn_mt"
	echo
	echo "churn_mt splits one total of allocations over T threads (each its own"
	echo "ring of 1000 blocks), so a tool that scales keeps its T=1 ratio at every T."
	echo "Each cell is the tool's ratio to plain at that T (wall, or CPU time), and"
	echo "in brackets how far it is from the same tool's ratio at T=1.  On this"
	echo "2-core machine T >= 2 already fills the CPUs, so the wall ratios from T=4"
	echo "on measure oversubscription too; the CPU ratios are the steadier figure."
	echo "Target: tether within 20% of its 1-thread ratio at 2 to 16 threads."
	echo "jeprof-all, gperftools and memcheck run at the reduced size only."
	echo
	scaling_table full
	scaling_table reduced
	for sg_kind in full reduced; do
		sg_size=$(mt_size $sg_kind)
		[ -n "$sg_size" ] || continue
		sg_out=
		for sg_m in 5 6; do
			sg_base=$(ratio churn_mt1 "$sg_size" tether $sg_m)
			[ -n "$sg_base" ] || continue
			sg_worst=
			for sg_c in $(mt_cases); do
				[ "$sg_c" = churn_mt1 ] && continue
				sg_r=$(ratio "$sg_c" "$sg_size" tether $sg_m)
				[ -n "$sg_r" ] || continue
				sg_worst=$(awk -v r="$sg_r" -v b="$sg_base" -v w="${sg_worst:-}" 'BEGIN {
					d = 100 * (r / b - 1)
					if (w == "" || (d < 0 ? -d : d) > (w < 0 ? -w : w)) print d; else print w }')
			done
			[ -n "$sg_worst" ] || continue
			if [ $sg_m = 5 ]; then sg_n=wall; else sg_n=CPU; fi
			sg_out="$sg_out${sg_out:+; }$sg_n $(awk -v d="$sg_worst" 'BEGIN {
				if (d < 0) printf "−%.0f%%", -d; else printf "+%.0f%%", d
				t = (d <= 20 && d >= -20) ? " (within 20%)" : " (**outside 20%**)"
				printf "%s", t }')"
		done
		[ -n "$sg_out" ] && echo "- tether's worst distance from its T=1 ratio, $(human "$sg_size") allocations: $sg_out"
	done
	echo
}

# dump_median CASE SIZE COLUMN: median of a column of $W/dumps.tsv (4 =
# dump ms, 5 = file bytes, 6 = stacks, 7 = blocks, 8 = tether's own bytes,
# 9 = mean stack depth).
dump_median() {
	[ -f "$W/dumps.tsv" ] || return 0
	awk -F '\t' -v c="$1" -v s="$2" -v col="$3" '$1 == c && $2 == s { print $col }' "$W/dumps.tsv" |
	    sort -g |
	    awk '{ v[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) printf "%.6g\n", v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ms_cell CASE SIZE CONFIG: the median wall time of a configuration in ms.
ms_cell() {
	mc_bad=$(status_of "$1" "$2" "$3")
	if [ -n "$mc_bad" ]; then
		echo "FAIL ($mc_bad)"
		return
	fi
	mc_v=$(median "$1" "$2" "$3" 5)
	[ -n "$mc_v" ] || { echo "—"; return; }
	awk -v v="$mc_v" 'BEGIN { printf "%.0f ms", v * 1e3 }'
}

# dump_table: dump_big's rows.
dump_table() {
	[ -s "$W/dumprows" ] || return 0
	echo "## Dumps and reports of big heaps: dump_big"
	echo
	echo "dump_big allocates N blocks of 16-256 bytes along S distinct call stacks"
	echo "(chains of 5 calls through a table of 16 functions, all stacks of the"
	echo "same depth), then calls \`tether_dump()\` with all of them live and times"
	echo "the call (CLOCK_MONOTONIC, in the program).  *report* is the wall time of"
	echo "\`tether report DUMP\` (text, top 25 sites) and of \`tether report --format"
	echo "pprof -o FILE DUMP\` (every site) on that dump, symbolization included."
	echo "Medians of the tether runs; the peak RSS columns are those of the whole"
	echo "runs (tether's, and the same program with jemalloc preloaded)."
	echo "Target: a dump of 1M live blocks in under 1 s."
	echo
	echo "| blocks | stacks | dump | dump per 1M blocks | report (text) | report (pprof) | dump file | peak RSS tether | peak RSS jemalloc |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	while read -r dt_case dt_size _; do
		dt_n=${dt_size%x*} dt_s=${dt_size#*x}
		dt_bad=$(status_of "$dt_case" "$dt_size" tether)
		dt_ms=$(dump_median "$dt_case" "$dt_size" 4)
		dt_b=$(dump_median "$dt_case" "$dt_size" 5)
		if [ -n "$dt_bad" ]; then
			dt_dump="FAIL ($dt_bad)" dt_per="—" dt_file="—"
		elif [ -z "$dt_ms" ]; then
			dt_dump="—" dt_per="—" dt_file="—"
		else
			dt_dump=$(awk -v v="$dt_ms" 'BEGIN { printf "%.1f ms", v }')
			dt_per=$(awk -v v="$dt_ms" -v n="$dt_n" 'BEGIN { printf "%.1f ms", v / n * 1e6 }')
			dt_file=$(awk -v v="$dt_b" 'BEGIN { printf "%.1f MB", v / 1048576 }')
		fi
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(human "$dt_n")" "$(human "$dt_s")" \
		    "$dt_dump" "$dt_per" \
		    "$(ms_cell "$dt_case" "$dt_size" report_text)" "$(ms_cell "$dt_case" "$dt_size" report_pprof)" \
		    "$dt_file" "$(cell "$dt_case" "$dt_size" dump tether 7)" "$(cell "$dt_case" "$dt_size" dump jemalloc 7)"
	done <"$W/dumprows"
	echo
	dt_worst=$(while read -r dt_case dt_size _; do
		[ "${dt_size%x*}" = 1000000 ] && dump_median "$dt_case" "$dt_size" 4
	done <"$W/dumprows" | sort -g | tail -n 1)
	if [ -n "$dt_worst" ]; then
		echo "- The slowest dump of 1M live blocks took $(awk -v v="$dt_worst" 'BEGIN {
			printf "%.0f ms%s", v, v < 1000 ? " (target < 1 s: met)" : " (target < 1 s: **not met**)" }')."
	else
		echo "- No row has 1M live blocks (quick mode): read the \"per 1M blocks\" column."
	fi
	echo
}

# rss_bytes CASE SIZE CONFIG: median peak RSS in bytes, or empty.
rss_bytes() {
	rb_v=$(median "$1" "$2" "$3" 7)
	[ -n "$rb_v" ] && awk -v v="$rb_v" 'BEGIN { printf "%.0f", v * 1024 }'
	return 0
}

# extra_rss CASE SIZE: tether's peak RSS above the jemalloc-preloaded run's
# (bytes), or empty.
extra_rss() {
	er_t=$(rss_bytes "$1" "$2" tether)
	er_j=$(rss_bytes "$1" "$2" jemalloc)
	[ -n "$er_t" ] && [ -n "$er_j" ] && echo $((er_t - er_j))
	return 0
}

# memory_figures: tether's memory per live block and per distinct stack,
# measured and by design.
memory_figures() {
	echo "## Memory: tether's cost per live block and per stack"
	echo
	echo "Measured: tether's peak RSS minus that of the same run with jemalloc"
	echo "preloaded (tether's allocator is a private copy of the same jemalloc, so"
	echo "the difference is tether's tables, its block headers and their effect on"
	echo "size classes, its code and unwind tables).  See bench/README.md, \"Memory\"."
	echo
	if [ -n "$TT_SIZES" ]; then
		# shellcheck disable=SC2086  # five numbers
		set -- $TT_SIZES
		mf_slot=$1 mf_hdr=$2 mf_entry=$3 mf_frame=$4 mf_index=$5
	else
		mf_slot='' mf_hdr='' mf_entry='' mf_frame='' mf_index=''
	fi
	echo "Per live block:"
	echo
	mf_any=0
	while read -r mf_case mf_size _; do
		[ "$mf_case" = live_million ] || continue
		mf_e=$(extra_rss "$mf_case" "$mf_size")
		[ -n "$mf_e" ] || continue
		mf_any=1
		echo "- live_million, $(size_label "$mf_case" "$mf_size"): $(awk -v e="$mf_e" -v n="$mf_size" 'BEGIN {
			printf "%.1f MB more than jemalloc alone, %.0f B per live block", e / 1048576, e / n }')"
	done <"$W/rows"
	mf_e=$(extra_rss dump_big "${DUMP_N}x$DUMP_S")
	if [ -n "$mf_e" ]; then
		mf_any=1
		echo "- dump_big, $(size_label dump_big "${DUMP_N}x$DUMP_S") (a live dump of them included): $(awk -v e="$mf_e" -v n="$DUMP_N" 'BEGIN {
			printf "%.1f MB more than jemalloc alone, %.0f B per live block", e / 1048576, e / n }')"
	fi
	# The slope over dump_big's blocks series (S fixed): what each added
	# block costs, without the fixed part.
	mf_lo='' mf_hi=''
	for mf_n in $DUMP_NS; do
		[ -n "$(extra_rss dump_big "${mf_n}x$DUMP_S")" ] || continue
		[ -n "$mf_lo" ] || mf_lo=$mf_n
		mf_hi=$mf_n
	done
	if [ -n "$mf_lo" ] && [ "$mf_lo" != "$mf_hi" ]; then
		mf_elo=$(extra_rss dump_big "${mf_lo}x$DUMP_S")
		mf_ehi=$(extra_rss dump_big "${mf_hi}x$DUMP_S")
		mf_any=1
		echo "- dump_big, $(human "$mf_lo") to $(human "$mf_hi") blocks at $(human "$DUMP_S") stacks (the slope, a live dump included): $(awk -v a="$mf_elo" -v b="$mf_ehi" -v n="$((mf_hi - mf_lo))" 'BEGIN {
			printf "%.0f B per added live block", (b - a) / n }')"
	fi
	[ "$mf_any" = 1 ] || echo "- n/a (needs the tether and jemalloc runs of live_million or dump_big)"
	if [ -n "$mf_slot" ]; then
		echo "- By design: a block table slot of $mf_slot B (\`struct tt_slot\`, lib/table.h) and a"
		echo "  header of $mf_hdr B before the block (\`struct tt_hdr\`, lib/block.h), $((mf_slot + mf_hdr)) B, plus what"
		echo "  the $mf_hdr bytes added to each request cost in jemalloc's size classes."
		echo "  For live_million's requests (16 to 256 B, uniform) and jemalloc's small"
		echo "  classes (16, 32, 48, ... 128, 160, 192, 224, 256, 320 B) that is $(awk -v h="$mf_hdr" -v sl="$mf_slot" '
			function cls(x,  i, n, k) {
				n = split("8 16 32 48 64 80 96 112 128 160 192 224 256 320 384 448 512", k, " ")
				for (i = 1; i <= n; i++) if (k[i] + 0 >= x) return k[i]
				return x
			}
			BEGIN {
				for (s = 16; s <= 256; s++) { t += cls(s + h) - cls(s); n++ }
				printf "%.1f B more per block, %.0f B with the slot", t / n, t / n + sl
			}')."
	fi
	echo
	echo "Per distinct stack (dump_big at $(human "$DUMP_N") blocks, $(human "${DUMP_SS%% *}") and $(human "${DUMP_SS##* }") stacks):"
	echo
	mf_slo="${DUMP_N}x${DUMP_SS%% *}" mf_shi="${DUMP_N}x${DUMP_SS##* }"
	mf_ds=$((${DUMP_SS##* } - ${DUMP_SS%% *}))
	mf_elo=$(extra_rss dump_big "$mf_slo")
	mf_ehi=$(extra_rss dump_big "$mf_shi")
	if [ -n "$mf_elo" ] && [ -n "$mf_ehi" ]; then
		echo "- Peak RSS: $(awk -v a="$mf_elo" -v b="$mf_ehi" -v n="$mf_ds" 'BEGIN {
			printf "%.1f MB more at the larger count, %.0f B per added stack", (b - a) / 1048576, (b - a) / n }')"
	else
		echo "- Peak RSS: n/a (needs dump_big's tether and jemalloc runs)"
	fi
	mf_ilo=$(dump_median dump_big "$mf_slo" 8)
	mf_ihi=$(dump_median dump_big "$mf_shi" 8)
	mf_depth=$(dump_median dump_big "$mf_shi" 9)
	if [ -n "$mf_ilo" ] && [ -n "$mf_ihi" ]; then
		echo "- Table bytes (the dump's stats record, \`internal_bytes\`: block slots plus stack table): $(awk -v a="$mf_ilo" -v b="$mf_ihi" -v n="$mf_ds" 'BEGIN {
			printf "%.0f B per added stack", (b - a) / n }')"
	fi
	if [ -n "$mf_entry" ] && [ -n "$mf_depth" ]; then
		echo "- By design: an entry of \`struct tt_stack\` ($mf_entry B) plus $mf_frame B per frame, rounded up to"
		echo "  16 B, and $mf_index B in the id index; at dump_big's mean depth of $mf_depth frames: $(awk -v e="$mf_entry" -v f="$mf_frame" -v d="$mf_depth" -v i="$mf_index" 'BEGIN {
			s = e + f * d; s = int((s + 15) / 16) * 16; printf "%d B", s + i }')."
		echo "  The hash index of ids (8 B a slot: the id and half the hash) is a window in"
		echo "  each of three small arrays, then one of twice TETHER_MAX_STACKS slots, all"
		echo "  touched as stacks land, so it adds to the RSS figure above as a few pages"
		echo "  per thousand stacks (lib/stack_table.c)."
	fi
	echo
}

# sampled_summary: tether sampled next to jeprof (both one sample per 512
# KiB on average) on the real programs and churn.
sampled_summary() {
	for ss_case in python sqlite git gcc churn; do
		ss_size=$(awk -v c="$ss_case" '$1 == c && $3 == "full" { print $2; exit }' "$W/rows")
		[ -n "$ss_size" ] || continue
		ss_sw=$(ratio "$ss_case" "$ss_size" sampled 5)
		ss_sc=$(ratio "$ss_case" "$ss_size" sampled 6)
		{ [ -n "$ss_sw" ] && [ -n "$ss_sc" ]; } || continue
		ss_jw=$(ratio "$ss_case" "$ss_size" jeprof 5)
		ss_jc=$(ratio "$ss_case" "$ss_size" jeprof 6)
		ss_j="n/a"
		[ -n "$ss_jw" ] && [ -n "$ss_jc" ] && ss_j="$(xfmt "$ss_jw") / $(xfmt "$ss_jc")"
		echo "- $(case_label "$ss_case"), $(size_label "$ss_case" "$ss_size"): tether sampled $(xfmt "$ss_sw") / $(xfmt "$ss_sc"), jeprof $ss_j"
	done
}

# rss_above_heaptrack: the rows where tether's peak RSS ratio exceeds
# heaptrack's, on one line.
rss_above_heaptrack() {
	[ "$HAVE_HEAPTRACK" = 1 ] || { echo "n/a (heaptrack not installed)"; return 0; }
	ra_out=
	while read -r ra_case ra_size _; do
		ra_t=$(ratio "$ra_case" "$ra_size" tether 7)
		ra_h=$(ratio "$ra_case" "$ra_size" heaptrack 7)
		{ [ -n "$ra_t" ] && [ -n "$ra_h" ]; } || continue
		if awk -v t="$ra_t" -v h="$ra_h" 'BEGIN { exit !(t > h) }'; then
			ra_out="$ra_out${ra_out:+; }$(case_label "$ra_case") at $(size_label "$ra_case" "$ra_size") ($(xfmt "$ra_t") vs $(xfmt "$ra_h"))"
		fi
	done <"$W/rows"
	echo "${ra_out:-none}"
}

# tool_version PROGRAM...: first line of a version banner, or "not installed".
tool_version() {
	if have "$1"; then
		"$@" 2>&1 | head -n 1
	else
		echo "not installed"
	fi
}

# lib_version PACKAGE FILE: the Debian package's version of a preloaded
# library, or the file, or "not installed".
lib_version() {
	if [ ! -f "$2" ]; then
		echo "not installed"
	elif lv_v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) && [ -n "$lv_v" ]; then
		echo "$1 $lv_v (\`$2\`)"
	else
		echo "\`$2\`"
	fi
}

# machine: the machine and software the numbers come from.
machine() {
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); \`nproc\` = $(nproc)"
	echo "- Memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- Kernel: $(uname -srm)"
	echo "- OS: $(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}" || echo unknown)"
	echo "- C library: $(ldd --version 2>&1 | head -n 1)"
	echo "- Compilers: $(cc --version | head -n 1); $(c++ --version | head -n 1)"
	echo "- jemalloc (jemalloc, jeprof-all, jeprof): $(lib_version libjemalloc2 "$JEMALLOC_SO"); tether's private copy: $(dpkg-query -W -f='libjemalloc-dev ${Version}' libjemalloc-dev 2>/dev/null || echo "from libjemalloc_pic.a")"
	echo "- gperftools: $(lib_version libgoogle-perftools4 "$TCMALLOC_SO")"
	echo "- heaptrack: $(tool_version heaptrack --version); valgrind: $(tool_version valgrind --version); lsan: $(tool_version clang --version) -fsanitize=leak"
	echo "- python3: $PYTHON ($(tool_version "$PYTHON" --version)); sqlite3: $(tool_version sqlite3 --version | cut -d' ' -f1); $(tool_version git --version); gcc: $(tool_version gcc -dumpfullversion)"
	echo "- tether: \`$LIB\`, source tree $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo "(no commit yet)")"
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Load average (1, 5, 15 min) before the runs: $LOAD_START; after: $(cut -d' ' -f1-3 /proc/loadavg)"
	if awk -v l="${LOAD_START%% *}" 'BEGIN { exit !(l > 0.5) }'; then
		echo "- **The machine was not idle** when the bench started: wall times"
		echo "  (more than the CPU times) include waiting for a CPU."
	fi
}

# commands: the exact command lines, with the temporary directory as $TMP.
commands() {
	echo "Every run is \`benchtime RESULT $TIMEOUT COMMAND...\` started in a fresh"
	echo "\$TMP/run, stdin from /dev/null; COMMAND is, per configuration:"
	echo
	echo '```'
	for cm_cfg in $CONFIGS; do
		case $cm_cfg in
		plain) cm_line="COMMAND" ;;
		lsan) cm_line="$(display "$(tool_prefix lsan)") COMMAND, with \$TMP/bin/lsan/NAME for \$TMP/bin/NAME" ;;
		*) cm_line="$(display "$(tool_prefix "$cm_cfg")") COMMAND" ;;
		esac
		printf '%-15s %s\n' "$(config_title "$cm_cfg"):" "$cm_line"
	done
	echo '```'
	echo
	echo "dump_big's reports, on the dump its tether run wrote (FILE):"
	echo
	echo '```'
	echo "report (text):  $(display "$TETHER") report FILE"
	echo "report (pprof): $(display "$TETHER") report --format pprof -o \$TMP/run/report.pb.gz FILE"
	echo '```'
	echo
	echo "jeprof-all and gperftools run at the reduced size only and at most"
	echo "$SLOW_RUNS time(s) per row (BENCH_SLOW_RUNS), memcheck at the reduced size"
	echo "only (scan_million: both); dump_big runs plain, tether and jemalloc."
	echo
	echo "\$TMP/bin/NAME is built by \`cc -O2 -g -pthread\` (\`c++ -O2 -g\` for cxx.cc),"
	echo "\$TMP/bin/lsan/NAME by \`clang -O2 -g -pthread -fsanitize=leak\` (\`clang++ -O2 -g"
	echo "-fsanitize=leak\` for cxx.cc), from the same bench/workloads/NAME source."
	echo "For git, tether check's --json file is \$TMP/out/check.N.json, N counting"
	echo "the git commands of the run."
	echo
	echo "and COMMAND, per workload at the full size (the reduced size differs only"
	echo "in the size argument):"
	echo
	echo '```'
	for cm_case in $CASES; do
		grep -q "^$cm_case " "$W/rows" "$W/dumprows" 2>/dev/null || continue
		if [ "$cm_case" = dump_big ]; then
			set -- "${DUMP_N}x$DUMP_S"
		else
			# shellcheck disable=SC2046  # "FULL REDUCED"
			set -- $(case_sizes "$cm_case")
		fi
		case $cm_case in
		dump_big) printf '%-10s %s   (BLOCKS STACKS: %s at %s stacks; %s stacks at %s)\n' "$cm_case:" \
		    "$(display "$(case_command "$cm_case" "$1" plain)")" \
		    "$(echo "$DUMP_NS" | sed 's/ /, /g')" "$DUMP_S" "$(echo "$DUMP_SS" | sed 's/ /, /g')" "$DUMP_N" ;;
		git) echo "git:       $(display "$(case_command git "$1" plain)") [each configuration's prefix applied to each git command]" ;;
		gcc) echo "gcc:       $(display "$(case_command gcc "$1" plain)")"
		     echo "           heaptrack adds: $(display "$(shq -wrapper "heaptrack,--raw,-o,$OUT/ht.%p")")" ;;
		python) echo "python:    $(display "$PYTHON") -c \"\$PY_CODE\" $1" ;;
		*) printf '%-10s %s\n' "$cm_case:" "$(display "$(case_command "$cm_case" "$1" plain)")" ;;
		esac
	done
	echo '```'
	echo
	echo "\$PY_CODE:"
	echo
	echo '```python'
	printf '%s\n' "$PY_CODE"
	echo '```'
	echo
	echo "\$TMP/in/git-job.sh:"
	echo
	echo '```sh'
	cat "$IN/git-job.sh"
	echo '```'
	echo
	echo "The SQL script is generated: CREATE TABLE, BEGIN, one INSERT per row,"
	echo "COMMIT, CREATE INDEX, a GROUP BY over 101 groups and a filtered count."
	echo "The C file for gcc is generated: N pairs of functions (a switch in a"
	echo "loop over a list, and a chain of calls), see gen_c in bench/run.sh."
}

# report: the whole RESULTS.md.
report() {
	echo "# tether benchmark results"
	echo
	echo "Produced by bench/run.sh (\`make bench\`) on $(date -u '+%Y-%m-%d'); see bench/README.md."
	if [ "$QUICK" = 1 ]; then
		echo "**Quick mode (BENCH_QUICK=1): 1 run, small sizes — a smoke test, not a measurement.**"
	else
		echo "Each cell is the median of **$RUNS runs** (BENCH_RUNS=$RUNS; jeprof-all and"
		echo "gperftools: $SLOW_RUNS, BENCH_SLOW_RUNS); the configurations were run"
		echo "interleaved, after one untimed plain run per row."
	fi
	echo
	echo "Columns: *plain* is the program alone; *tether* is the program with"
	echo "libtether preloaded (full tracking: every allocation, stack unwound, dump"
	echo "at exit); *tether sampled* the same with \`TETHER_SAMPLE_RATE=$SAMPLE_RATE\`"
	echo "(one allocation tracked per 512 KiB allocated on average); *check* is the"
	echo "leak gate, \`tether check --fail-on none\` (the same full tracking, plus the"
	echo "reachability scan at exit with the threads stopped, and the verdict);"
	echo "*jemalloc* is the system's jemalloc preloaded, no profiling (tether also"
	echo "puts the program on jemalloc, a private copy: this column is the"
	echo "allocator swap alone); *jeprof-all* is jemalloc's heap profiler recording"
	echo "every allocation (\`lg_prof_sample:0\`), *jeprof* the same at its default"
	echo "sampling (\`lg_prof_sample:19\`, 512 KiB), both dumping at exit"
	echo "(\`prof_final\`); *gperftools* is gperftools' heap profiler (tcmalloc"
	echo "preloaded, \`HEAPPROFILE\`: every allocation, dump at exit); *heaptrack* is"
	echo "\`heaptrack --raw\` (record only: the raw trace is compressed, not"
	echo "interpreted); *memcheck* is Valgrind memcheck with \`--leak-check=full\`;"
	echo "*lsan* is the same workload source rebuilt with \`clang -O2 -g"
	echo "-fsanitize=leak\` (LeakSanitizer; its ratio is against the gcc-built plain"
	echo "binary, so it includes the change of compiler)."
	echo "A tool cell is \`median (median / plain median)\`,"
	echo "always against the plain run of the same row, i.e. the same size."
	echo "Wall time runs until the last process of the command's tree has exited;"
	echo "CPU time is user + system time summed over that whole tree; peak RSS is"
	echo "the largest peak resident set of any one process in it (for memcheck,"
	echo "Valgrind's own memory included).  Each workload has two rows: the full"
	echo "size, and a reduced size at which memcheck, jeprof-all and gperftools"
	echo "also run (\"—\" in their columns of a full-size row; scan_million runs"
	echo "memcheck at both).  lsan is \"—\" for python3, sqlite3, git and gcc:"
	echo "LeakSanitizer needs the program rebuilt with -fsanitize=leak, and these"
	echo "are the system's binaries.  \"n/a\": tool not installed."
	echo
	echo "## Machine"
	echo
	machine
	echo
	echo "## Results"
	echo
	table 5 "Wall time"
	table 6 "CPU time (user + sys)"
	table 7 "Peak RSS"
	echo "tether sampled next to jeprof (both one sample per 512 KiB on average),"
	echo "ratio to plain as wall / CPU, full size (target: tether sampled at most"
	echo "1.05× on the real programs):"
	echo
	ss_list=$(sampled_summary)
	if [ -n "$ss_list" ]; then echo "$ss_list"; else echo "- no full-size row of python3, sqlite3, git, gcc or churn ran"; fi
	echo
	echo "Workloads where tether's peak RSS ratio exceeds heaptrack's (target: below"
	echo "heaptrack's everywhere): $(rss_above_heaptrack)."
	echo
	scan_table
	million_table
	scaling_tables
	dump_table
	memory_figures
	echo "## Notes"
	echo
	echo "- Every run's stdout (plus, for gcc, the object file's checksum) is"
	echo "  compared with the plain run's; the tether, tether sampled and check"
	echo "  runs must match exactly and exit 0, a tether run must leave a dump file"
	echo "  and a check run a JSON verdict in which every process was scanned, and"
	echo "  dump_big's dump must hold every live block and its reports must"
	echo "  succeed, or the bench fails.  jeprof-all, jeprof and gperftools must"
	echo "  leave their heap profile; their failures, like heaptrack's, memcheck's"
	echo "  and lsan's, are reported without failing the bench."
	echo "- tether, jemalloc, jeprof-all, jeprof and gperftools follow every"
	echo "  process (LD_PRELOAD is inherited; each process writes its own"
	echo "  profile), and memcheck runs with \`--trace-children=yes\`, so all of"
	echo "  them cover git's and gcc's helper processes.  heaptrack does not follow"
	echo "  exec: for gcc it is also given through \`-wrapper\` to cc1 and as, but"
	echo "  for git only the git command itself is recorded, not the processes"
	echo "  \`git gc\` starts (pack-objects, repack, ...), which understates"
	echo "  heaptrack's cost on that row.  The preloading tools need dynamically"
	echo "  linked programs, which every workload here is."
	echo "- live_million keeps its blocks live until the end and then frees them"
	echo "  all (nothing leaks, so the scan at exit has nothing to do);"
	echo "  scan_million exits with all its blocks live (see above).  The python"
	echo "  program uses CPython's default allocator (pymalloc serves small"
	echo "  objects without calling malloc)."
	echo "- A wall time well above the CPU time of a single-threaded plain run"
	echo "  means the run waited for a CPU (other load); CPU times are then the"
	echo "  steadier comparison."
	echo "- heaptrack's CPU time includes its zstd compressor, which runs beside"
	echo "  the program; its peak RSS is the larger of the program's and the"
	echo "  compressor's (zstd alone can reach some 40-50 MB on a big trace)."
	echo
	echo "Rows where tether's ratio exceeds heaptrack's:"
	echo
	st_list=$(slower_than_heaptrack)
	if [ -n "$st_list" ]; then echo "$st_list"; else echo "- none"; fi
	echo
	if [ -s "$W/failures" ]; then
		echo "## Failures"
		echo
		cat "$W/failures"
		echo
	fi
	echo "## Commands"
	echo
	commands
	echo
	echo "## Raw runs"
	echo
	echo "<details><summary>case, size, config, run, wall s, cpu s, peak RSS KiB, status, check's scan s</summary>"
	echo
	echo '```'
	cat "$RESULTS"
	echo '```'
	echo
	echo "</details>"
	if [ -s "$W/dumps.tsv" ]; then
		echo
		echo "<details><summary>dump_big's dumps: case, size, run, tether_dump ms, file bytes, stacks, blocks, tether's own bytes, mean stack depth</summary>"
		echo
		echo '```'
		cat "$W/dumps.tsv"
		echo '```'
		echo
		echo "</details>"
	fi
}

# probe_preloads: which of the preloaded peers work here.  Sets
# HAVE_JEMALLOC (the library loads), HAVE_JEPROF (its heap profiler writes a
# profile at exit: Debian's is built with --enable-prof) and
# HAVE_GPERFTOOLS (tcmalloc's heap profiler writes one).
probe_preloads() {
	HAVE_JEMALLOC=0 HAVE_JEPROF=0 HAVE_GPERFTOOLS=0
	pp_dir=$W/probe
	mkdir -p "$pp_dir"
	if [ ! -f "$JEMALLOC_SO" ]; then
		note "$JEMALLOC_SO not found (Debian: libjemalloc2): jemalloc, jeprof-all and jeprof are n/a"
	elif ! env "LD_PRELOAD=$JEMALLOC_SO" "$BIN/churn" 1000 >"$pp_dir/je.out" 2>"$pp_dir/je.err" ||
	    grep -q 'cannot be preloaded' "$pp_dir/je.err"; then
		note "$JEMALLOC_SO does not preload: jemalloc, jeprof-all and jeprof are n/a"
	else
		HAVE_JEMALLOC=1
		env "LD_PRELOAD=$JEMALLOC_SO" "MALLOC_CONF=prof:true,prof_final:true,prof_prefix:$pp_dir/jeprof" \
		    "$BIN/churn" 1000 >"$pp_dir/jeprof.out" 2>"$pp_dir/jeprof.err" || true
		if ls "$pp_dir"/jeprof.*.heap >"$pp_dir/jeprof.ls" 2>&1; then
			HAVE_JEPROF=1
		else
			note "$JEMALLOC_SO wrote no heap profile (built without --enable-prof?): jeprof-all and jeprof are n/a"
		fi
	fi
	if [ ! -f "$TCMALLOC_SO" ]; then
		note "$TCMALLOC_SO not found (Debian: libgoogle-perftools4): gperftools is n/a"
	else
		env "LD_PRELOAD=$TCMALLOC_SO" "HEAPPROFILE=$pp_dir/hp" "$BIN/churn" 1000 \
		    >"$pp_dir/hp.out" 2>"$pp_dir/hp.err" || true
		if ls "$pp_dir"/hp*.heap >"$pp_dir/hp.ls" 2>&1; then
			HAVE_GPERFTOOLS=1
		else
			note "$TCMALLOC_SO wrote no heap profile: gperftools is n/a"
		fi
	fi
}

# ------------------------------------------------------------------- main --

have cc || die "cc not found"
have c++ || die "c++ not found"
HAVE_HEAPTRACK=0
if have heaptrack; then
	if heaptrack --help 2>&1 | grep -q -e '--raw'; then
		HAVE_HEAPTRACK=1
	else
		note "this heaptrack has no --raw (record only) option: heaptrack is n/a"
	fi
else
	note "heaptrack not installed: its column is n/a"
fi
HAVE_MEMCHECK=0
if have valgrind; then HAVE_MEMCHECK=1; else note "valgrind not installed: memcheck is n/a"; fi

# The real interpreter, not a version manager's shim script (which would
# add processes of its own to every measurement).
PYTHON=python3
if have python3; then
	PYTHON=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null) || PYTHON=python3
fi

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_START%% *}" 'BEGIN { exit !(l > 0.5) }'; then
	note "warning: load average $LOAD_START: other work will disturb the timings"
fi
note "building in $W"
build_timer
build_dumpinfo
build_workloads
build_lsan_workloads
probe_preloads
write_git_job
: >"$W/rows"
: >"$W/dumprows"
for case_name in $CASES; do
	[ -n "$(case_rows "$case_name")" ] || die "unknown workload: $case_name"
	prog=$(case_program "$case_name")
	if ! have "$prog"; then
		note "$prog not installed: skipping $case_name"
		continue
	fi
	bench_case "$case_name"
done

out_file=$SRCDIR/bench/RESULTS.md
report >"$W/RESULTS.md"
if cp "$W/RESULTS.md" "$out_file" 2>/dev/null; then
	note "wrote $out_file"
else
	cp "$W/RESULTS.md" "$BUILDDIR/bench-RESULTS.md"
	note "$out_file not writable: wrote $BUILDDIR/bench-RESULTS.md"
fi
cat "$W/RESULTS.md"
if [ "$FAILED" != 0 ]; then
	note "FAILED: see the Failures section above; temporary files in $W"
	exit 1
fi
