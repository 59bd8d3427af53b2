#!/bin/bash
# check.sh - tether check, the leak gate: exact verdicts at exact lines,
# the exit status it promises, suppressions, JSON and JUnit verdicts, the
# in-test checks of tether.h, a verdict for each exec'd image, and clear
# errors.
set -u
. "$top_srcdir/tests/lib/tap.sh"
S="$top_srcdir/tests/workloads/gate.c"
G="$WL/gate"

"$TETHER" check -- "$G" clean > "$T/out" 2> "$T/err"
check_eq "a clean run passes with the program's status" 0 $?
check_eq "the program's output is untouched" "clean" "$(cat "$T/out")"
check_grep "the summary says it passes" "^SUMMARY: tether: 0 bytes definitely lost.*\(passes\)$" "$T/err"

"$TETHER" check --json "$T/v.json" --junit "$T/v.xml" -- "$G" leak > "$T/out" 2> "$T/err"
check_eq "a leaking run fails with status 23" 23 $?
check_eq "and its output is untouched" "leaked" "$(cat "$T/out")"
check_grep "definite leaks are reported" "^tether: 132 bytes in 2 blocks definitely lost in 2 places" "$T/err"
check_grep "at the line that lost them" "lose \(gate.c:$(line_of lose "$S")\)" "$T/err"
check_grep "the list head carries its lost nodes" "32 bytes in 1 blocks \(and 64 bytes indirectly lost through them\)" "$T/err"
check_grep "the leaked thread is named with its creation site" "thread 2 \"gate\" \[pause, .*\] created by main \(gate.c:$(line_of thread "$S")\)" "$T/err"

# j EXPR: a value from the JSON verdict of the first process
j() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/v.json" "$1"; }
check_eq "json: the verdict is fail" "fail" "$(j 'v["verdict"]')"
check_eq "json: definite bytes and blocks" "132 2" "$(j '"%d %d" % (v["processes"][0]["summary"]["definite"]["bytes"], v["processes"][0]["summary"]["definite"]["blocks"])')"
check_eq "json: indirect bytes and blocks" "64 2" "$(j '"%d %d" % (v["processes"][0]["summary"]["indirect"]["bytes"], v["processes"][0]["summary"]["indirect"]["blocks"])')"
check_eq "json: the global keeps 200 bytes reachable" "200" "$(j 'v["processes"][0]["summary"]["reachable"]["bytes"]')"
check_eq "json: one leaked thread" "1" "$(j 'v["processes"][0]["summary"]["leaked_threads"]')"
check_eq "json: the scan's duration is a number of seconds" "ok" "$(j '"ok" if isinstance(v["processes"][0]["scan_seconds"], float) and 0 < v["processes"][0]["scan_seconds"] < 60 else repr(v["processes"][0].get("scan_seconds"))')"
check_eq "json: the 100-byte site's top frame is lose at its line" "lose:$(line_of lose "$S")" \
	"$(j '[ "%s:%d" % (l["stack"][0]["function"], l["stack"][0]["line"]) for l in v["processes"][0]["leaks"] if l["bytes"] == 100][0]')"
check_eq "junit: 5 failures: the process, 2 definite sites, 1 indirect site, 1 thread" "5" \
	"$(python3 -c 'import sys, xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(r.get("failures"))' "$T/v.xml")"
