#!/bin/bash
# diff.sh - tether diff on real dumps of one run (tests/workloads/growth
# writes a dump with tether_dump() after each step): per-site growth
# between two dumps, a series with its leak suspects, the pprof profile of
# the growth against go tool pprof's own -base, and the refusals.
set -u
. "$top_srcdir/tests/lib/tap.sh"
SRC="$top_srcdir/tests/workloads/growth.c"
L_GROW=$(line_of grow "$SRC") L_STALL=$(line_of stall "$SRC") L_BUMP=$(line_of bump "$SRC")
L_SHRINK=$(line_of shrink "$SRC") L_STEADY=$(line_of steady "$SRC")

# dsite JSON FILE:LINE FIELD: FIELD of the one diff site with a frame there
# ("none" when no site has one, "many" when several do).
dsite() {
	python3 - "$@" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
f, l = sys.argv[2].rsplit(":", 1)
m = [s for s in r["sites"] if any(x["file"] and os.path.basename(x["file"]) == f
     and x["line"] == int(l) for x in s["frames"])]
print("none" if not m else "many" if len(m) > 1 else json.dumps(m[0][sys.argv[3]]))
PY
}
# jq_ JSON EXPR: a python expression on the document r.
jq_() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

"$TETHER" run -o "$T/d" -- "$WL/growth" 4 > /dev/null
check_eq "growth 4 writes 4 dumps (3 by tether_dump, 1 at exit)" "1.api 2.api 3.api 4.exit" \
	"$(ls "$T/d" | sed 's/^growth\.[0-9]*\.\(.*\)\.tdump$/\1/' | sort | tr '\n' ' ' | sed 's/ $//')"
