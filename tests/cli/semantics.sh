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

# Sampled, the blocks not sampled have no header (lib/sample_arena.h): the
# same results at a rate that samples every block and at one that samples
# some.
for rate in 1 4K; do
	TETHER_SAMPLE_RATE=$rate TETHER_OUTPUT="$T/" LD_PRELOAD="$LIBTETHER" "$WL/semantics" > "$T/s$rate" 2>&1
	check_eq "sampled at $rate: same exit status" "$plain" $?
	check "sampled at $rate: same results" cmp -s "$T/plain" "$T/s$rate"
done

# jemalloc's extended API, for programs built against jemalloc.
"$WL/jemalloc_api" > "$T/je.plain" 2>&1
check_eq "jemalloc_api runs with jemalloc alone" 0 $?
mkdir -p "$T/je"
TETHER_OUTPUT="$T/je/" LD_PRELOAD="$LIBTETHER" "$WL/jemalloc_api" > "$T/je.tether" 2>&1
check_eq "and under libtether" 0 $?
check "same results through tether's mallocx family" cmp -s "$T/je.plain" "$T/je.tether"
for rate in 1 4K; do
	TETHER_SAMPLE_RATE=$rate TETHER_OUTPUT="$T/je/" LD_PRELOAD="$LIBTETHER" "$WL/jemalloc_api" > "$T/je.s$rate" 2>&1
	check "sampled at $rate: the same through the mallocx family" cmp -s "$T/je.plain" "$T/je.s$rate"
done
check_eq "sanity: every relation held" 0 "$(grep -c '=0' "$T/je.plain")"
mkdir -p "$T/jd"
TETHER_OUTPUT="$T/jd/" LD_PRELOAD="$LIBTETHER" "$WL/jemalloc_api" > /dev/null
"$TETHER" report --format json -o "$T/je.json" "$T/jd"
S="$top_srcdir/tests/workloads/jemalloc_api.c"
check_eq "mallocx block tracked at its line" "300 1 300 1 0 0 mallocx" "$(site "$T/je.json" mallocx_leak "$S")"
check_eq "rallocx block tracked, the mallocx it grew freed" "500 1 510 2 10 1 mallocx,rallocx" "$(site "$T/je.json" rallocx_leak "$S")"
check_eq "freed mallocx/rallocx/dallocx/sdallocx blocks leave nothing else in main" "800 2" "$(q "$T/je.json" file jemalloc_api.c | cut -d' ' -f1,2)"

done_testing