check_eq "junit: a failed test case names the lost site" "1" \
	"$(python3 -c 'import sys, xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(sum(1 for c in r.iter("testcase") if "lose (gate.c" in c.get("name") and c.find("failure") is not None))' "$T/v.xml")"

"$TETHER" check --show-reachable -- "$G" leak > /dev/null 2> "$T/err"
check_grep "--show-reachable says a global holds the kept block" "held by: global kept \(gate\) -> main \(gate.c:$(line_of keep "$S")\)" "$T/err"

"$TETHER" check --fail-on none -- "$G" leak > /dev/null 2>&1
check_eq "--fail-on none passes with the program's status" 0 $?
"$TETHER" check --fail-on threads --exit-code 7 -- "$G" leak > /dev/null 2>&1
check_eq "--fail-on threads --exit-code 7 fails with 7" 7 $?
"$TETHER" check --fail-on definite --min-bytes 133 -- "$G" leak > /dev/null 2>&1
check_eq "--min-bytes above the 132 lost bytes passes" 0 $?

"$TETHER" check --print-suppressions -- "$G" leak > /dev/null 2> "$T/err"
sed -n '/^tether: suppressions for what failed:/,$p' "$T/err" | tail -n +2 > "$T/supp"
check_grep "--print-suppressions gives a leak: entry for each site" "^leak:lose$" "$T/supp"
check_grep "and a thread: entry for the thread" "^thread:sleeper$" "$T/supp"
"$TETHER" check -s "$T/supp" -- "$G" leak > /dev/null 2> "$T/err"
check_eq "with those suppressions the run passes" 0 $?
check_grep "the report counts what was suppressed" "^tether: suppressed: 196 bytes in 4 blocks, 1 thread$" "$T/err"

printf 'leak:ok\nbogus:x\n' > "$T/bad.supp"
"$TETHER" check -s "$T/bad.supp" -- "$G" clean > /dev/null 2> "$T/err"
check_eq "a malformed suppression file is a usage error" 2 $?
check_grep "naming the file and line" "bad.supp:2: " "$T/err"
"$TETHER" check --fail-on bogus -- "$G" clean > /dev/null 2> "$T/err"
check_eq "an unknown --fail-on kind is a usage error" 2 $?
check_grep "listing the kinds" "definite, indirect, possible, reachable, threads, or none" "$T/err"

"$TETHER" check -- "$G" api > "$T/out" 2> "$T/err"
check_eq "tether.h: the program leaks at exit too, so the gate fails" 23 $?
check_eq "tether.h: clean case 0, lost case 1, repeated leak grows, lazy cache does not" \
	"clean 0|lost 1|repeat leaky 1|repeat lazy 0" "$(tr '\n' '|' < "$T/out" | sed 's/|$//')"
check_grep "tether_check() prints the report of what leaked since the mark" \
	"^tether: 48 bytes in 1 blocks definitely lost in 1 place" "$T/err"
check_grep "at its line" "main \(gate.c:$(line_of api_lose "$S")\)" "$T/err"
"$G" api > "$T/out" 2> "$T/err"
check_eq "tether.h without tether: every check is a no-op returning 0" \
	"clean 0|lost 0|repeat leaky 0|repeat lazy 0" "$(tr '\n' '|' < "$T/out" | sed 's/|$//')"

# An exec'd image gets its own verdict, a forked and exec'd child too.
X="$WL/exec_leak"
XS="$top_srcdir/tests/workloads/exec_leak.c"
# jx FILE EXPR: a value from a JSON verdict, v the whole of it
# and P its processes, those not running "leaf" first (not by pid or exit order)
jx() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); P=sorted(v["processes"], key=lambda p: "leaf" in p["command"]); print(eval(sys.argv[2]))' "$1" "$2"
}
"$TETHER" check --json "$T/x.json" -- "$X" exec > "$T/out" 2> "$T/err"
check_eq "exec: the exec'd image leaks, so the gate fails" 23 $?
check_eq "exec: one process, the exec'd image, with the pid it printed and its command line" \
	"1 $(sed -n 's/^leaf //p' "$T/out") ['$X', 'leaf', 'x'] 5" \
	"$(jx "$T/x.json" '"%d %d %s %d" % (len(v["processes"]), v["processes"][0]["pid"], v["processes"][0]["command"], v["processes"][0]["exit_status"])')"
check_eq "exec: its 48 bytes are definitely lost at leaf's line" "48 1 leaf:$(line_of leaf_lose "$XS")" \
	"$(jx "$T/x.json" '" ".join("%d %d %s:%d" % (l["bytes"], l["blocks"], l["stack"][0]["function"], l["stack"][0]["line"]) for l in v["processes"][0]["leaks"] if l["kind"] == "definite")')"
check_grep "exec: the report names the line" "leaf \(exec_leak.c:$(line_of leaf_lose "$XS")\)" "$T/err"
"$TETHER" check --fail-on none -- "$X" exec > /dev/null 2>&1
check_eq "exec: with --fail-on none the exec'd image's status 5 comes through" 5 $?

"$TETHER" check --json "$T/fx.json" -- "$X" forkexec > "$T/out" 2> "$T/err"
check_eq "fork+exec: the gate fails" 23 $?
cpid=$(sed -n 's/^child \([0-9]*\) exited.*/\1/p' "$T/out")
check_eq "fork+exec: the parent saw its child exit 5" "child $cpid exited 5" "$(grep '^child' "$T/out")"
check_eq "fork+exec: two verdicts: the parent and, with its pid, parent and command line, the exec'd child" \
	"2 ['$X', 'forkexec'] 0 | $cpid ['$X', 'leaf', 'y'] 5 child-of-parent" \
	"$(jx "$T/fx.json" '"%d %s %d | %d %s %d %s" % (len(v["processes"]), P[0]["command"], P[0]["exit_status"], P[1]["pid"], P[1]["command"], P[1]["exit_status"], "child-of-parent" if P[1]["ppid"] == P[0]["pid"] else "ppid %d" % P[1]["ppid"])')"
check_eq "fork+exec: the parent's 24 bytes at its line, the child's 48 at leaf's" \
	"24 main:$(line_of parent_lose "$XS") | 48 leaf:$(line_of leaf_lose "$XS")" \
	"$(jx "$T/fx.json" '" | ".join(" ".join("%d %s:%d" % (l["bytes"], l["stack"][0]["function"], l["stack"][0]["line"]) for l in p["leaks"] if l["kind"] == "definite") for p in P)')"
check_grep "fork+exec: the text report heads the child's verdict with its pid and command" \
	"^tether: process $cpid \($X leaf y\)$" "$T/err"

cat > "$T/die.sh" <<'SH'
#!/bin/sh
kill -SEGV $$
SH
chmod +x "$T/die.sh"
"$TETHER" check -- "$T/die.sh" > /dev/null 2> "$T/err"
check_eq "a program killed by a signal passes its status on" 139 $?
check_grep "and the death is reported" "killed by signal 11" "$T/err"

done_testing
