#!/bin/bash
# tests/real/real-programs.sh - the promise that a program run under
# libtether prints the same stdout (and here also stderr) and exits with the
# same status as without it, checked on real programs nobody here wrote:
# python3, perl, git, sqlite3, gcc, make, curl and node, each doing real
# work on inputs
# generated at test time.  Every command runs three times, in sandboxes
# with identical contents: plainly, under LD_PRELOAD (tether run), and
# under LD_PRELOAD with TETHER_LEAK_CHECK (what tether check asks of the
# library: at exit the threads are stopped and the heap scanned); the
# outputs are compared byte for byte and the traced run must have left a
# dump.
#
# Programs that are not installed are skipped.  The whole test stays well
# under a minute on two cores: the inputs are sized for that.
set -u

. "$top_srcdir/tests/lib/tap.sh"

if [ ! -f "$LIBTETHER" ]; then
	# A missing library is a broken build, not a reason to skip.
	not_ok "libtether.so exists at $LIBTETHER"
	done_testing
fi

. "$top_srcdir/tests/lib/neutral_env.sh"

IN="$T/in"		# generated inputs, shared read-only by both runs
PLAIN="$T/plain"	# working directory of the plain runs
TRACED="$T/traced"	# working directory of the traced runs
CHECKED="$T/checked"	# and of the runs with the leak check (tether check)
mkdir -p "$IN" "$PLAIN" "$TRACED" "$CHECKED" "$TMPDIR" "$T/out" "$T/dumps"

# A hang under the library must fail the test, not stall `make check`.
LIMIT=60

have() { command -v "$1" >/dev/null 2>&1; }

# run_pair [-x STATUS] [-i FILE] [-d 'GLOB...'] [-m MIN] [-n] NAME COMMAND...
#
# Run COMMAND in $PLAIN, then under libtether in $TRACED, and report:
#   - the plain run exited with STATUS (default 0): the case means what it
#     says, and a broken setup does not pass as "both failed alike";
#   - stdout is the same, byte for byte;
#   - stderr is the same: the library says nothing when all is well;
#   - the exit status is the same;
#   - the traced run wrote at least one non-empty dump, one matching each
#     GLOB if given (programs that exec others: every process is traced),
#     and left no temporary dump file behind; at least MIN dumps with -m
#     (one per process of a program that forks).  -n: no dump is expected
#     (death by a signal skips the destructor that writes it).
# -i FILE is piped to COMMAND's stdin; otherwise stdin is /dev/null.
# Returns 0 when every check passed.
run_pair() {
	local status=0 input= globs= nodump= min=1 name
	while [ $# -gt 0 ]; do
		case $1 in
		-x) status=$2; shift 2 ;;
		-i) input=$2; shift 2 ;;
		-d) globs=$2; shift 2 ;;
		-m) min=$2; shift 2 ;;
		-n) nodump=1; shift ;;
		*) break ;;
		esac
	done
	name=$1
	shift
	local o="$T/out/$name" dd="$T/dumps/$name/" fails=$tap_fail
	rm -rf "$dd"
	mkdir -p "$o" "$dd"

	run_one plain "$PLAIN" "$o" "$input" "$@"
	run_one traced "$TRACED" "$o" "$input" \
		TETHER_OUTPUT="$dd" LD_PRELOAD="$LIBTETHER" "$@"
	# What tether check asks of the library: the exit path then stops the
	# threads and scans every process (the verdicts are gate-programs.sh's).
	mkdir -p "$dd/checked"
	run_one checked "$CHECKED" "$o" "$input" \
		TETHER_OUTPUT="$dd/checked/" TETHER_LEAK_CHECK=yes LD_PRELOAD="$LIBTETHER" "$@"
	local rc_plain rc_traced rc_checked
	rc_plain=$(cat "$o/rc.plain")
	rc_traced=$(cat "$o/rc.traced")
	rc_checked=$(cat "$o/rc.checked")

	check_eq "$name: plain run exits $status" "$status" "$rc_plain"
	[ "$rc_plain" = "$status" ] || show "$o/err.plain" "plain stderr"
	if cmp -s "$o/out.plain" "$o/out.traced"; then
		ok "$name: same stdout ($(wc -c <"$o/out.plain") bytes)"
	else
		not_ok "$name: same stdout"
		diag "$(cmp "$o/out.plain" "$o/out.traced" 2>&1)"
		diff -u "$o/out.plain" "$o/out.traced" | head -20 | sed 's/^/#   /'
	fi
	if cmp -s "$o/err.plain" "$o/err.traced"; then
		ok "$name: same stderr"
	else
		not_ok "$name: same stderr"
		diff -u "$o/err.plain" "$o/err.traced" | head -20 | sed 's/^/#   /'
	fi
	check_eq "$name: same exit status" "$rc_plain" "$rc_traced"
	[ "$rc_traced" = "$rc_plain" ] || show "$o/err.traced" "traced stderr"
	if cmp -s "$o/out.plain" "$o/out.checked" && [ "$rc_checked" = "$rc_plain" ]; then
		ok "$name: with the leak check, same stdout and exit status"
	else
		not_ok "$name: with the leak check, same stdout and exit status"
		diag "status $rc_checked, plain $rc_plain"
		diff -u "$o/out.plain" "$o/out.checked" | head -10 | sed 's/^/#   /'
		show "$o/err.checked" "checked stderr"
	fi
	if [ -z "$nodump" ]; then
		check_dumps "$name" "$dd" "$globs" "$min"
	fi
	[ "$tap_fail" -eq "$fails" ]
}

