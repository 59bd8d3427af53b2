#!/bin/sh
# tests/cli/lifetimes.sh - lifetimes, temporaries, cross-thread frees,
# orphans and verdicts, exact on tests/workloads/lifetimes.c.
. "$top_srcdir/tests/lib/tap.sh"
SRC="$top_srcdir/tests/workloads/lifetimes.c"
P="$WL/lifetimes"

# field REPORT MARKER KEY: KEY summed over the sites at the marked line.
field() {
	python3 - "$1" "lifetimes.c:$(line_of "$2" "$SRC")" "$3" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
f, l = sys.argv[2].rsplit(":", 1)
sites = r["processes"][0]["sites"] if "processes" in r else r["sites"]
sel = [s for s in sites if any(x["file"] and os.path.basename(x["file"]) == f and x["line"] == int(l) for x in s["frames"])]
k = sys.argv[3]
if k.startswith("bucket"):
    a, b = map(int, k[6:].split("-"))
    print(sum(sum(s["lifetime_buckets"][a:b + 1]) for s in sel))
elif k in ("verdict", "orphan_start_routine", "lost"):
    print(json.dumps([s[k] for s in sel][0] if sel else None))
else:
    print(sum(s[k] for s in sel))
PY
}

mkdir -p "$T/a" "$T/b" "$T/c"
"$TETHER" run -o "$T/a" -- "$P" life && "$TETHER" report --format json -o "$T/a.json" "$T/a"
check_eq "7 blocks freed at once are temporary" 7 "$(field "$T/a.json" temp temporary_blocks)"
check_eq "blocks freed after the thread allocated again are not" 0 "$(field "$T/a.json" notemp temporary_blocks)"
check_eq "the block allocated after them is" 5 "$(field "$T/a.json" after temporary_blocks)"
check_eq "short lives: @temp all below 2^24 ns" 7 "$(field "$T/a.json" temp bucket0-4)"
check_eq "short lives: @notemp all below 2^24 ns" 5 "$(field "$T/a.json" notemp bucket0-4)"
check_eq "3 blocks kept 400 ms in bucket 9 [2^28, 2^29) ns" 3 "$(field "$T/a.json" kept bucket9-9)"
check_eq "their median bound is 2^29 ns" 536870912 "$(field "$T/a.json" kept lifetime_median_ns)"
"$TETHER" report --older-than 1s --format json -o "$T/old.json" "$T/a"
check_eq "--older-than 1s lists the block kept 1.2 s" 1 "$(field "$T/old.json" old in_use_blocks)"
check_eq "--older-than 1s leaves out the young block" 0 "$(field "$T/old.json" young in_use_blocks)"

"$TETHER" run -o "$T/b" -- "$P" owner && "$TETHER" report --format json -o "$T/b.json" "$T/b"
check_eq "10 allocated by the producer" 10 "$(field "$T/b.json" prod alloc_blocks)"
check_eq "5 freed by main: cross-thread" 5 "$(field "$T/b.json" prod cross_thread_frees)"
check_eq "3 orphans left by the joined producer" 3 "$(field "$T/b.json" prod orphan_blocks)"
check_eq "the orphans' thread started at producer" '"producer"' "$(field "$T/b.json" prod orphan_start_routine)"
"$TETHER" report --format pprof --site-labels -o "$T/b.pb.gz" "$T/b"
if [ -n "${GO:-}" ] && command -v "$GO" >/dev/null 2>&1; then
	check "go tool pprof reads the labels" sh -c "'$GO' tool pprof -raw '$T/b.pb.gz' 2>&1 | grep -q cross_thread_frees"
	"$TETHER" report --format pprof -o "$T/plain.pb.gz" "$T/b"
	check "without --site-labels, no changing labels (pprof -base subtracts)" sh -c "! '$GO' tool pprof -raw '$T/plain.pb.gz' 2>&1 | grep -q cross_thread_frees"
else
	skip "go not found"
fi

TETHER_DUMP_SCAN=yes "$TETHER" run -o "$T/c" -- "$P" verdicts
rm -f "$T"/c/*.exit.tdump
"$TETHER" diff --format json -o "$T/c.json" "$T/c"
check_eq "the ring of 8 is cache-like" '"cache-like"' "$(field "$T/c.json" cache verdict)"
check_eq "the undrained queue is growing" '"growing"' "$(field "$T/c.json" queue verdict)"
check_eq "the dropped block is unreachable" '"unreachable"' "$(field "$T/c.json" lost verdict)"
check_eq "it was reachable at dump 2, lost by dump 3" \
	'[{"blocks": 1, "bytes": 200, "last_reachable_seq": 2, "first_lost_seq": 3}]' \
	"$(field "$T/c.json" lost lost)"
done_testing
