#!/bin/bash
# tests/real/gate-programs.sh - the leak gate on real programs nobody here
# wrote: python3, perl, git, sqlite3 and gcc (driver, cc1, as, collect2 and
# ld as separate processes), each run plainly, under `tether check --json`
# and under `valgrind --leak-check=full --trace-children=yes`, in three
# sandboxes with identical contents.  Processes are matched between the two
# tools by command line (argv[0] by basename, gcc's random temporary file
# names made alike), and for each one:
#   - tether's definitely lost bytes and blocks equal memcheck's;
#   - its indirectly lost bytes and blocks equal memcheck's too;
#   - both tools saw the same processes;
# and for each run: the gate fails (23) exactly when memcheck finds
# definitely or indirectly lost memory in some process, and otherwise exits
# with the program's status; stdout is the plain run's, byte for byte.
#
# Valgrind is 50-70 times slower than a plain run: the inputs are small.
# Programs that are not installed are skipped, and the whole test without
# valgrind.
set -u

. "$top_srcdir/tests/lib/tap.sh"

if [ ! -f "$LIBTETHER" ]; then
	not_ok "libtether.so exists at $LIBTETHER"
	done_testing
fi
VG=${VALGRIND:-}
[ -n "$VG" ] || VG=$(command -v valgrind || echo no)
if [ "$VG" = no ] || ! "$VG" --version >/dev/null 2>&1; then
	skip_all "valgrind not installed"
fi

# The same neutral environment as real-programs.sh.
. "$top_srcdir/tests/lib/neutral_env.sh"

PLAIN="$T/plain" CHECK="$T/check" MEMCHECK="$T/memcheck"
mkdir -p "$PLAIN" "$CHECK" "$MEMCHECK" "$TMPDIR" "$T/out"

# Valgrind's start-up alone takes seconds; a hang must still fail the test.
LIMIT=120

have() { command -v "$1" >/dev/null 2>&1; }

# in_all COMMAND...: an untraced setup step applied to the three sandboxes.
in_all() {
	(cd "$PLAIN" && "$@") && (cd "$CHECK" && "$@") && (cd "$MEMCHECK" && "$@")
}

# The per-process sums of both tools, matched by command line: one line a
# process, "COMMAND<TAB>tether d-bytes d-blocks i-bytes i-blocks<TAB>memcheck
# the same", "-" for a process one tool did not see.
cat >"$T/match.py" <<'EOF'
import glob, json, os, re, sys

def norm(words):
    words = list(words)
    if words:
        words[0] = os.path.basename(words[0])
    line = " ".join(words)
    return re.sub(r"/cc[A-Za-z0-9]{6}\.", "/ccXXXXXX.", line)

def num(s):
    return int(s.replace(",", ""))

tether = {}
for p in json.load(open(sys.argv[1]))["processes"]:
    s = p["summary"]
    tether.setdefault(norm(p["command"]), []).append("%d %d %d %d" % (
        s["definite"]["bytes"], s["definite"]["blocks"],
        s["indirect"]["bytes"], s["indirect"]["blocks"]))

memcheck = {}
for f in sorted(glob.glob(os.path.join(sys.argv[2], "*"))):
    cmd, sums = None, {"definitely": "0 0", "indirectly": "0 0"}
    done = False
    for line in open(f, errors="replace"):
        m = re.match(r"==\d+== Command: (.*)$", line)
        if m and cmd is None:
            # Words apart by unescaped spaces; a backslash escapes the next.
            cmd = [re.sub(r"\\(.)", r"\1", w)
                   for w in re.findall(r"(?:\\.|[^ ])+", m.group(1))]
        m = re.search(r"(definitely|indirectly) lost: ([\d,]+) bytes in ([\d,]+) blocks", line)
        if m:
            sums[m.group(1)] = "%d %d" % (num(m.group(2)), num(m.group(3)))
        done |= "LEAK SUMMARY" in line or "All heap blocks were freed" in line
    if cmd is not None and done:
        memcheck.setdefault(norm(cmd), []).append(
            sums["definitely"] + " " + sums["indirectly"])

for cmd in sorted(set(tether) | set(memcheck)):
    t, v = tether.get(cmd, []), memcheck.get(cmd, [])
    for i in range(max(len(t), len(v))):
        print("%s\t%s\t%s" % (cmd, t[i] if i < len(t) else "-",
                              v[i] if i < len(v) else "-"))