# run_one MODE DIR OUTDIR INPUT [VAR=VALUE...] COMMAND...: one run in DIR,
# its stdout, stderr and exit status saved as OUTDIR/{out,err,rc}.MODE.  Both
# runs go through the same timeout and env, so they differ only by the
# variables.  The subshell's own stderr (bash's "Terminated" when the
# command dies of a signal) is kept apart from the command's.
run_one() {
	local mode=$1 dir=$2 o=$3 input=$4
	shift 4
	(
		cd "$dir" || exit 125
		if [ -n "$input" ]; then
			cat "$input" | timeout -k 5 "$LIMIT" env "$@" \
				>"$o/out.$mode" 2>"$o/err.$mode"
		else
			timeout -k 5 "$LIMIT" env "$@" \
				</dev/null >"$o/out.$mode" 2>"$o/err.$mode"
		fi
	) 2>"$o/shell.$mode"
	echo $? >"$o/rc.$mode"
}

# show FILE WHAT: the head of FILE as TAP diagnostics.
show() {
	diag "$2:"
	head -15 "$1" | sed 's/^/#   /'
}

# check_dumps NAME DIR GLOBS MIN: one TAP line for the dumps of a traced run.
check_dumps() {
	local name=$1 dd=$2 min=$4 missing= g n tmp
	local -a globs
	# read -a splits without expanding the patterns against the cwd.
	read -ra globs <<<"$3"
	n=$(find "$dd" -maxdepth 1 -name '*.tdump' -size +0 | wc -l)
	[ "$n" -gt 0 ] || missing="any non-empty *.tdump"
	[ "$n" -ge "$min" ] || missing="$missing (only $n of $min dumps)"
	for g in ${globs[@]+"${globs[@]}"}; do
		find "$dd" -maxdepth 1 -name "$g.tdump" -size +0 | grep -q . ||
			missing="$missing $g.tdump"
	done
	tmp=$(find "$dd" -maxdepth 1 -name '*.tmp' | wc -l)
	[ "$tmp" -eq 0 ] || missing="$missing (and $tmp temporary files left)"
	if [ -z "$missing" ]; then
		ok "$name: $n dump(s) written"
	else
		not_ok "$name: dumps written"
		diag "missing: $missing" "in $dd:"
		ls -la "$dd" | sed 's/^/#   /'
	fi
}

