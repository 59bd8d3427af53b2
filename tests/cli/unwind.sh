#!/bin/bash
# unwind.sh - tether's own stack walk (TETHER_UNWIND=auto) gives the same
# stacks as libunwind: TETHER_UNWIND=check captures every stack both ways
# and counts those that differ, on workloads with threads, dlopen/dlclose,
# signal handlers that allocate, C++ and fork.
set -u
. "$top_srcdir/tests/lib/tap.sh"

for w in alloc_known threads_churn dlopen_host hostile_signal cxx_new fork_child semantics; do
	[ -x "$WL/$w" ] || { skip "$w not built"; continue; }
	(cd "$T" && TETHER_UNWIND=check TETHER_OUTPUT="$T/" LD_PRELOAD="$LIBTETHER" \
		"$WL/$w" > /dev/null 2> "$T/$w.err" < /dev/null)
	compared=$(awk '/stacks compared/ { s += $3 } END { print s + 0 }' "$T/$w.err")
	differ=$(awk '/stacks compared/ { s += $6 } END { print s + 0 }' "$T/$w.err")
	check "$w: stacks compared ($compared)" test "$compared" -gt 0
	check_eq "$w: no stack differs" 0 "$differ"
	[ "$differ" = 0 ] || sed 's/^/# /' "$T/$w.err" | head -20
done

TETHER_UNWIND=libunwind TETHER_OUTPUT="$T/" LD_PRELOAD="$LIBTETHER" "$WL/alloc_known" > /dev/null 2> "$T/lu.err"
check_eq "TETHER_UNWIND=libunwind: no message" "" "$(cat "$T/lu.err")"
TETHER_UNWIND=bogus TETHER_OUTPUT="$T/" LD_PRELOAD="$LIBTETHER" "$WL/alloc_known" > /dev/null 2> "$T/bad.err"
check_grep "TETHER_UNWIND=bogus: said, tracking off" "TETHER_UNWIND: expected auto, libunwind or check" "$T/bad.err"

done_testing
