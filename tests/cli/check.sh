#!/bin/bash
# check.sh - tether check, the leak gate: exact verdicts at exact lines,
# the exit status it promises, suppressions, JSON and JUnit verdicts, the
# in-test checks of tether.h, and clear errors.
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

cat > "$T/die.sh" <<'SH'
#!/bin/sh
kill -SEGV $$
SH
chmod +x "$T/die.sh"
"$TETHER" check -- "$T/die.sh" > /dev/null 2> "$T/err"
check_eq "a program killed by a signal passes its status on" 139 $?
check_grep "and the death is reported" "killed by signal 11" "$T/err"

done_testing