# same_file NAME RELPATH: a file both runs produced is the same, byte for byte.
same_file() {
	if [ ! -f "$PLAIN/$2" ]; then
		not_ok "$1: $2 produced"
	elif cmp -s "$PLAIN/$2" "$TRACED/$2"; then
		ok "$1: same $2 ($(wc -c <"$PLAIN/$2") bytes)"
	else
		not_ok "$1: same $2"
		diag "$(cmp "$PLAIN/$2" "$TRACED/$2" 2>&1)"
	fi
}

# in_both COMMAND...: an untraced setup step applied to both sandboxes alike.
in_both() {
	(cd "$PLAIN" && "$@") && (cd "$TRACED" && "$@") && (cd "$CHECKED" && "$@")
}

# ---- inputs ------------------------------------------------------------------

# Pseudo-random words from a fixed linear congruential generator (small
# enough a multiplier that awk's doubles compute it exactly, so the same on
# every machine; the high bits are used, the low ones cycle), varied enough to give the programs real work (repeats
# for the counters, shared prefixes for the sorts, letters for the regexes).
awk 'BEGIN {
	s = 12345
	split("a e i o u", v, " ")
	split("b c d f g h k l m n p r s t v z", c, " ")
	for (i = 0; i < 30000; i++) {
		w = ""
		s = (s * 69069 + 1) % 4294967296
		len = 1 + int(s / 65536) % 4
		for (j = 0; j < len; j++) {
			s = (s * 69069 + 1) % 4294967296
			w = w c[1 + int(s / 65536) % 16]
			s = (s * 69069 + 1) % 4294967296
			w = w v[1 + int(s / 65536) % 5]
		}
		printf "%s%s", w, (i % 12 == 11) ? "\n" : " "
	}
}' >"$IN/words.txt"

# ---- python3 -----------------------------------------------------------------

# The real interpreter, not a version-manager shim (a shell script that
# would put bash, not python, under test).
PY=
if have python3; then
	PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
fi

cat >"$IN/work.py" <<'EOF'
# A mixed workload: JSON, dicts and sets, sorting, regexes, classes.
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys


class Shape:
    def __init__(self, name):
        self.name = name

    def area(self):
        raise NotImplementedError

    def __repr__(self):
        return "%s(%s, %d)" % (type(self).__name__, self.name, self.area())


class Rect(Shape):
    def __init__(self, name, w, h):
        super().__init__(name)
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h


class Square(Rect):
    def __init__(self, name, side):
        super().__init__(name, side, side)


class Tri(Shape):
    def __init__(self, name, b, h):
        super().__init__(name)
        self.b, self.h = b, h

    def area(self):
        return self.b * self.h // 2


with open(sys.argv[1]) as f:
    lines = f.read().splitlines()
words = [w for line in lines for w in line.split()]
print("lines", len(lines), "words", len(words))

# JSON round trip of nested generated data.
records = [{"id": i, "word": w, "len": len(w), "letters": sorted(set(w)),
            "meta": {"even": i % 2 == 0, "ratio": len(w) / 7}}
           for i, w in enumerate(words)]
text = json.dumps(records, sort_keys=True)
back = json.loads(text)
print("json", len(text), back == records, back[123]["word"], back[-1]["letters"])
print(json.dumps(back[:2], sort_keys=True, indent=1))

# Dicts and sets.
counts = collections.Counter(words)
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
print("distinct", len(counts), "top", top)
by_first = collections.defaultdict(set)
for w in words:
    by_first[w[0]].add(w)
sizes = {k: len(v) for k, v in sorted(by_first.items())}
print("by_first", sizes)
a, b = by_first["b"] | by_first["c"], {w for w in counts if len(w) <= 4}
print("sets", len(a & b), len(a | b), len(a - b), len(a ^ b))
table = {}
for i in range(200000):
    table[(i * 7919) % 1000003] = str(i)
for i in range(0, 200000, 3):
    table.pop((i * 7919) % 1000003, None)
print("table", len(table), sum(map(int, table.values())) % 1000003)

# Sorting.
print("by length, reversed", sorted(set(words), key=lambda w: (len(w), w[::-1]))[:6])
print("sorted tail", sorted(words, reverse=True)[:5])

