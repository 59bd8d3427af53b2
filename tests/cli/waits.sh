#!/bin/bash
# waits.sh - waits are measured where they happen: a 300 ms contended mutex
# and a 300 ms sleep are kept as long waits with their stacks, and appear in
# the block and mutex profiles with their delay, in text, JSON and pprof.
set -u
. "$top_srcdir/tests/lib/tap.sh"
S="$top_srcdir/tests/workloads/waits.c"

TETHER_LONG_WAIT=100ms "$TETHER" run -o "$T/d" -- "$WL/waits" > "$T/out"
check_eq "waits runs as usual" "waits done" "$(cat "$T/out")"
"$TETHER" report --type threads --format json -o "$T/t.json" "$T/d"

# long CALL MARKER: "seconds" of the long wait in CALL whose innermost frame
# is at the marked line, or "none".
long() {
	python3 -c '
import json, os, sys
r = json.load(open(sys.argv[1]))["processes"][0]["long_waits"]
w = [w for w in r if w["call"] == sys.argv[2] and w["frames"]
     and os.path.basename(w["frames"][0]["file"] or "") == "waits.c"
     and w["frames"][0]["line"] == int(sys.argv[3])]
print("%.1f" % w[0]["seconds"] if w else "none")' "$T/t.json" "$1" "$(line_of "$2" "$S")"
}
in_range() { python3 -c "import sys; sys.exit(not $2 <= float('$1') <= $3)" 2>/dev/null; }

v=$(long usleep holder_sleep)
check "long wait: the holder's 300 ms usleep at its line ($v s)" in_range "$v" 0.2 5
v=$(long pthread_mutex_lock contended_lock)
check "long wait: the waiter's contended lock at its line ($v s)" in_range "$v" 0.2 5
v=$(long pthread_join join_holder)
check "long wait: main's join of the holder ($v s)" in_range "$v" 0.2 5
"$TETHER" report --type threads "$T/d" > "$T/t.txt"
check_grep "text: long waits listed with their stack" "^    #0 waiter_main \(waits.c:$(line_of contended_lock "$S")\)$" "$T/t.txt"

"$TETHER" report --type mutex --format json -o "$T/m.json" "$T/d"
# mutex CALL: "waits delay_ns function:line" of the profile entry for CALL
mutex() {
	python3 -c '
import json, sys
st = [s for s in json.load(open(sys.argv[1]))["processes"][0]["stacks"] if s["call"] == sys.argv[2]]
print("%d %d %s:%d" % (len(st) and st[0]["waits"], len(st) and st[0]["delay_ns"],
      st[0]["frames"][0]["function"] if st else "none", st[0]["frames"][0]["line"] if st else 0))' "$T/m.json" "$1"
}
check_eq "mutex profile: only mutex entries" 2 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"][0]["stacks"]))' "$T/m.json")"
read -r waits delay where <<< "$(mutex pthread_mutex_lock)"
check_eq "mutex profile: one contended acquisition, in waiter_main" "1 waiter_main:$(line_of contended_lock "$S")" "$waits $where"
check "mutex profile: about 300 ms of delay ($delay ns)" in_range "$delay" 2e8 5e9
read -r waits delay where <<< "$(mutex "held while others waited")"
check_eq "mutex profile: the holder charged at its unlock" "1 holder_main:$(line_of holder_unlock "$S")" "$waits $where"
check "mutex profile: with the waiter's 300 ms ($delay ns)" in_range "$delay" 2e8 5e9

"$TETHER" report --type block "$T/d" > "$T/b.txt"
check_grep "block profile: the usleep" "^    #0 usleep$" "$T/b.txt"
check_grep "block profile: the join" "^    #0 pthread_join$" "$T/b.txt"

"$TETHER" report --type mutex --format pprof -o "$T/m.pb.gz" "$T/d"
check_eq "mutex pprof written" 0 $?
if [ -n "${GO:-}" ] && [ "$GO" != no ]; then
	export HOME="$T" GOCACHE="$T/gocache"
	"$GO" tool pprof -symbolize=none -raw "$T/m.pb.gz" > "$T/raw" 2>/dev/null
	check_grep "go tool pprof: contentions/count delay/nanoseconds" "contentions/count delay/nanoseconds" "$T/raw"
	"$GO" tool pprof -symbolize=none -top -sample_index=delay "$T/m.pb.gz" > "$T/top" 2>/dev/null
	check_grep "go tool pprof -top: the waiter" "waiter_main" "$T/top"
else
	skip "go tool pprof not installed"
	skip "go tool pprof not installed"
fi

TETHER_LONG_WAIT=later "$TETHER" run -o "$T/x" -- "$WL/waits" 2> "$T/err"
check_eq "bad TETHER_LONG_WAIT: exit 2" 2 $?
check_grep "names the accepted forms" "TETHER_LONG_WAIT=later: expected a duration with its unit" "$T/err"

done_testing
