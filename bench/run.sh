#!/bin/sh
# bench/run.sh - overhead of tether next to heaptrack, Valgrind memcheck and
# LeakSanitizer.
#
# Usage: sh bench/run.sh ABS_BUILDDIR ABS_SRCDIR      (what `make bench` runs)
#
# Runs every workload without any tool (plain), under libtether (tether),
# under tether's leak gate `tether check` (check), under `heaptrack --raw`
# (heaptrack), under Valgrind memcheck (memcheck) and, for the synthetic
# workloads, rebuilt with `clang -fsanitize=leak` (lsan), BENCH_RUNS times
# each, interleaved, and reports the median wall time, CPU time (user + sys
# of the whole process tree) and peak RSS, with the ratio to the plain
# median of the same size, and the time of tether check's final scan (from
# its --json verdict).  Writes ABS_SRCDIR/bench/RESULTS.md and prints it.
# Exits non-zero if a workload misbehaves under tether or tether check
# (crash, non-zero exit, hang, different output, no dump or no scan).
#
# Environment:
#   BENCH_RUNS=N     timed runs per configuration (default 5)
#   BENCH_QUICK=1    smoke test: 1 run, small sizes
#   BENCH_TIMEOUT=S  seconds before one run is killed (default 600)
#   BENCH_ONLY="..." only these workloads (names as in CASES below)
#   BENCH_KEEP=1     keep the temporary directory
#
# POSIX sh (dash is fine).  Needs cc, c++, awk and the built tether command;
# uses heaptrack, valgrind, clang (with LeakSanitizer's runtime), python3,
# sqlite3, git and gcc when installed and marks them n/a otherwise.
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
case $RUNS in '' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive integer" ;; esac
case $TIMEOUT in '' | *[!0-9]* | 0) die "BENCH_TIMEOUT must be a positive integer" ;; esac

CASES="churn churn_mt2 churn_mt4 deep cxx live_million scan_million mutex mutex_mt2 mutex_shared2 pingpong thread_churn python sqlite git gcc"
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

# case_label CASE: the workload column.
case_label() {
	case $1 in
	churn_mt2) echo "churn_mt, 2 threads" ;;
	churn_mt4) echo "churn_mt, 4 threads" ;;
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

# case_sizes CASE: "FULL REDUCED".  Plain, tether and heaptrack run at both;
# memcheck only at REDUCED.  Full sizes keep a plain run at roughly 0.3-2 s
# on a 2-core machine.
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
	heaptrack) shq heaptrack --raw -o "$OUT/ht.%p" ;;
	memcheck) shq valgrind --tool=memcheck --leak-check=full -q --trace-children=yes ;;
	check) shq env "TETHER_LIB=$LIB" "$TETHER" check --fail-on none --json "$OUT/check.json" -- ;;
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
	churn_mt2) echo "$cc_pre$(shq "$cc_bin/churn_mt" "$2" 2)" ;;
	churn_mt4) echo "$cc_pre$(shq "$cc_bin/churn_mt" "$2" 4)" ;;
	mutex) echo "$cc_pre$(shq "$cc_bin/mutex" "$2" 1)" ;;
	mutex_mt2) echo "$cc_pre$(shq "$cc_bin/mutex" "$2" 2)" ;;
	mutex_shared2) echo "$cc_pre$(shq "$cc_bin/mutex" "$2" 2 shared)" ;;
	pingpong | thread_churn) echo "$cc_pre$(shq "$cc_bin/$1" "$2")" ;;
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