# Regular expressions.
rx = re.compile(r"\b([bcd])([aeiou])\w*\2\b")
hits = [m.group(0) for line in lines for m in rx.finditer(line)]
print("regex", len(hits), hits[:5])
print("sub", re.sub(r"([aeiou])\1*", lambda m: m.group(1).upper(), lines[0]))
print("split", re.split(r"[aeiou]+", lines[1])[:8])

# A small class hierarchy.
shapes = []
for i, w in enumerate(words[:3000]):
    n = len(w)
    shapes.append(Rect(w, n, i % 13 + 1) if i % 3 == 0 else
                  Square(w, n) if i % 3 == 1 else Tri(w, n, i % 17 + 2))
print("shapes", len(shapes), sum(s.area() for s in shapes),
      collections.Counter(type(s).__name__ for s in shapes).most_common(),
      sum(isinstance(s, Rect) for s in shapes))
print(sorted(shapes, key=lambda s: (-s.area(), s.name))[:4])

# Threads allocating at once, each on its own slice; joined in order.
def tally(part):
    d = {}
    for w in part:
        d.setdefault(w[-2:], []).append(w.upper())
    return sorted((k, len(v), v[-1]) for k, v in d.items())[:3]

with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
    print("threads", list(pool.map(tally, [words[i::4] for i in range(4)])))

