#!/bin/sh
# tests/cli/free_queue.sh - frees that a thread noted in its free queue
# (lib/free_queue.h) and did not record itself are in every dump: a live
# dump, the dump at exit, the leak scan at exit, a fork's child.
. "$top_srcdir/tests/lib/tap.sh"
S="$top_srcdir/tests/workloads/free_queue.c"
P="$WL/free_queue"
# 5 blocks of 40..44 bytes, all freed, none in use
FREED="0 0 210 5 210 5 malloc"

mkdir -p "$T/a"
"$TETHER" run -o "$T/a" -- "$P" idle > "$T/out"
check_eq "idle: the program runs as usual" "done" "$(cat "$T/out")"
"$TETHER" report --format json -o "$T/api.json" "$T"/a/*.api.tdump
check_eq "the live dump has the idle worker's 5 frees" "$FREED" "$(site "$T/api.json" idle "$S")"
"$TETHER" report --format json -o "$T/exit.json" "$T"/a/*.exit.tdump
check_eq "so has the dump at exit" "$FREED" "$(site "$T/exit.json" idle "$S")"

"$TETHER" check --json "$T/v.json" -- "$P" idle > "$T/out" 2> "$T/err"
check_eq "check: the program's output is untouched" "done" "$(cat "$T/out")"
# (the detached thread's own TLS block, held by an interior pointer, is
# possibly lost: not what this test is about)
check_eq "check: none of them is lost, or live at all" "0" "$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["processes"][0]["summary"]; print(s["definite"]["blocks"] + s["indirect"]["blocks"] + s["reachable"]["blocks"])' "$T/v.json")"

mkdir -p "$T/f"
"$TETHER" run -o "$T/f" -- "$P" fork > "$T/out"
check_eq "fork: both processes run as usual" "child done" "$(cat "$T/out" | tr '\n' ' ' | sed 's/ $//')"
"$TETHER" report --format json -o "$T/fk.json" "$T/f"
check_eq "fork: two processes" 2 "$(q "$T/fk.json" nprocs)"
check_eq "the child, whose worker is gone, has the 5 frees" "$FREED" "$(site "$T/fk.json" idle "$S" forked)"
check_eq "so has the parent" "$FREED" "$(site "$T/fk.json" idle "$S" main)"
mkdir -p "$T/r"
"$TETHER" run -o "$T/r" -- "$P" realloc > "$T/out"
check_eq "realloc: it fails, ENOMEM" "realloc failed errno=$(python3 -c 'import errno; print(errno.ENOMEM)')" "$(cat "$T/out")"
"$TETHER" report --format json -o "$T/r.json" "$T"/r/*.api.tdump
check_eq "the block it did not free is still recorded, at its malloc" "100 1 100 1 0 0 malloc" "$(site "$T/r.json" kept "$S")"
"$TETHER" report --format json -o "$T/re.json" "$T"/r/*.exit.tdump
check_eq "and its free, later, is recorded" "0 0 100 1 100 1 malloc" "$(site "$T/re.json" kept "$S")"
done_testing