A=$(ls "$T"/d/*.1.api.tdump) B=$(ls "$T"/d/*.4.exit.tdump)

# ---- two dumps: B minus A ----
"$TETHER" diff "$A" "$B" > "$T/ab.txt"
check_eq "diff A B exits 0" 0 $?
check_grep "the header names both dumps" "^tether diff: .*growth \(pid [0-9]+\), 2 dumps: #1 \(api, .*#4 \(exit" "$T/ab.txt"
check_grep "totals: 10,396 -> 13,796 bytes (+3,400)" "^in use: 10,396 -> 13,796 bytes in 9 -> 11 blocks \(\+3,400 bytes, \+2 blocks\)" "$T/ab.txt"
check_eq "largest growth first: grow's +3,000 bytes in 3 blocks, at growth.c:$L_GROW" \
	"+3,000 bytes, +3 blocks; in use: 1,000 -> 4,000 bytes in 1 -> 4 blocks|#1 grow (growth.c:$L_GROW)" \
	"$(awk 'NR==5{a=$0} NR==7{sub(/^ +/, ""); print a "|" $0}' "$T/ab.txt")"
check_grep "the shrinking site shows its loss" "^-600 bytes, -3 blocks; in use: 800 -> 200 bytes" "$T/ab.txt"
check "the unchanged site is not listed" bash -c "! grep -q 'growth.c:$L_STEADY' '$T/ab.txt'"

"$TETHER" diff --format json -o "$T/ab.json" "$A" "$B"
check_eq "diff --format json exits 0" 0 $?
check_eq "json: format tether-diff, 2 dumps #1 and #4" "tether-diff [1, 4]" \
	"$(jq_ "$T/ab.json" 'r["format"] + " " + str([d["seq"] for d in r["dumps"]])')"
check_eq "json: grow +3000 bytes, [1000, 4000]" "3000 [1000, 4000] [1, 4]" \
	"$(dsite "$T/ab.json" growth.c:$L_GROW growth_bytes) $(dsite "$T/ab.json" growth.c:$L_GROW in_use_bytes) $(dsite "$T/ab.json" growth.c:$L_GROW in_use_blocks)"
check_eq "json: stall +1000 bytes, [500, 1500]" "1000 [500, 1500]" \
	"$(dsite "$T/ab.json" growth.c:$L_STALL growth_bytes) $(dsite "$T/ab.json" growth.c:$L_STALL in_use_bytes)"
check_eq "json: shrink -600 bytes, [800, 200]" "-600 [800, 200]" \
	"$(dsite "$T/ab.json" growth.c:$L_SHRINK growth_bytes) $(dsite "$T/ab.json" growth.c:$L_SHRINK in_use_bytes)"
check_eq "json: steady 0, [4096, 4096]" "0 [4096, 4096]" \
	"$(dsite "$T/ab.json" growth.c:$L_STEADY growth_bytes) $(dsite "$T/ab.json" growth.c:$L_STEADY in_use_bytes)"
check_eq "json: sites largest growth first" "True" \
	"$(jq_ "$T/ab.json" 'all(a["growth_bytes"] >= b["growth_bytes"] for a, b in zip(r["sites"], r["sites"][1:]))')"
for f in "$A" "$B"; do
	"$TETHER" report --format json -o "$T/one.json" "$f"
	read -r iu ib _ <<< "$(q "$T/one.json" totals)"
	k=$([ "$f" = "$A" ] && echo 0 || echo 1)
	check_eq "json: dump $k's totals are tether report's ($iu bytes, $ib blocks)" "$iu $ib" \
		"$(jq_ "$T/ab.json" "r['dumps'][$k]['in_use_bytes'], r['dumps'][$k]['in_use_blocks']" | tr -d '(),')"
done
"$TETHER" diff "$B" "$A" > "$T/ba.txt"
check_grep "diff B A is A minus B: grow -3,000 bytes" "^-3,000 bytes, -3 blocks; in use: 4,000 -> 1,000" "$T/ba.txt"

# ---- a series: the directory, ordered by dump number ----
"$TETHER" diff --format json -o "$T/s.json" "$T/d"
check_eq "diff DIR exits 0" 0 $?
check_eq "series: the 4 dumps by number" "[1, 2, 3, 4]" "$(jq_ "$T/s.json" '[d["seq"] for d in r["dumps"]]')"
check_eq "series: grow's bytes at each dump, a leak suspect" "[1000, 2000, 3000, 4000] true" \
	"$(dsite "$T/s.json" growth.c:$L_GROW in_use_bytes) $(dsite "$T/s.json" growth.c:$L_GROW suspect)"
check_eq "series: stall grew, but not at dump 3: no suspect" "[500, 1000, 1000, 1500] false" \
	"$(dsite "$T/s.json" growth.c:$L_STALL in_use_bytes) $(dsite "$T/s.json" growth.c:$L_STALL suspect)"
check_eq "series: bump came and went" "[0, 700, 0, 0] false" \
	"$(dsite "$T/s.json" growth.c:$L_BUMP in_use_bytes) $(dsite "$T/s.json" growth.c:$L_BUMP suspect)"
check_eq "series: one suspect, listed first" "1 True" \
	"$(jq_ "$T/s.json" 'r["suspects"], r["sites"][0]["suspect"]' | tr -d '(),')"
"$TETHER" diff "$T/d" > "$T/s.txt"
check_grep "series text: 1 leak suspect" "; 1 leak suspect \(grew at every dump\)$" "$T/s.txt"
check_grep "series text: the suspect flagged with its bytes at each dump" \
	"^LEAK SUSPECT: \+3,000 bytes, \+3 blocks; in use: 1,000 -> 2,000 -> 3,000 -> 4,000 bytes" "$T/s.txt"
# Files given in any order are a series too, ordered by dump number.
"$TETHER" diff --format json -o "$T/s2.json" $(ls "$T"/d/*.tdump | sort -r)
check_eq "several files in reverse order: still by dump number" "[1, 2, 3, 4]" \
	"$(jq_ "$T/s2.json" '[d["seq"] for d in r["dumps"]]')"

# ---- pprof: the same as go tool pprof -base on the two reports' profiles ----
[ -n "${GO:-}" ] && [ "$GO" != no ] || GO=$(command -v go || true)
if [ -n "$GO" ]; then
	# From the first table row on; -traces lists traces of equal value in
	# sample order, so each trace becomes one line and they are sorted.
	traces() {
		sed -n '/^Showing\|^-----/,$p' |
			awk 'BEGIN { RS = "-----------[+]-+\n" } { gsub(/\n/, " | "); print }' | sort
	}
	export HOME="$T" GOPATH="$T/gopath" GOCACHE="$T/gocache" GOPROXY=off PPROF_TMPDIR="$T"
	"$TETHER" report --format pprof -o "$T/A.pb.gz" "$A"
	"$TETHER" report --format pprof -o "$T/B.pb.gz" "$B"
	"$TETHER" diff --format pprof -o "$T/growth.pb.gz" "$A" "$B"
	check_eq "diff --format pprof exits 0" 0 $?
	for si in inuse_space inuse_objects alloc_space alloc_objects; do
		for view in -top -traces; do
			"$GO" tool pprof -symbolize=none $view -sample_index=$si -nodecount=1000 \
				-base "$T/A.pb.gz" "$T/B.pb.gz" 2> /dev/null | traces > "$T/base"
			"$GO" tool pprof -symbolize=none $view -sample_index=$si -nodecount=1000 \
				"$T/growth.pb.gz" 2> "$T/pprof.err" | traces > "$T/ours"
			if [ -s "$T/ours" ] && cmp -s "$T/base" "$T/ours"; then
				ok "pprof $view $si: tether diff's profile = go tool pprof -base A B"
			else
				not_ok "pprof $view $si: tether diff's profile = go tool pprof -base A B"
				diff "$T/base" "$T/ours" | head -20 | sed 's/^/# /'
			fi
		done
	done
	"$GO" tool pprof -symbolize=none -top -sample_index=inuse_space "$T/growth.pb.gz" 2> /dev/null > "$T/top"
	check_grep "pprof: grow holds the 3000B of growth" "^ *3000B .* grow$" "$T/top"
else
	skip "go (golang-go) is not installed: go tool pprof unavailable"
fi

# ---- several processes of one program: allowed, with a note ----
"$TETHER" run -o "$T/p" -- "$WL/growth" 2 > /dev/null
"$TETHER" run -o "$T/p" -- "$WL/growth" 3 > /dev/null
P2=$(ls "$T"/p/*.2.exit.tdump) P3=$(ls "$T"/p/*.3.exit.tdump)
"$TETHER" diff --format json -o "$T/p.json" "$P2" "$P3" 2> "$T/p.err"
check_eq "two processes of one program: exit 0" 0 $?
check_grep "with a note naming both pids" "note: the dumps are of several processes of .*growth \(pids [0-9]+, [0-9]+\)" "$T/p.err"
check_eq "sites matched across processes: grow 2000 -> 3000, one site" "[2000, 3000] true" \
	"$(dsite "$T/p.json" growth.c:$L_GROW in_use_bytes) $(jq_ "$T/p.json" 'str(r["several_processes"]).lower()')"
pid3=$(jq_ "$T/p.json" 'r["dumps"][1]["pid"]')
"$TETHER" diff --pid "$pid3" --format json -o "$T/pid.json" "$T/p"
check_eq "--pid keeps one process's dumps (#1, #2, #3)" "[1, 2, 3]" "$(jq_ "$T/pid.json" '[d["seq"] for d in r["dumps"]]')"

# ---- refusals ----
"$TETHER" run -o "$T/other" -- "$WL/alloc_known" > /dev/null
"$TETHER" diff "$A" "$T"/other/*.tdump > /dev/null 2> "$T/err"
check_eq "dumps of different programs: exit 1" 1 $?
check_grep "... naming both dumps and programs" "growth\.[0-9]+\.1\.api\.tdump is a dump of .*/growth \(build id [0-9a-f]+\), .*alloc_known\.[0-9.]+exit\.tdump of .*/alloc_known .*expected dumps of one program" "$T/err"
"$TETHER" diff "$A" > /dev/null 2> "$T/err"
check_eq "one dump: exit 1" 1 $?
check_grep "... saying two are needed" "only one dump; tether diff compares two or more" "$T/err"
"$TETHER" diff --pid 999999999 "$T/d" > /dev/null 2> "$T/err"
check_eq "--pid of no dump: exit 1" 1 $?
check_grep "... naming the pid" "no dump of pid 999999999" "$T/err"
"$TETHER" diff --pid abc "$T/d" > /dev/null 2> "$T/err"
check_eq "--pid abc: exit 2" 2 $?
check_grep "... naming the value" "--pid expects a process id \(a positive number\): abc" "$T/err"
"$TETHER" diff --top -1 "$T/d" > /dev/null 2> "$T/err"
check_eq "--top -1: exit 2" 2 $?
"$TETHER" diff --format svg "$T/d" > /dev/null 2> "$T/err"
check_grep "--format svg: refused, naming it" "unknown format \(expected text, json or pprof\): svg" "$T/err"
"$TETHER" diff > /dev/null 2> "$T/err"
check_eq "no dumps: exit 2" 2 $?
printf 'TETHERDP\002\000' > "$T/v2.tdump"
"$TETHER" diff "$A" "$T/v2.tdump" > /dev/null 2> "$T/err"
check_eq "a dump of another format major version: exit 1" 1 $?
check_grep "... naming the file" "v2\.tdump" "$T/err"

done_testing