# A forked child and an executed one: each is traced and must behave too.
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    print("child", len(words) // 2, sorted(counts)[-1])
    sys.stdout.flush()
    os._exit(5)
_, st = os.waitpid(pid, 0)
print("child status", os.waitstatus_to_exitcode(st))
r = subprocess.run([sys.executable, "-c", "import sys; print(sum(map(len, sys.stdin)))"],
                   input="\n".join(words[:500]), capture_output=True, text=True)
print("subprocess", r.returncode, r.stdout.strip(), repr(r.stderr))
EOF

if [ -n "$PY" ]; then
	# Three processes: the script, its forked child, its subprocess.
	run_pair -d 'python*' -m 3 python "$PY" "$IN/work.py" "$IN/words.txt"
	# Again with every object from malloc: Python's own small-object
	# allocator otherwise serves most of them without the library.
	run_pair -d 'python*' -m 3 python-malloc env PYTHONMALLOC=malloc \
		"$PY" "$IN/work.py" "$IN/words.txt"
	run_pair -x 3 python-exit3 "$PY" -c 'import sys; sys.exit(3)'
	# stdin comes through a pipe, as in `printf ... | python3`.
	printf 'first line\nsecond, with \xc3\xa9 and tabs\t\t\nend' >"$IN/stdin.txt"
	run_pair -i "$IN/stdin.txt" python-stdin "$PY" -c \
		'import sys; print(sys.stdin.read().upper())'
	# Death by a signal must also look the same to the parent (128+15 via
	# timeout); the destructor does not run then, so no dump is required.
	run_pair -x 143 -n python-sigterm "$PY" -c \
		'import os, signal; print("before", flush=True); os.kill(os.getpid(), signal.SIGTERM)'
else
	for n in python python-malloc python-exit3 python-stdin python-sigterm; do
		skip "$n: python3 not installed"
	done
fi

# ---- perl --------------------------------------------------------------------

cat >"$IN/work.pl" <<'EOF'
# Hashes, regexes, sort, sprintf over the generated words.
use strict;
use warnings;

my (%count, %by_len, @lines);
while (my $line = <>) {
	chomp $line;
	push @lines, $line;
	$count{$_}++ for split ' ', $line;
}
for my $w (keys %count) {
	push @{ $by_len{ length $w } }, $w;
}
my @words = sort keys %count;
printf "lines %d distinct %d\n", scalar @lines, scalar @words;

my @top = (sort { $count{$b} <=> $count{$a} || $a cmp $b } @words)[0 .. 9];
print join(' ', map { sprintf '%s=%d', $_, $count{$_} } @top), "\n";
for my $len (sort { $a <=> $b } keys %by_len) {
	my @l = sort @{ $by_len{$len} };
	printf "len %2d: %5d words, first %-8s last %-8s\n", $len, scalar @l, $l[0], $l[-1];
}

# Regexes: captures, global matches, substitution, transliteration.
my ($pairs, $doubled, $vowels) = (0, 0, 0);
for my $line (@lines) {
	$pairs++ while $line =~ /\b([bcd])([aeiou])\w*?\2\b/g;
	$doubled++ if $line =~ /([aeiou])\w\1/;
	(my $t = $line) =~ tr/aeiou//d;
	$vowels += length($line) - length($t);
}
printf "pairs %d doubled %d vowels %d\n", $pairs, $doubled, $vowels;
(my $first = $lines[0]) =~ s/(\w+)/\u$1/g;
print "$first\n";
my %initial;
$initial{ substr $_, 0, 1 } += $count{$_} for @words;
print join(',', map { "$_:$initial{$_}" } sort keys %initial), "\n";

# Sort on a computed key (Schwartzian transform) and formatted output.
my @ranked = map { $_->[1] }
	sort { $a->[0] <=> $b->[0] or $a->[1] cmp $b->[1] }
	map { [ (length($_) * 31 + ord($_)) % 97, $_ ] } @words;
print join(' ', @ranked[0 .. 11]), "\n";
my %big;
$big{ sprintf '%06x', $_ * 2654435761 % 16777216 } = $_ for 1 .. 200000;
my @k = sort keys %big;
printf "big %d %s %s %.3f\n", scalar @k, $k[0], $k[-1], $big{ $k[100] } / 7;
EOF

if have perl; then
	run_pair -d 'perl*' perl perl "$IN/work.pl" "$IN/words.txt"
	run_pair -x 7 perl-exit7 perl -e 'print "bye\n"; exit 7'
	# die exits with errno: ENOENT (2) here, so errno must survive too.
	run_pair -x 2 -d 'perl*' perl-die perl -e \
		'print "out\n"; open(my $f, "<", "/no/such/file") or die "open: $!\n"'
else
	for n in perl perl-exit7 perl-die; do
		skip "$n: perl not installed"
	done
fi

# ---- git ---------------------------------------------------------------------

# Both sandboxes get the same repository, built by the same commands under
# fixed dates and identity, so even the object names must match.
G=(git -c user.name=t -c user.email=t@t -c init.defaultBranch=main -C repo)

# gen_files COMMIT: rewrite the working tree for commit COMMIT, identically
# in both sandboxes: new files, edits, a deletion and a rename.
gen_files() {
	local c=$1 i
	mkdir -p repo/src repo/doc
	for i in $(seq 1 36); do
		# Each commit touches a different subset of the files.
		[ $(((i + c) % 3)) -eq 0 ] || [ "$c" -eq 1 ] || continue
		awk -v i="$i" -v c="$c" 'BEGIN {
			printf "/* file %d, revision %d */\n", i, c
			for (k = 0; k < 20 + i; k++)
				printf "int f%d_%d(int x) { return x * %d + %d; }\n", i, k, k + c, i
		}' >"repo/src/f$i.c"
	done
	sed -n "$((c * 40)),$((c * 40 + 30))p" "$IN/words.txt" >"repo/doc/words-$c.txt"
	case $c in
	3) rm -f repo/src/f5.c; mv repo/doc/words-1.txt repo/doc/renamed.txt ;;
	esac
}

if have git; then
	run_pair -d 'git*' git-init git -c init.defaultBranch=main init -q repo
	for c in 1 2 3 4; do
		in_both gen_files "$c"
		run_pair -d 'git*' "git-add-$c" "${G[@]}" add -A
		run_pair -d 'git*' "git-commit-$c" "${G[@]}" commit -q -m "commit $c: generated"
	done
	run_pair -d 'git*' git-rev-parse "${G[@]}" rev-parse HEAD HEAD~3 'HEAD^{tree}'
	run_pair -d 'git*' git-log "${G[@]}" log --stat
	run_pair -d 'git*' git-diff "${G[@]}" diff HEAD~1
	run_pair -d 'git*' git-gc "${G[@]}" gc -q
	run_pair -d 'git*' git-fsck "${G[@]}" fsck
	# After gc the objects are packed: read them back through the pack.
	run_pair -d 'git*' git-log-after-gc "${G[@]}" log -p --format='%H %s' HEAD~2..
	run_pair -x 128 -d 'git*' git-bad-ref "${G[@]}" log no-such-ref
