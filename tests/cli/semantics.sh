#!/bin/bash
# semantics.sh - the allocation functions behave exactly as without tether:
# the semantics workload prints errno, NULL and alignment results at every
# edge, and must print the same with and without libtether.so.
set -u
. "$top_srcdir/tests/lib/tap.sh"

"$WL/semantics" > "$T/plain" 2>&1
plain=$?
TETHER_OUTPUT="$T/" LD_PRELOAD="$LIBTETHER" "$WL/semantics" > "$T/tether" 2>&1
check_eq "same exit status" "$plain" $?
if diff -u "$T/plain" "$T/tether" > "$T/diff"; then
	ok "same results with libtether.so preloaded ($(wc -l < "$T/plain") checks)"
else
	not_ok "same results with libtether.so preloaded"
	sed 's/^/# /' "$T/diff"
fi
check_grep "sanity: the workload checked realloc(p, 0)" "^realloc\(p, 0\) -> NULL" "$T/plain"
"$TETHER" run -o "$T/d" -- "$WL/semantics" > "$T/run" 2>&1
check "same results under tether run" cmp -s "$T/plain" "$T/run"

done_testing
