#!/bin/bash
# sites.sh - the site counters kept per thread (lib/site_cache.h) add up
# exactly: two threads allocating and freeing at more sites than a cache
# holds, and a fork while a thread that did not follow still holds its
# counts, whose child must count the blocks it inherited.
set -u
. "$top_srcdir/tests/lib/tap.sh"
S="$top_srcdir/tests/workloads/site_counts.c"

"$TETHER" run -o "$T/sc" -- "$WL/site_counts" > "$T/out" 2> "$T/err"
check_eq "site_counts runs as usual" "site_counts 0" "$(cat "$T/out")"
check_eq "and says nothing on stderr" "" "$(cat "$T/err")"
"$TETHER" report --format json -o "$T/sc.json" "$T/sc"
R="$T/sc.json"
check_eq "two processes dumped" 2 "$(q "$R" nprocs)"
check_eq "parent: 2 x 50 x 100 blocks at 100 sites, all freed" \
	"0 0 160000 10000 160000 10000 malloc" "$(site "$R" rec_leaf "$S" main)"
check_eq "parent: the kept blocks allocated and freed" \
	"0 0 2400 100 2400 100 malloc" "$(site "$R" kept "$S" main)"
check_eq "child: the inherited blocks in use, and counted as allocated" \
	"2400 100 2400 100 0 0 malloc" "$(site "$R" kept "$S" forked)"
check_eq "child: the parent's history of the 100 sites" \
	"0 0 160000 10000 160000 10000 malloc" "$(site "$R" rec_leaf "$S" forked)"

done_testing