else
	skip "git: not installed"
fi

# ---- sqlite3 -----------------------------------------------------------------

# 10k rows inserted one statement at a time in one transaction, then
# joins, grouping, ordering, a window and a recursive query.
awk 'BEGIN {
	print "CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
	print "CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept INTEGER"
	print "  REFERENCES dept(id), salary INTEGER, hired TEXT);"
	print "BEGIN;"
	for (d = 1; d <= 12; d++)
		printf "INSERT INTO dept VALUES(%d, %cdept-%d%c);\n", d, 39, d, 39
	s = 42
	for (i = 1; i <= 10000; i++) {
		s = (s * 69069 + 1) % 4294967296
		r = int(s / 65536)
		printf "INSERT INTO emp VALUES(%d, %cname-%05d%c, %d, %d, %c2%03d-%02d-%02d%c);\n", \
			i, 39, r % 99991, 39, 1 + r % 12, 20000 + (r * 7) % 80000, \
			39, r % 25, 1 + r % 12, 1 + r % 28, 39
	}
	print "COMMIT;"
	print "CREATE INDEX emp_dept ON emp(dept, salary);"
	print "SELECT count(*), sum(salary), min(hired), max(hired) FROM emp;"
	print "SELECT d.name, count(*), sum(e.salary), round(avg(e.salary), 2)"
	print "  FROM emp e JOIN dept d ON d.id = e.dept GROUP BY d.id ORDER BY 3 DESC;"
	print "SELECT e.id, e.name, d.name, e.salary FROM emp e JOIN dept d ON d.id = e.dept"
	print "  WHERE e.salary > 90000 ORDER BY e.salary DESC, e.id LIMIT 15;"
	print "SELECT substr(hired, 1, 4) AS y, count(*) FROM emp GROUP BY y"
	print "  HAVING count(*) > 350 ORDER BY y;"
	print "SELECT name, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC)"
	print "  AS r FROM emp WHERE dept = 3 ORDER BY r, id LIMIT 5;"
	print "SELECT a.id, b.id FROM emp a JOIN emp b ON a.name = b.name AND a.id < b.id"
	print "  ORDER BY a.id LIMIT 10;"
	print "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500)"
	print "  SELECT count(*), sum(x * x) FROM n JOIN emp ON emp.id = n.x * 17;"
	print "UPDATE emp SET salary = salary + 100 WHERE dept IN (2, 4, 6);"
	print "DELETE FROM emp WHERE id % 10 = 0;"
	print "SELECT dept, count(*), sum(salary) FROM emp GROUP BY dept ORDER BY dept;"
	print "PRAGMA integrity_check;"
}' >"$IN/db.sql"

if have sqlite3; then
	run_pair -d 'sqlite3*' sqlite3 sqlite3 -batch -bail test.db ".read $IN/db.sql"
	# The database file holds no time or pid: the same pages, byte for byte.
	same_file sqlite3 test.db
	run_pair -d 'sqlite3*' sqlite3-reopen sqlite3 -batch test.db \
		'SELECT count(*), sum(salary) FROM emp; SELECT * FROM emp ORDER BY id DESC LIMIT 3;'
	run_pair -x 1 sqlite3-error sqlite3 -batch test.db 'SELECT * FROM no_such_table;'
else
	skip "sqlite3: not installed"
fi

# ---- gcc ---------------------------------------------------------------------

