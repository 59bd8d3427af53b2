#!/bin/bash
# run.sh - tether run leaves the program alone: stdin, stdout, stderr, exit
# status and signals pass through; the options reach the library.
set -u
. "$top_srcdir/tests/lib/tap.sh"

printf 'line one\nline two\n' | "$TETHER" run -o "$T/a" -- sh -c 'tr a-z A-Z; echo to-stderr >&2; exit 42' > "$T/out" 2> "$T/err"
check_eq "exit status passes through" 42 $?
check_eq "stdin reaches the program, stdout comes back" "LINE ONE
LINE TWO" "$(cat "$T/out")"
check_eq "stderr is the program's own" "to-stderr" "$(cat "$T/err")"

"$TETHER" run -o "$T/b" -- sh -c 'kill -TERM $$'
check_eq "death by signal shows as 128+15" 143 $?

pid=$(sh -c 'echo $$; exec "$0" run -o "$1" -- sh -c "echo \$\$"' "$TETHER" "$T/c" | tr '\n' ' ')
set -- $pid
check_eq "the program keeps tether's pid (exec, no extra process)" "$1" "$2"

"$TETHER" run -o "$T/d" -- "$WL/alloc_known" > /dev/null
check "-o DIR creates the directory and the dump in it" [ -d "$T/d" ]
check "dump named <program>.<pid>.<n>.exit.tdump" [ "$(ls "$T/d" | grep -cE '^alloc_known\.[0-9]+\.1\.exit\.tdump$')" = 1 ]

mkdir -p "$T/e"
"$TETHER" run -o "$T/e/%e-%p-%n.tdump" -- "$WL/alloc_known" > /dev/null
check "a template expands %e, %p and %n" [ "$(ls "$T/e" | grep -cE '^alloc_known-[0-9]+-1\.tdump$')" = 1 ]

(cd "$T" && mkdir f && cd f && TETHER_OUTPUT=. "$TETHER" run -- "$WL/alloc_known" > /dev/null)
check "TETHER_OUTPUT from the environment is honoured" [ "$(ls "$T/f" | grep -c tdump)" = 1 ]

"$TETHER" run -o "$T/g" --stack-depth 2 -- "$WL/alloc_known" > /dev/null
"$TETHER" report --format json -o "$T/g.json" "$T/g"
check_eq "--stack-depth 2 caps every stack at 2 frames" "2" "$(python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))
print(max(len({(f["address"]) for f in s["frames"]}) for s in r["processes"][0]["sites"]))' "$T/g.json")"
check_grep "and marks them truncated" '"truncated": true' "$T/g.json"

"$TETHER" run -v -o "$T/h" -- "$WL/alloc_known" > /dev/null 2> "$T/verr"
check_grep "--verbose prints the options" "^tether: TETHER_STACK_DEPTH=64$" "$T/verr"
check_grep "--verbose names the dump written" "^tether: dump written: .*alloc_known" "$T/verr"

"$TETHER" run --help > "$T/help"
check_eq "run --help exits 0" 0 $?
check_grep "run --help describes -o" "^  -o, --output" "$T/help"
"$TETHER" run --help-env > "$T/henv"
check_grep "--help-env lists TETHER_OUTPUT" "^TETHER_OUTPUT" "$T/henv"
"$TETHER" --version > "$T/v"
check_grep "--version" "^tether [0-9]+\.[0-9]+" "$T/v"

done_testing