EOF

# Differences known and explained: "NAME|COMMAND GLOB|KIND" -> the figures
# "tether-bytes tether-blocks memcheck-bytes memcheck-blocks" and why.
# None at present.  The one this test found, gcc's driver with 4 bytes in 1
# block indirectly lost by tether and 20 in 2 by memcheck, was a stale
# pointer in tether's own, not yet written stack slots keeping a block
# reachable; the library now zeroes that stack before it scans
# (tt_leak_scrub_stack in lib/leak_check.c).
declare -A known=()
declare -A known_why=()

# gate_pair [-x STATUS] NAME COMMAND...: COMMAND plainly, under tether check
# and under memcheck; the assertions above.
gate_pair() {
	local status=0 name o fails=$tap_fail
	if [ "$1" = -x ]; then
		status=$2
		shift 2
	fi
	name=$1
	shift
	o="$T/out/$name"
	mkdir -p "$o/vg"

	(cd "$PLAIN" && timeout -k 5 "$LIMIT" "$@" </dev/null >"$o/out.plain" 2>"$o/err.plain")
	echo $? >"$o/rc.plain"
	(cd "$CHECK" && timeout -k 5 "$LIMIT" "$TETHER" check --json "$o/v.json" -- "$@" \
		</dev/null >"$o/out.check" 2>"$o/err.check")
	echo $? >"$o/rc.check"
	(cd "$MEMCHECK" && timeout -k 5 "$LIMIT" "$VG" --leak-check=full --trace-children=yes \
		--log-file="$o/vg/%p" "$@" </dev/null >"$o/out.memcheck" 2>"$o/err.memcheck")
	echo $? >"$o/rc.memcheck"

	local rc_plain rc_check rc_vg
	rc_plain=$(cat "$o/rc.plain") rc_check=$(cat "$o/rc.check") rc_vg=$(cat "$o/rc.memcheck")
	check_eq "$name: plain run exits $status" "$status" "$rc_plain"
	check_eq "$name: memcheck run exits as the plain one" "$rc_plain" "$rc_vg"
	if cmp -s "$o/out.plain" "$o/out.check"; then
		ok "$name: same stdout under tether check ($(wc -c <"$o/out.plain") bytes)"
	else
		not_ok "$name: same stdout under tether check"
		diff -u "$o/out.plain" "$o/out.check" | head -20 | sed 's/^/#   /'
	fi
	if [ ! -s "$o/v.json" ]; then
		not_ok "$name: tether check wrote its JSON verdict"
		sed 's/^/#   /' "$o/err.check" | head -20
		return 1
	fi

	python3 "$T/match.py" "$o/v.json" "$o/vg" >"$o/procs"
	local cmd t v lost=0 nproc=0 k key
	while IFS=$'\t' read -r cmd t v; do
		nproc=$((nproc + 1))
		if [ "$t" = - ] || [ "$v" = - ]; then
			not_ok "$name: [$cmd] seen by both tools"
			diag "tether: $t" "memcheck: $v"
			continue
		fi
		read -r td tdn ti tin <<<"$t"
		read -r vd vdn vi vin <<<"$v"
		[ "$vd" -eq 0 ] && [ "$vi" -eq 0 ] || lost=1
		for k in definite indirect; do
			local tv vv
			if [ $k = definite ]; then tv="$td $tdn" vv="$vd $vdn"; else tv="$ti $tin" vv="$vi $vin"; fi
			key=
			for g in "${!known[@]}"; do
				# shellcheck disable=SC2053
				[[ "$name|$cmd|$k" == $g ]] && key=$g
			done
			if [ -n "$key" ]; then
				check_eq "$name: [$cmd] $k: tether $tv, memcheck $vv, as explained: ${known_why[$key]}" \
					"${known[$key]}" "$tv $vv"
			else
				check_eq "$name: [$cmd] $k lost: as memcheck ($vv)" "$vv" "$tv"
			fi
		done
	done <"$o/procs"
	if [ "$nproc" -eq 0 ]; then
		not_ok "$name: some process was checked"
		sed 's/^/#   /' "$o/err.check" | head -20
	fi
	diag "$name: $nproc process(es), definite and indirect bytes blocks by tether | by memcheck:"
	awk -F '\t' '{ printf "  %s | %s  %.110s\n", $2, $3, $1 }' "$o/procs" |
		while IFS= read -r l; do diag "$l"; done
	if [ "$lost" -eq 1 ]; then
		check_eq "$name: memcheck finds lost memory: the gate fails" 23 "$rc_check"
	else
		check_eq "$name: memcheck finds none: the gate passes with the program's status" \
			"$rc_plain" "$rc_check"
	fi
	[ "$rc_check" = 23 ] || [ "$rc_check" = "$rc_plain" ] ||
		sed 's/^/#   /' "$o/err.check" | tail -20
	[ "$tap_fail" -eq "$fails" ]
}