# A generated C program with real content: many functions, a table of
# pointers to them, qsort, a hash table and a linked list on the heap.
{
	cat <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; char key[16]; unsigned long val; };

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}
EOF
	for i in $(seq 0 79); do
		printf 'static unsigned long fn%d(unsigned long x)\n{\n' "$i"
		printf '\tfor (int k = 0; k < %d; k++)\n' $((i % 7 + 3))
		printf '\t\tx = (x ^ (x >> %d)) * %dUL + %d;\n\treturn x;\n}\n' \
			$((i % 13 + 1)) $((i * 2 + 3)) "$i"
	done
	printf 'static unsigned long (*const fns[])(unsigned long) = {\n'
	for i in $(seq 0 79); do printf '\tfn%d,\n' "$i"; done
	printf '};\n'
	cat <<'EOF'

int main(void)
{
	enum { N = 20000, BUCKETS = 1024 };
	unsigned long *v = malloc(N * sizeof(*v)), sum = 0;
	struct node **tab = calloc(BUCKETS, sizeof(*tab));
	size_t nf = sizeof(fns) / sizeof(fns[0]), used = 0, longest = 0;

	if (v == NULL || tab == NULL)
		return 1;
	for (int i = 0; i < N; i++)
		v[i] = fns[i % nf](i);
	qsort(v, N, sizeof(*v), cmp_ul);
	for (int i = 0; i < N; i++) {
		struct node *n = malloc(sizeof(*n));
		if (n == NULL)
			return 1;
		snprintf(n->key, sizeof(n->key), "%lx", v[i] % 65536);
		n->val = v[i];
		unsigned b = hash(n->key) % BUCKETS;
		n->next = tab[b];
		tab[b] = n;
	}
	for (int b = 0; b < BUCKETS; b++) {
		size_t len = 0;
		for (struct node *n = tab[b], *next; n != NULL; n = next, len++) {
			next = n->next;
			sum += n->val % 1000003;
			free(n);
		}
		used += len > 0;
		longest = len > longest ? len : longest;
	}
	printf("min %lu max %lu median %lu\n", v[0], v[N - 1], v[N / 2]);
	printf("sum %lu buckets %zu longest %zu\n", sum, used, longest);
	free(tab);
	free(v);
	return 0;
}
EOF
} >"$IN/prog.c"

if have gcc; then
	in_both cp "$IN/prog.c" prog.c
	# The driver runs cc1 and as: every process is traced and dumps.
	run_pair -d '*gcc* cc1.* *as.*' gcc-compile gcc -O2 -c prog.c -o prog.o
	# gcc is deterministic: the object must not change by one byte.
	same_file gcc-compile prog.o
	run_pair -d '*gcc* collect2.* *ld*' gcc-link gcc -o prog prog.o
	same_file gcc-link prog
	run_pair -d 'prog.*' gcc-run ./prog
	run_pair -x 1 gcc-error gcc -c "$IN/no-such-file.c" -o never.o
else
	skip "gcc: not installed"
fi


# ---- make --------------------------------------------------------------------

# A generated project of a few C files, a header and a static library,
# built by make running gcc, ar and the program it built; then a rebuild
# after one object is made older than its source (only what depends on it
# is rebuilt), a dry run, and a failing target.  -j2: make's job server and its children
# run in parallel under the library.
gen_project() {
	local i
	mkdir -p proj
	printf 'int part%d(int x);\n' 1 2 3 4 >proj/parts.h
	for i in 1 2 3 4; do
		printf '#include "parts.h"\nint part%d(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * %d %% 7; return s; }\n' \
			"$i" "$i" >"proj/part$i.c"
	done
	cat >proj/main.c <<'EOF'
#include <stdio.h>
#include "parts.h"
int main(void)
{
	printf("%d %d %d %d\n", part1(100), part2(200), part3(300), part4(400));
	return 0;
}
EOF
	cat >proj/Makefile <<'EOF'
CFLAGS = -O1
OBJS = part1.o part2.o part3.o part4.o
all: prog
	./prog > result.txt
	cat result.txt
prog: main.o libparts.a
	$(CC) -o $@ main.o libparts.a
libparts.a: $(OBJS)
	ar rcD $@ $(OBJS)
%.o: %.c parts.h
	$(CC) $(CFLAGS) -c $< -o $@
fail:
	@echo about to fail
	@false
clean:
	rm -f *.o *.a prog result.txt
.PHONY: all fail clean
EOF
}

