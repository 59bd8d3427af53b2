#!/bin/bash
# never_wake.sh - threads that can never wake: blocked on a lock, condition
# variable or semaphore that no thread able to run can reach, or joining
# such a thread.  Each thread of tests/workloads/never_wake.c gets the
# exact verdict (stuck or not), at exit under tether check and while the
# program runs (tether.h), with where it waits.
set -u
. "$top_srcdir/tests/lib/tap.sh"
S="$top_srcdir/tests/workloads/never_wake.c"
P="$WL/never_wake"

"$TETHER" check --json "$T/v.json" -- "$P" > "$T/out" 2> "$T/err"
check_eq "tether check fails: threads leaked" 23 $?
check_eq "the program's output is untouched" "all blocked" "$(cat "$T/out")"

# stuck NAME: the never_wakes verdict of thread NAME in the gate's JSON
stuck() {
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
t = [t for t in v["processes"][0]["threads"] if t["name"] == sys.argv[2]]
print(json.dumps(t[0]["never_wakes"]) if t else "missing")' "$T/v.json" "$1"
}
for t in orphan stacksem holder locker joiner; do
	check_eq "$t: can never wake" true "$(stuck $t)"
done
for t in kept published reader helped; do
	check_eq "$t: can wake (leaked only as never joined)" false "$(stuck $t)"
done
check_grep "text: a stuck thread is named so" \
	"^  thread [0-9]+ \"orphan\" \[pthread_cond_wait on 0x[0-9a-f]+, [0-9]+ ms\] created by start \(never_wake.c:[0-9]+\) LEAKED: can never wake$" "$T/err"
check_grep "text: a detached one too" "\"stacksem\" .*\(detached\) LEAKED: can never wake$" "$T/err"
check_grep "text: the others are leaked for not being joined" "\"kept\" .* LEAKED: never joined$" "$T/err"
check_grep "text: where the orphan waits, at its line" \
	"^        #1 chan_wait \(never_wake.c:$(line_of chan_wait "$S")\)$" "$T/err"
check_grep "text: where the stuck holder waits" \
	"^        #1 holder_main \(never_wake.c:$(line_of holder_wait "$S")\)$" "$T/err"
check_grep "text: the locker waits on the holder's mutex" \
	"^  thread [0-9]+ \"locker\" \[pthread_mutex_lock on 0x[0-9a-f]+ held by thread [0-9]+, " "$T/err"
check_grep "text: and the joiner at its join" \
	"^        #1 joiner_main \(never_wake.c:$(line_of joiner_wait "$S")\)$" "$T/err"
check_grep "summary: 9 leaked threads" "^SUMMARY: tether: .* 9 leaked threads$" "$T/err"

# While it runs: tether.h's check counts the 9 threads started since the
# mark (8 never joined, and the detached stacksem, which can never wake).
TETHER_TOOL="$TETHER" "$TETHER" run -o "$T/d" -- "$P" api > "$T/out" 2> "$T/err"
check_eq "api: the program exits 0" 0 $?
check_eq "api: tether_check counts 9 threads" "tether_check: 9" "$(cat "$T/out")"
check_grep "api: its report names the stuck threads" "\"joiner\" .* LEAKED: can never wake$" "$T/err"
check_grep "api: and only those as leaked, mid-run" "^tether: 5 threads leaked:$" "$T/err"

api=$(ls "$T"/d/*.api.tdump 2> /dev/null | head -1)
"$TETHER" report --type threads --format json -o "$T/t.json" "$api"
check_eq "report --type threads reads the api dump" 0 $?
check_eq "report: never_wakes and leaked for exactly the five, mid-run" \
	"holder joiner locker orphan stacksem" \
	"$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(sorted(t["name"] for t in r["processes"][0]["threads"] if t["never_wakes"] and t["leaked"])))' "$T/t.json")"
"$TETHER" report --type threads "$api" > "$T/t.txt"
check_grep "report text: 5 leaked in a dump taken while it runs" "10 threads \(9 blocked, 0 ended but not joined\), 5 leaked$" "$T/t.txt"
check_grep "report text: LEAKED: can never wake" "^thread [0-9]+ \"locker\" .* LEAKED: can never wake$" "$T/t.txt"

# A dump without a scan (tether run's exit dump) says nothing of it.
ex=$(ls "$T"/d/*.exit.tdump 2> /dev/null | head -1)
"$TETHER" report --type threads --format json -o "$T/x.json" "$ex"
check_eq "no scan, no never_wakes verdict" 0 \
	"$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(sum(t["never_wakes"] for t in r["processes"][0]["threads"]))' "$T/x.json")"

done_testing
