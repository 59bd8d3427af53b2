#!/bin/bash
# bad_input.sh - every bad option, environment value, output location or
# dump gives a clear error naming the value; the program is not started
# when the tool refuses; the library given a bad value runs the program
# untracked and says so once.
set -u
. "$top_srcdir/tests/lib/tap.sh"

# A program that proves it ran by creating a file.
marker="$T/ran"
printf '#!/bin/sh\ntouch "%s"\n' "$marker" > "$T/prog"
chmod +x "$T/prog"
runs() { [ -e "$marker" ]; }
not_run() { [ ! -e "$marker" ]; }
prog() { echo "$T/prog"; }

"$TETHER" run --stack-depth abc -- $(prog) 2> "$T/err"
check_eq "bad --stack-depth: exit 2" 2 $?
check_grep "names the value and the range" "^tether run: --stack-depth abc: expected a whole number from 1 to 256$" "$T/err"
check "and the program did not run" not_run

TETHER_STACK_DEPTH=0 "$TETHER" run -o "$T/o" -- $(prog) 2> "$T/err"
check_eq "bad TETHER_STACK_DEPTH: exit 2" 2 $?
check_grep "names the variable and value" "TETHER_STACK_DEPTH=0: expected a whole number from 1 to 256" "$T/err"
check "and the program did not run" not_run

TETHER_OUPTUT=x "$TETHER" run -o "$T/o" -- $(prog) 2> "$T/err"
check_eq "misspelt variable: exit 2" 2 $?
check_grep "with a hint" "unknown environment variable TETHER_OUPTUT; did you mean TETHER_OUTPUT\?" "$T/err"

TETHER_FOLLOW_FORK=perhaps "$TETHER" run -o "$T/o" -- $(prog) 2> "$T/err"
check_grep "bad boolean names the accepted forms" "TETHER_FOLLOW_FORK=perhaps: expected yes or no" "$T/err"

"$TETHER" run -o /proc/no/such/dir -- $(prog) 2> "$T/err"
check_eq "unwritable output: exit 2" 2 $?
check_grep "reported before the program starts" "^tether run: cannot create output directory /proc/no/such/dir" "$T/err"
check "and the program did not run" not_run

"$TETHER" run -o "$T/o" -- /no/such/program 2> "$T/err"
check_eq "missing program: exit 127" 127 $?
check_grep "says so" "/no/such/program: command not found" "$T/err"

"$TETHER" run -o "$T/o" 2> "$T/err"
check_eq "no program: exit 2" 2 $?
"$TETHER" run -o "$T/o" -- "$T/prog"
check "sanity: the marker program does run when all is well" runs

if printf 'int main(void){return 0;}' | cc -x c -static -o "$T/static" - 2>/dev/null; then
	"$TETHER" run -o "$T/o" -- "$T/static" 2> "$T/err"
	check_eq "static program: exit 2" 2 $?
	check_grep "static program: says preloading cannot work" "statically linked: preloading cannot track it" "$T/err"
else
	skip "static program (no static libc to build one)"
	skip "static program message"
fi

# The library, given a bad value directly: runs untracked, says so once.
mkdir -p "$T/lib"
TETHER_OUTPUT="$T/lib/" TETHER_STACK_DEPTH=abc LD_PRELOAD="$LIBTETHER" "$WL/alloc_known" > "$T/out" 2> "$T/err"
check_eq "library with a bad value: program exits as usual" 0 $?
check_eq "and prints as usual" "alloc_known done" "$(cat "$T/out")"
check_eq "one line on stderr" 1 "$(wc -l < "$T/err")"
check_grep "naming the value" "^tether: TETHER_STACK_DEPTH=abc: expected a whole number from 1 to 256; the program runs on untracked$" "$T/err"
check_eq "and no dump" 0 "$(ls "$T/lib" | wc -l)"
TETHER_OUTPUT="$T/lib/" TETHER_STAK_DEPTH=3 LD_PRELOAD="$LIBTETHER" "$WL/alloc_known" > /dev/null 2> "$T/err"
check_grep "library: misspelt name gets a hint" "unknown variable TETHER_STAK_DEPTH ignored; did you mean TETHER_STACK_DEPTH\?" "$T/err"
check_eq "and tracking goes on" 1 "$(ls "$T/lib" | wc -l)"

# report: unreadable, truncated, corrupt and wrong-version dumps.
"$TETHER" run -o "$T/good" -- "$WL/alloc_known" > /dev/null
good=$(ls "$T"/good/*.tdump)
"$TETHER" report "$T/none.tdump" 2> "$T/err"
check_eq "missing dump: exit 1" 1 $?
check_grep "names the file" "none.tdump: No such file" "$T/err"
size=$(stat -c %s "$good")
head -c $((size / 2)) "$good" > "$T/trunc.tdump"
"$TETHER" report "$T/trunc.tdump" > /dev/null 2> "$T/err"
check_eq "truncated dump: exit 1" 1 $?
check_grep "says where it broke" "trunc.tdump: at byte [0-9]+: " "$T/err"
head -c $((size - 48)) "$good" > "$T/noend.tdump"
"$TETHER" report "$T/noend.tdump" > /dev/null 2> "$T/err"
check_grep "a dump without its end record is called truncated" "noend.tdump: at byte [0-9]+: truncated" "$T/err"
cp "$good" "$T/v2.tdump"
printf '\002' | dd of="$T/v2.tdump" bs=1 seek=8 conv=notrunc 2>/dev/null
"$TETHER" report "$T/v2.tdump" 2> "$T/err"
check_eq "newer major version: exit 1" 1 $?
check_grep "names both versions" "dump format version 2\.[0-9]+; this tether reads version 1\.x" "$T/err"
echo "hello" > "$T/text.tdump"
"$TETHER" report "$T/text.tdump" 2> "$T/err"
check_grep "not a dump at all" "text.tdump: at byte 0: file too short|not a tether dump" "$T/err"
mkdir -p "$T/empty"
"$TETHER" report "$T/empty" 2> "$T/err"
check_grep "empty directory" "empty: no dumps" "$T/err"
"$TETHER" report --format yaml "$good" 2> "$T/err"
check_eq "unknown format: exit 2" 2 $?
check_grep "lists the valid formats" "unknown format \(expected text, json, pprof or flamegraph\): yaml" "$T/err"
"$TETHER" report --top many "$good" 2> "$T/err"
check_eq "bad --top: exit 2" 2 $?
"$TETHER" frobnicate 2> "$T/err"
check_eq "unknown command: exit 2" 2 $?
check_grep "names it" "unknown command 'frobnicate'" "$T/err"

done_testing