if have make && have gcc; then
	in_both gen_project
	# -s: the jobs of -j2 print nothing whose order could vary.
	run_pair -d 'make.* cc1.* *as.*' make-build make -s -C proj -j2 --no-print-directory all
	same_file make-build proj/result.txt
	same_file make-build proj/prog
	# part3.o made older than its source: only it, the library and prog are rebuilt.
	in_both touch -d '2001-01-01' proj/part3.o
	run_pair -d 'make.*' make-rebuild make -C proj --no-print-directory all
	run_pair -d 'make.*' make-dry-run make -n -C proj --no-print-directory clean all
	run_pair -x 2 -d 'make.*' make-fail make -C proj --no-print-directory fail
else
	skip "make: make or gcc not installed"
fi

# ---- curl --------------------------------------------------------------------

# curl reading local files through file:// URLs: a whole file, a byte
# range, several URLs in one run with --write-out, a missing file.
if have curl; then
	run_pair -d 'curl.*' curl-file curl -sS "file://$IN/words.txt"
	run_pair -d 'curl.*' curl-range curl -sS -r 1000-1999 "file://$IN/words.txt"
	run_pair -d 'curl.*' curl-many curl -sS -w '%{size_download} %{url_effective}\n' \
		-o /dev/null "file://$IN/words.txt" -o /dev/null "file://$IN/db.sql"
	run_pair -x 37 -d 'curl.*' curl-missing curl -sS "file://$IN/no-such-file"
else
	skip "curl: not installed"
fi

# ---- node --------------------------------------------------------------------

cat >"$IN/work.js" <<'EOF'
// JSON, Maps and Sets, sorting, regexes, Buffers, zlib, a hash, promises,
// a worker thread and a child process, over the generated words.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const crypto = require('crypto');
const { Worker } = require('worker_threads');
const { execFileSync } = require('child_process');

const text = fs.readFileSync(process.argv[2], 'utf8');
const words = text.split(/\s+/).filter(Boolean);
console.log('words', words.length);
const counts = new Map();
for (const w of words) counts.set(w, (counts.get(w) || 0) + 1);
const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 8);
console.log('top', JSON.stringify(top));
const recs = words.map((w, i) => ({ i, w, len: w.length, set: [...new Set(w)].sort() }));
const back = JSON.parse(JSON.stringify(recs));
console.log('json', back.length, back[777].w, back[back.length - 1].set.join(''));
const hits = text.match(/\b([bcd])([aeiou])\w*\2\b/g) || [];
console.log('regex', hits.length, hits.slice(0, 5).join(' '));
const gz = zlib.gzipSync(Buffer.from(text));
console.log('zlib', zlib.gunzipSync(gz).toString() === text);
console.log('sha256', crypto.createHash('sha256').update(text).digest('hex'));
const big = [];
for (let i = 0; i < 200000; i++) big.push({ k: (i * 7919) % 1000003, v: String(i) });
big.sort((a, b) => a.k - b.k);
console.log('big', big[0].v, big[big.length - 1].v);
const child = execFileSync(process.execPath, ['-e', 'console.log(6 * 7)']).toString().trim();
console.log('child', child);
new Promise((resolve) => setTimeout(resolve, 10)).then(() => {
  const w = new Worker('const { parentPort } = require("worker_threads");' +
    'let s = 0; for (let i = 0; i < 1e6; i++) s = (s + i * i) % 1000003;' +
    'parentPort.postMessage(s);', { eval: true });
  w.on('message', (m) => console.log('worker', m));
  w.on('exit', (c) => { console.log('worker exit', c); process.exitCode = 4; });
});
EOF

NODE=
for n in nodejs node; do
	if have $n; then NODE=$(command -v $n); break; fi
done
if [ -n "$NODE" ]; then
	# Two processes: the script and its child.
	run_pair -x 4 -m 2 node "$NODE" "$IN/work.js" "$IN/words.txt"
	run_pair -x 1 node-throw "$NODE" -e 'console.log("before"); throw new Error("thrown")'
else
	skip "node: not installed"
fi

done_testing
