#!/bin/bash
# sampling.sh - TETHER_SAMPLE_RATE: a Poisson sample of the allocations,
# scaled back up by the reports.  tests/workloads/sampled.c prints the
# exact in-use and allocated bytes and blocks of its three sites; from a
# sample (one per 4 KiB allocated on average: some 60,000 samples) each
# estimate must be within 4% of the truth (the standard error here is
# about 0.7%: sqrt(rate / bytes)).  pprof reads the same scaled values;
# the leak check and tether_check() refuse to work on a sample.
set -u
. "$top_srcdir/tests/lib/tap.sh"
S="$top_srcdir/tests/workloads/sampled.c"

"$TETHER" run --sample-rate 4K -o "$T/d" -- "$WL/sampled" > "$T/truth"
check_eq "a sampled run exits 0" 0 $?
"$TETHER" report --format json -o "$T/r.json" "$T/d"
check_eq "report --format json reads the sampled dump" 0 $?
check_eq "the report says the dump is sampled, and how" 4096 "$(q "$T/r.json" field sample_rate)"

# near NAME ESTIMATE TRUTH: ok when within 4%
near() {
	if python3 -c 'import sys; e, t = float(sys.argv[1]), float(sys.argv[2]); sys.exit(not abs(e - t) <= 0.04 * t)' "$2" "$3"; then
		ok "$1: $2 estimates $3"
	else
		not_ok "$1: $2 estimates $3 (more than 4% off)"
	fi
}
for m in keep big; do
	read -r _ blocks bytes <<< "$(grep "^$m " "$T/truth")"
	read -r iu ib ab ak _ <<< "$(site "$T/r.json" "$m" "$S")"
	near "$m: in-use bytes" "$iu" "$bytes"
	near "$m: in-use blocks" "$ib" "$blocks"
	near "$m: allocated bytes" "$ab" "$bytes"
	near "$m: allocated blocks" "$ak" "$blocks"
done
read -r _ blocks bytes <<< "$(grep "^churn " "$T/truth")"
read -r iu ib ab ak fb fk _ <<< "$(site "$T/r.json" churn "$S")"
check_eq "churn: nothing in use (every sampled block was freed)" "0 0" "$iu $ib"
near "churn: allocated bytes" "$ab" "$bytes"
near "churn: allocated blocks" "$ak" "$blocks"
near "churn: freed bytes" "$fb" "$bytes"
near "churn: freed blocks" "$fk" "$blocks"
check "far fewer blocks recorded than allocated" \
	[ "$(python3 -c 'import json,sys; print(sum(1 for _ in json.load(open(sys.argv[1]))["processes"][0]["sites"]))' "$T/r.json")" -ge 3 ]

"$TETHER" report "$T/d" > "$T/text"
check_grep "text: the report says its figures are estimates" \
	"^sampled: one allocation recorded per 4,096 bytes allocated on average; the figures are estimates" "$T/text"

if [ -n "${GO:-}" ] && [ "$GO" != no ]; then
	"$TETHER" report --format pprof -o "$T/s.pb.gz" "$T/d"
	HOME="$T" GOCACHE="$T/gocache" "$GO" tool pprof -symbolize=none -raw "$T/s.pb.gz" > "$T/raw" 2> /dev/null
	check_eq "go tool pprof reads the sampled profile" 0 $?
	sums=$(awk '/^Samples:/{s=1; next} /^Locations/{s=0} s && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ {a+=$1; b+=$2; c+=$3; d+=$4} END {print a, b, c, d}' "$T/raw")
	read -r iu ib ab ak _ <<< "$(q "$T/r.json" totals)"
	check_eq "pprof holds the scaled values (alloc objects, space, inuse objects, space)" \
		"$ak $ab $ib $iu" "$sums"
else
	skip "go tool pprof not installed"
fi

# The environment variable works the same, and a full run is exact.
TETHER_SAMPLE_RATE=0 "$TETHER" run -o "$T/f" -- "$WL/sampled" > /dev/null
"$TETHER" report --format json -o "$T/f.json" "$T/f"
read -r _ blocks bytes <<< "$(grep "^keep " "$T/truth")"
read -r iu ib _ <<< "$(site "$T/f.json" keep "$S")"
check_eq "TETHER_SAMPLE_RATE=0: every allocation, exact" "$bytes $blocks" "$iu $ib"
check_eq "and the report says it is not sampled" 0 "$(q "$T/f.json" field sample_rate)"

"$TETHER" run --sample-rate 4Q -- "$WL/sampled" > /dev/null 2> "$T/err"
check_eq "a bad --sample-rate is a usage error" 2 $?
check_grep "naming the value" "4Q" "$T/err"