# ---- python3 -----------------------------------------------------------------

# The real interpreter, not a version-manager shim.
PY=/usr/bin/python3
if [ -x "$PY" ]; then
	# One line each: memcheck prints a command line up to its first newline.
	gate_pair python3 "$PY" -c 'import collections, json, re; words = ("ba ce di fo gu " * 200).split(); c = collections.Counter(w[::-1] for w in words); print(json.dumps(sorted(c.items())), len(re.findall(r"[aeiou]", " ".join(words))))'
	gate_pair -x 3 python3-exit3 "$PY" -c 'import sys; print("bye"); sys.exit(3)'
else
	skip "python3: $PY not installed"
fi

# ---- perl --------------------------------------------------------------------

if have perl; then
	gate_pair perl perl -e 'my %h; $h{$_ * 7 % 1000} .= "x" x ($_ % 5) for 1 .. 2000; my @k = sort { $a <=> $b } keys %h; (my $s = join(",", @k[0 .. 9])) =~ s/(\d+)/<$1>/g; printf "%d %s %d\n", scalar @k, $s, length join "", values %h;'
else
	skip "perl: not installed"
fi

# ---- git ---------------------------------------------------------------------

# The same repository in every sandbox, made plainly under fixed dates and
# identity: the same object names.
gen_repo() {
	local G=(git -c user.name=t -c user.email=t@t -c init.defaultBranch=main -C repo)
	git -c init.defaultBranch=main init -q repo &&
		for c in 1 2 3; do
			for i in 1 2 3 4 5; do
				seq "$c" "$i" 60 >"repo/f$i.txt"
			done
			"${G[@]}" add -A && "${G[@]}" commit -q -m "commit $c" || return 1
		done
}

if have git; then
	in_all gen_repo
	gate_pair git-log git -C repo log --stat
	gate_pair git-diff git -C repo diff HEAD~2 -- f3.txt
	gate_pair -x 128 git-bad-ref git -C repo log no-such-ref
else
	skip "git: not installed"
fi

# ---- sqlite3 -----------------------------------------------------------------

gen_db() {
	awk 'BEGIN {
		print "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v INTEGER);"
		print "BEGIN;"
		for (i = 1; i <= 300; i++)
			printf "INSERT INTO t VALUES(%d, %cn%d%c, %d);\n", i, 39, i % 37, 39, (i * 7919) % 1000
		print "COMMIT;"
		print "CREATE INDEX t_name ON t(name);"
	}' | sqlite3 -batch test.db
}

if have sqlite3; then
	in_all gen_db
	gate_pair sqlite3 sqlite3 -batch test.db \
		'SELECT name, count(*), sum(v) FROM t GROUP BY name ORDER BY 3 DESC LIMIT 5; SELECT max(v) FROM t;'
	gate_pair -x 1 sqlite3-error sqlite3 -batch test.db 'SELECT * FROM no_such_table;'
else
	skip "sqlite3: not installed"
fi

# ---- gcc ---------------------------------------------------------------------

gen_c() {
	cat >m.c <<'EOF'
#include <stdio.h>

static int sq(int x) { return x * x; }

int main(void)
{
	int s = 0;

	for (int i = 0; i < 10; i++)
		s += sq(i);
	printf("%d\n", s);
	return 0;
}
EOF
}

if have gcc; then
	in_all gen_c
	# The driver runs cc1 and as: three processes.
	gate_pair gcc-compile gcc -c m.c -o m.o
	# And collect2, which runs ld.
	gate_pair gcc-link gcc -o m m.o
else
	skip "gcc: not installed"
fi

done_testing
