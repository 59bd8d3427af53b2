#!/bin/bash
# report.sh - tether run + report on programs with known allocations: the
# report shows exactly those blocks and bytes at exactly those lines, in
# text and in JSON.
set -u
. "$top_srcdir/tests/lib/tap.sh"
SRC="$top_srcdir/tests/workloads"

"$TETHER" run -o "$T/known" -- "$WL/alloc_known" > "$T/out" 2> "$T/err"
check_eq "alloc_known runs as usual under tether run" "alloc_known done" "$(cat "$T/out")"
check_eq "and prints nothing on stderr" "" "$(cat "$T/err")"
"$TETHER" report --format json -o "$T/known.json" "$T/known"
check_eq "report --format json exits 0" 0 $?

S="$SRC/alloc_known.c"
R="$T/known.json"
check_eq "10 x 100 bytes leaked at leak_one's malloc" "1000 10 1000 10 0 0 malloc" "$(site "$R" leak_malloc "$S")"
check_eq "50 x 32 bytes allocated and freed in churn" "0 0 1600 50 1600 50 malloc" "$(site "$R" freed "$S")"
check_eq "realloc chain: first malloc freed by realloc" "0 0 10 1 10 1 malloc" "$(site "$R" chain_malloc "$S")"
check_eq "realloc chain: middle realloc freed" "0 0 20 1 20 1 realloc" "$(site "$R" chain_realloc1 "$S")"
check_eq "realloc chain: last realloc leaked" "3000 1 3000 1 0 0 realloc" "$(site "$R" chain_realloc2 "$S")"
check_eq "posix_memalign block" "200 1 200 1 0 0 posix_memalign" "$(site "$R" posix_memalign "$S")"
check_eq "aligned_alloc block" "8192 1 8192 1 0 0 aligned_alloc" "$(site "$R" aligned_alloc "$S")"
check_eq "memalign block freed" "0 0 50 1 50 1 memalign" "$(site "$R" memalign "$S")"
check_eq "valloc block" "10 1 10 1 0 0 valloc" "$(site "$R" valloc "$S")"
check_eq "calloc(7, 9) is 63 bytes" "63 1 63 1 0 0 calloc" "$(site "$R" calloc "$S")"
check_eq "malloc(0) is a 0-byte block" "0 1 0 1 0 0 malloc" "$(site "$R" malloc0 "$S")"
check_eq "strdup(\"hello\") is 6 bytes" "6 1 6 1 0 0 malloc" "$(site "$R" strdup "$S")"
line=$(line_of leak_malloc "$S")
q "$R" frames "alloc_known.c:$line" > "$T/frames"
check_eq "innermost frame is leak_one at its malloc line" "leak_one alloc_known.c:$line" "$(head -1 "$T/frames")"
check_grep "the caller main is the next frame" "^main alloc_known.c:[0-9]+$" "$T/frames"
check_grep "strdup's own frame comes first at its site" "^(__)?strdup" <(q "$R" frames "alloc_known.c:$(line_of strdup "$S")")

no_tether_frames() { ! grep -qE '"function": "(main_trampoline|tt_[a-z_]+|malloc|calloc|realloc)"' "$1"; }
check "no frame of tether's own (wrappers, trampolines) in any stack" no_tether_frames "$R"

"$TETHER" report "$T/known" > "$T/known.txt"
check_eq "text report exits 0" 0 $?
check_grep "text: largest site first" "^8,192 bytes in 1 blocks still in use" <(grep "still in use" "$T/known.txt" | head -1)
check_grep "text: the 10-block leak with its totals" "^1,000 bytes in 10 blocks still in use; allocated here: 1,000 bytes in 10 blocks, 0 freed" "$T/known.txt"
check_grep "text: frame #0 is the allocation function" "^    #0 malloc$" "$T/known.txt"
check_grep "text: frame #1 is the caller with file:line" "^    #1 leak_one \(alloc_known.c:$line\)$" "$T/known.txt"
check_grep "text: header names the program and the exit" "^tether: .*alloc_known \(pid [0-9]+\), started .*, dump #1 at exit" "$T/known.txt"
if grep -q "churn" "$T/known.txt"; then not_ok "text: freed sites are not listed as in use"; else ok "text: freed sites are not listed as in use"; fi