# fail CASE SIZE CONFIG TAG REASON: record a failed run and say so loudly.
fail() {
	fl_cmd=$(display "$(case_command "$1" "$2" "$3")")
	{
		echo "- **$3** on $(case_label "$1") at $(size_label "$1" "$2"): $(printf '%s\n' "$5" | sed '2,$s/^/      /')"
		echo "  command: \`$(printf '%s' "$fl_cmd" | tr '\n' ' ' | cut -c1-400)\`"
	} >>"$W/failures"
	note "************************************************************"
	note "FAILURE: $3 on $1 size $2: $5"
	note "command: $fl_cmd"
	note "stderr (last lines):"
	tail -n 15 "$LOG/$4.err" >&2 || true
	note "************************************************************"
	if [ "$3" = tether ] || [ "$3" = check ] || [ "$3" = plain ]; then
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

# measure CASE SIZE CONFIG I: timed run I; checks exit status, output and
# (tether) the dump, (check) the verdicts, and appends "case size config i
# wall cpu rss status scan" to $RESULTS (scan: tether check's scan seconds,
# "-" for the other configurations).  Returns 1 if the run failed.
measure() {
	ms_tag="$1.$2.$3.$4"
	run_once "$1" "$2" "$3" "$ms_tag"
	read -r ms_wall ms_user ms_sys ms_rss ms_status <"$LOG/$ms_tag.time"
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
		if ! cmp -s "$LOG/$ms_tag.cmp" "$LOG/$ms_tag.ref"; then
			ms_ok=output
			fail "$1" "$2" "$3" "$ms_tag" "stdout differs from the plain run:
$(diff "$LOG/$ms_tag.ref" "$LOG/$ms_tag.cmp" | head -n 10)"
		elif [ "$3" = tether ] && [ -z "$(ls -A "$OUT")" ]; then
			ms_ok=nodump
			fail "$1" "$2" "$3" "$ms_tag" "no dump file written in TETHER_OUTPUT"
		elif [ "$3" = check ]; then
			ms_v=$(check_verdicts)
			case $ms_v in
			"ok "*) ms_scan=${ms_v#ok } ;;
			*)
				ms_ok=noscan
				fail "$1" "$2" "$3" "$ms_tag" "$ms_v"
				;;
			esac
		fi
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" \
	    "$ms_wall" "$(awk -v u="$ms_user" -v s="$ms_sys" 'BEGIN { printf "%.3f", u + s }')" \
	    "$ms_rss" "$ms_ok" "$ms_scan" >>"$RESULTS"
	[ "$ms_ok" = ok ]
}

# runs_memcheck KIND CASE: true if memcheck runs at this size: the reduced
# one, and for scan_million also the full one (the 1M-block scan).
runs_memcheck() {
	[ "$1" = reduced ] || [ "$2" = scan_million ]
}

# configs_for KIND CASE: the configurations run at the full or reduced size.
configs_for() {
	cf_list="plain tether check"
	[ "$HAVE_HEAPTRACK" = 1 ] && cf_list="$cf_list heaptrack"
	runs_memcheck "$1" "$2" && [ "$HAVE_MEMCHECK" = 1 ] && cf_list="$cf_list memcheck"
	[ "$HAVE_LSAN" = 1 ] && is_synthetic "$2" && cf_list="$cf_list lsan"
	echo "$cf_list"
}