# The leak check needs every allocation: tether check ignores sampling.
TETHER_SAMPLE_RATE=64K "$TETHER" check -- "$WL/gate" leak > /dev/null 2> "$T/err"
check_eq "tether check under TETHER_SAMPLE_RATE still fails the leaky run" 23 $?
check_grep "and says the rate is ignored" "TETHER_SAMPLE_RATE is ignored: the leak check tracks every allocation" "$T/err"
check_grep "with the exact verdict" "^tether: 132 bytes in 2 blocks definitely lost in 2 places" "$T/err"
TETHER_TOOL="$TETHER" "$TETHER" run --sample-rate 64K -o "$T/a" -- "$WL/gate" api > "$T/out" 2> "$T/err"
check_grep "tether_check() while sampling returns -1" "^clean -1$" "$T/out"
check_grep "and says why, once" "tether_check: no leak check while sampling" "$T/err"
check_eq "once" 1 "$(grep -c 'no leak check while sampling' "$T/err")"

# Sampled, only the sampled blocks carry a header and live in an arena of
# their own (lib/sample_arena.c); the others are jemalloc's.  A random mix
# of every allocation function, with blocks moved by realloc between the
# two kinds, must keep every byte, at every rate, with no complaint.
"$WL/sample_mix" > "$T/mix.plain"
check_eq "sanity: sample_mix runs alone" 0 $?
for rate in 1 1K 64K 1G; do
	mkdir -p "$T/mix$rate"
	TETHER_SAMPLE_RATE=$rate TETHER_OUTPUT="$T/mix$rate/" LD_PRELOAD="$LIBTETHER" \
		"$WL/sample_mix" > "$T/mix.$rate" 2> "$T/mix.$rate.err"
	check_eq "rate $rate: sample_mix exits 0" 0 $?
	check "rate $rate: the same output as without tether" cmp -s "$T/mix.plain" "$T/mix.$rate"
	check_eq "rate $rate: nothing said on stderr" "" "$(cat "$T/mix.$rate.err")"
done
"$TETHER" report --format json -o "$T/mix.json" "$T/mix1K"
# Each resize records a new block, as a realloc is.
made=$(awk '/^allocations /{print $2 + $4}' "$T/mix.plain")
near "rate 1K: the blocks allocated, estimated from the samples" \
	"$(q "$T/mix.json" totals | cut -d' ' -f4)" "$made"
# jemalloc's class for 130 bytes is 160 B; a 16-byte header leaves 144.
usable() {
	TETHER_SAMPLE_RATE=$1 TETHER_OUTPUT="$T/mix1/" LD_PRELOAD="$LIBTETHER" "$WL/sample_mix" usable
}
check_eq "an unsampled block has no header" "usable(130) = 160" "$(usable 1G)"
check_eq "a sampled block has one" "usable(130) = 144" "$(usable 1)"
check_eq "full tracking: every block has one" "usable(130) = 144" "$(usable 0)"
TETHER_SAMPLE_RATE=1 TETHER_OUTPUT="$T/mix1/" LD_PRELOAD="$LIBTETHER" "$WL/sample_mix" double > "$T/df" 2> "$T/df.err"
check_eq "a sampled block freed twice is still caught" "survived" "$(cat "$T/df")"
check_grep "and said" "block already freed; ignored" "$T/df.err"

# The sample arena is made at the first sample: threads racing to take the
# first ones all keep theirs, and a fork child makes its own.
F="$top_srcdir/tests/workloads/sample_first.c"
for n in 1 2 3; do
	mkdir -p "$T/first$n"
	TETHER_SAMPLE_RATE=64K TETHER_OUTPUT="$T/first$n/" LD_PRELOAD="$LIBTETHER" \
		"$WL/sample_first" > "$T/first$n.out" 2> "$T/first$n.err"
	check_eq "first samples, run $n: exits 0, every block made" \
		"0 child: 8 blocks parent: 8 blocks" "$? $(paste -sd" " "$T/first$n.out")"
	check_eq "run $n: nothing said on stderr" "" "$(cat "$T/first$n.err")"
	for d in "$T/first$n"/*.tdump; do
		"$TETHER" report --format json -o "$T/first.json" "$d"
		read -r iu ib _ <<< "$(site "$T/first.json" first "$F")"
		check_eq "run $n, $(basename "$d"): the 8 first samples, each 1 MiB" \
			"8388608 8" "$(( (iu + 524288) / 1048576 * 1048576 )) $ib"
	done
done

done_testing