# C++ new/delete through libstdc++.
"$TETHER" run -o "$T/cxx" -- "$WL/cxx_new" > "$T/out"
check_eq "cxx_new runs as usual" "containers 1000 1000" "$(cat "$T/out")"
"$TETHER" report --format json -o "$T/cxx.json" "$T/cxx"
S="$SRC/cxx_new.cc"
check_eq "new Node: 4 x 48 bytes leaked" "192 4 192 4 0 0 malloc" "$(site "$T/cxx.json" new_node "$S")"
check_eq "new int[25]: 100 bytes leaked" "100 1 100 1 0 0 malloc" "$(site "$T/cxx.json" new_array "$S")"
check_grep "operator new is the innermost frame" "^operator new\(unsigned long\)" <(q "$T/cxx.json" frames "cxx_new.cc:$(line_of new_node "$S")")
check_eq "containers freed everything: only the two leaks stay in cxx_new.cc" "292 5" "$(q "$T/cxx.json" file cxx_new.cc | cut -d' ' -f1,2)"

# Threads: 8 threads x 4 waves, each thread leaving 3 x 48 bytes.
"$TETHER" run -o "$T/thr" -- "$WL/threads_churn" 8 4 2000 > "$T/out"
check_eq "threads_churn runs as usual" "8 threads x 4 waves done" "$(cat "$T/out")"
"$TETHER" report --format json -o "$T/thr.json" "$T/thr"
S="$SRC/threads_churn.c"
check_eq "32 threads x 3 x 48 bytes = 4608 bytes in 96 blocks" "4608 96 4608 96 0 0 malloc" "$(site "$T/thr.json" thread_leak "$S")"
q "$T/thr.json" totals > "$T/thr.tot"
read -r iu ib ab ak fb fk < "$T/thr.tot"
check_eq "every allocation counted: alloc - free = in use (blocks)" "$ib" "$((ak - fk))"
check_eq "every allocation counted: alloc - free = in use (bytes)" "$iu" "$((ab - fb))"
check "at least 32 x 2000 churn allocations recorded" [ "$ak" -ge 64000 ]

# A thread's cached block slots come back when it ends: 160 threads in waves
# of 4 fit in the smallest table (1024 slots) with their 480 leaked blocks.
# A thread that kept its 64 cached slots at exit would fill it in 16 threads.
TETHER_MAX_BLOCKS=1024 "$TETHER" run -o "$T/waves" -- "$WL/threads_churn" 4 40 200 > "$T/out"
check_eq "threads_churn 4 x 40 runs as usual" "4 threads x 40 waves done" "$(cat "$T/out")"
"$TETHER" report --format json -o "$T/waves.json" "$T/waves"
check_eq "with 1024 slots, no allocation went unrecorded" \
	'{"allocations": 0, "stacks": 0, "unknown_frees": 0}' "$(q "$T/waves.json" field not_recorded)"
check_eq "160 threads x 3 x 48 bytes = 23040 bytes in 480 blocks" "23040 480 23040 480 0 0 malloc" \
	"$(site "$T/waves.json" thread_leak "$S")"

# -o naming something that is not a regular file (a FIFO here; /dev/null
# the same way) is written in place: a rename over it would leave a
# regular file in its place.
mkfifo "$T/fifo"
cat "$T/fifo" > "$T/fifo.json" &
"$TETHER" report --format json -o "$T/fifo" "$T/known"
check_eq "report -o FIFO exits 0" 0 $?
wait
check "the FIFO is still a FIFO" test -p "$T/fifo"
check_eq "and the report went through it" "$(cat "$T/known.json")" "$(cat "$T/fifo.json")"
cat "$T/fifo" > "$T/fifo.pb.gz" &
"$TETHER" report --format pprof -o "$T/fifo" "$T/known"
check_eq "report --format pprof -o FIFO exits 0" 0 $?
wait
check "a pprof profile through it too" gzip -t "$T/fifo.pb.gz"
check "and the FIFO stays one" test -p "$T/fifo"

done_testing