# bench_case CASE: warm-up/reference run, then RUNS rounds of every
# configuration, interleaved so that drift hits them all alike.
bench_case() {
	set -- "$1" $(case_sizes "$1")
	bc_case=$1 bc_full=$2 bc_reduced=$3
	for bc_kind in full reduced; do
		if [ $bc_kind = full ]; then bc_size=$bc_full; else bc_size=$bc_reduced; fi
		echo "$bc_case $bc_size $bc_kind" >>"$W/rows"
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
		bc_configs=$(configs_for $bc_kind "$bc_case")
		bc_i=1
		while [ $bc_i -le "$RUNS" ]; do
			for bc_cfg in $bc_configs; do
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
	echo "| workload | size | plain | tether | check | heaptrack | memcheck | lsan |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	while read -r tb_case tb_size tb_kind; do
		printf '| %s | %s |' "$(case_label "$tb_case")" "$(size_label "$tb_case" "$tb_size")"
		for tb_cfg in plain tether check heaptrack memcheck lsan; do
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

# tool_version PROGRAM...: first line of a version banner, or "not installed".
tool_version() {
	if have "$1"; then
		"$@" 2>&1 | head -n 1
	else
		echo "not installed"
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
	echo "plain:     COMMAND"
	echo "tether:    $(display "$(tool_prefix tether)") COMMAND"
	echo "check:     $(display "$(tool_prefix check)") COMMAND"
	echo "heaptrack: $(display "$(tool_prefix heaptrack)") COMMAND"
	echo "memcheck:  $(display "$(tool_prefix memcheck)") COMMAND"
	echo "lsan:      $(display "$(tool_prefix lsan)") COMMAND, with \$TMP/bin/lsan/NAME for \$TMP/bin/NAME"
	echo '```'
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
		grep -q "^$cm_case " "$W/rows" 2>/dev/null || continue
		set -- $(case_sizes "$cm_case")
		case $cm_case in
		git) echo "git:       $(display "$(case_command git "$1" plain)") [tether/check/heaptrack/memcheck prefix, applied to each git command]" ;;
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
		echo "Each cell is the median of **$RUNS runs** (BENCH_RUNS=$RUNS); the configurations"
		echo "were run interleaved, after one untimed plain run per row."
	fi
	echo
	echo "Columns: *plain* is the program alone; *tether* is the program with"
	echo "libtether preloaded (full tracking: every allocation, stack unwound, dump"
	echo "at exit); *check* is the leak gate, \`tether check --fail-on none\` (the"
	echo "same tracking, plus the reachability scan at exit with the threads"
	echo "stopped, and the verdict); *heaptrack* is \`heaptrack --raw\` (record only:"
	echo "the raw trace is compressed, not interpreted); *memcheck* is Valgrind"
	echo "memcheck with \`--leak-check=full\`; *lsan* is the same workload source"
	echo "rebuilt with \`clang -O2 -g -fsanitize=leak\` (LeakSanitizer; its ratio is"
	echo "against the gcc-built plain binary, so it includes the change of compiler)."
	echo "A tool cell is \`median (median / plain median)\`,"
	echo "always against the plain run of the same row, i.e. the same size."
	echo "Wall time runs until the last process of the command's tree has exited;"
	echo "CPU time is user + system time summed over that whole tree; peak RSS is"
	echo "the largest peak resident set of any one process in it (for memcheck,"
	echo "Valgrind's own memory included).  Each workload has two rows: the full"
	echo "size, and a reduced size at which memcheck also runs (\"—\" in the"
	echo "memcheck column of a full-size row; scan_million runs memcheck at both)."
	echo "lsan is \"—\" for python3, sqlite3, git and gcc: LeakSanitizer needs the"
	echo "program rebuilt with -fsanitize=leak, and these are the system's binaries."
	echo "\"n/a\": tool not installed."
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
	scan_table
	million_table
	echo "## Notes"
	echo
	echo "- Every run's stdout (plus, for gcc, the object file's checksum) is"
	echo "  compared with the plain run's; the tether and check runs must match"
	echo "  exactly and exit 0, a tether run must leave a dump file and a check"
	echo "  run a JSON verdict in which every process was scanned, or the bench"
	echo "  fails."
	echo "- tether follows every process (LD_PRELOAD is inherited) and memcheck runs"
	echo "  with \`--trace-children=yes\`, so both cover git's and gcc's helper"
	echo "  processes.  heaptrack does not follow exec: for gcc it is also given"
	echo "  through \`-wrapper\` to cc1 and as, but for git only the git command"
	echo "  itself is recorded, not the processes \`git gc\` starts (pack-objects,"
	echo "  repack, ...), which understates heaptrack's cost on that row."
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
build_workloads
build_lsan_workloads
write_git_job
: >"$W/rows"
for case_name in $CASES; do
	case_sizes "$case_name" | grep -q . || die "unknown workload: $case_name"
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
