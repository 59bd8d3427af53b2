#!/bin/bash
# lifecycle.sh - the final dump is right however a process ends and
# whatever it loads: atexit handlers and destructors run first, _exit still
# dumps, fork children write their own dump, exec starts afresh, and a
# dlclose'd library is still symbolized.
set -u
. "$top_srcdir/tests/lib/tap.sh"
SRC="$top_srcdir/tests/workloads"
count() { find "$1" -name '*.tdump' | wc -l; }

# atexit handler and destructor free their blocks before the dump.
"$TETHER" run -o "$T/ax" -- "$WL/exit_paths" atexit
check_eq "atexit mode exits 0" 0 $?
"$TETHER" report --format json -o "$T/ax.json" "$T/ax"
q "$T/ax.json" totals > "$T/t"
check_eq "blocks freed by atexit and a destructor are not in use" "0 0" "$(cut -d' ' -f1,2 "$T/t")"
check_eq "exit status recorded" "0" "$(q "$T/ax.json" field exit_status)"

# _exit skips destructors; the wrapper dumps.
"$TETHER" run -o "$T/ux" -- "$WL/exit_paths" _exit
check_eq "_exit status passes through" 5 $?
"$TETHER" report --format json -o "$T/ux.json" "$T/ux"
check_eq "_exit: the live block is reported" "55 1 55 1 0 0 malloc" "$(site "$T/ux.json" underscore_exit_leak "$SRC/exit_paths.c")"
check_eq "_exit: trigger recorded" '"_exit"' "$(q "$T/ux.json" field trigger)"
check_eq "_exit: status recorded" 5 "$(q "$T/ux.json" field exit_status)"

# exec: the old image writes nothing; the new one its own dump.
"$TETHER" run -o "$T/ex" -- "$WL/exit_paths" exec
check_eq "exec mode exits 0" 0 $?
check_eq "one dump: the exec'd image's" 1 "$(count "$T/ex")"
"$TETHER" report --format json -o "$T/ex.json" "$T/ex"
check_eq "the new image's leak is there" "77 1 77 1 0 0 malloc" "$(site "$T/ex.json" after_exec_leak "$SRC/exit_paths.c")"
q "$T/ex.json" totals > "$T/t"
check_eq "the old image's 66 bytes are not" "77 1" "$(cut -d' ' -f1,2 "$T/t")"

# fork: each process its own dump.
"$TETHER" run -o "$T/fk" -- "$WL/fork_child" > "$T/out"
check_eq "fork_child output" "child exited 7" "$(cat "$T/out")"
check_eq "two dumps, parent and child" 2 "$(count "$T/fk")"
"$TETHER" report --format json -o "$T/fk.json" "$T/fk"
check_eq "report covers both processes" 2 "$(q "$T/fk.json" nprocs)"
S="$SRC/fork_child.c"
check_eq "parent: its 111 bytes" "111 1 111 1 0 0 malloc" "$(site "$T/fk.json" parent_leak "$S" main)"
check_eq "parent: not the child's block" "none" "$(site "$T/fk.json" child_leak "$S" main)"
check_eq "child: its 222 bytes" "222 1 222 1 0 0 malloc" "$(site "$T/fk.json" child_leak "$S" forked)"
check_eq "child: the inherited 111 bytes are live in it too" "111 1 111 1 0 0 malloc" "$(site "$T/fk.json" parent_leak "$S" forked)"
check_eq "child: exit status 7" 7 "$(q "$T/fk.json" field exit_status forked)"
"$TETHER" report "$T/fk" > "$T/fk.txt"
check_grep "text names the child as forked" "forked from [0-9]+" "$T/fk.txt"

# --no-follow-fork: only the parent dumps.
"$TETHER" run --no-follow-fork -o "$T/nf" -- "$WL/fork_child" > /dev/null
check_eq "--no-follow-fork: one dump" 1 "$(count "$T/nf")"

# dlopen/dlclose: frames in the unloaded library are still symbolized.
"$TETHER" run -o "$T/dl" -- "$WL/dlopen_host" "$WL/.libs/plugin.so" > "$T/out"
check_eq "dlopen_host output" "plugin unloaded" "$(cat "$T/out")"
"$TETHER" report --format json -o "$T/dl.json" "$T/dl"
check_eq "plugin's leak at plugin.c's line, after dlclose" "231 3 231 3 0 0 malloc" "$(site "$T/dl.json" plugin_malloc "$SRC/plugin.c")"
check_grep "innermost frame is plugin_alloc" "^plugin_alloc plugin.c:" <(q "$T/dl.json" frames "plugin.c:$(line_of plugin_malloc "$SRC/plugin.c")")

# Plain LD_PRELOAD, without the tool, with a %p template.
mkdir -p "$T/pl"
TETHER_OUTPUT="$T/pl/heap.%p.tdump" LD_PRELOAD="$LIBTETHER" "$WL/alloc_known" > /dev/null
check "LD_PRELOAD alone writes heap.<pid>.tdump" [ "$(ls "$T/pl" | grep -cE '^heap\.[0-9]+\.tdump$')" = 1 ]
check_eq "dump files are private (0600)" 600 "$(stat -c %a "$T"/pl/heap.*.tdump)"
check_eq "no temporary file left" 0 "$(ls -A "$T/pl" | grep -c tmp)"

done_testing
