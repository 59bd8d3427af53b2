#!/bin/bash
# pprof.sh - the pprof profile of a run is read by `go tool pprof`, and what
# pprof reads agrees with tether's own numbers: the same totals, the same
# leak at the same function and line, the same call chain.
set -u
. "$top_srcdir/tests/lib/tap.sh"
[ -n "${GO:-}" ] && [ "$GO" != no ] || GO=$(command -v go || true)
[ -n "$GO" ] || skip_all "go (golang-go) is not installed: go tool pprof unavailable"
export HOME="$T" GOPATH="$T/gopath" GOCACHE="$T/gocache" GOPROXY=off PPROF_TMPDIR="$T"
pprof() { "$GO" tool pprof -symbolize=none "$@" 2> "$T/pprof.err"; }

"$TETHER" run -o "$T/d" -- "$WL/alloc_known" > /dev/null
"$TETHER" report --format pprof -o "$T/heap.pb.gz" "$T/d"
check_eq "report --format pprof exits 0" 0 $?
check_eq "the file is gzip" "1f8b" "$(head -c 2 "$T/heap.pb.gz" | od -An -tx1 | tr -d ' \n')"
"$TETHER" report --format json -o "$T/r.json" "$T/d"

pprof -raw "$T/heap.pb.gz" > "$T/raw"
check_eq "go tool pprof -raw reads it" 0 $?
check_grep "sample types in order" "^Samples:$" "$T/raw"
check_grep "alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes" \
	"alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes" "$T/raw"
# Sum every sample's four values as pprof parsed them.
sums=$(awk '/^Samples:/{s=1; next} /^Locations/{s=0} s && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ {a+=$1; b+=$2; c+=$3; d+=$4} END {print a, b, c, d}' "$T/raw")
read -r iu ib ab ak fb fk <<< "$(q "$T/r.json" totals)"
check_eq "pprof's totals equal tether's (alloc objects, space, inuse objects, space)" "$ak $ab $ib $iu" "$sums"

pprof -top -unit=B -sample_index=inuse_space -nodecount=100 "$T/heap.pb.gz" > "$T/top"
check_eq "go tool pprof -top reads it" 0 $?
check_grep "-top: leak_one holds 1000B" "^ *1000B .* leak_one$" "$T/top"
check_grep "-top: aligned's 8192B + 200B + 10B = 8402B flat" "^ *8402B .* aligned$" "$T/top"

pprof -traces -unit=B -sample_index=inuse_space "$T/heap.pb.gz" > "$T/traces"
check_eq "go tool pprof -traces reads it" 0 $?
line=$(line_of leak_malloc "$top_srcdir/tests/workloads/alloc_known.c")
awk -v RS='-----------\\+-------------------------------------------------------' '/leak_one/' "$T/traces" > "$T/leak_trace"
check_grep "-traces: leak_one's trace has 1000B" "1000B" "$T/leak_trace"
check "-traces: leak_one is the leaf, main its caller" \
	awk '/leak_one/{l=NR} /main$/{m=NR} END{exit !(l && m && l < m)}' "$T/leak_trace"
pprof -lines -top -unit=B -sample_index=inuse_space "$T/heap.pb.gz" > "$T/lines"
check_grep "-lines: at alloc_known.c:$line" "leak_one .*alloc_known.c:$line" "$T/lines"
pprof -raw "$T/heap.pb.gz" > "$T/raw2"
check_grep "mappings carry the executable's build id" "alloc_known +[0-9a-f]{40}" "$T/raw2"

# Several processes (fork): one profile, samples labelled with their pid.
"$TETHER" run -o "$T/fk" -- "$WL/fork_child" > /dev/null
"$TETHER" report --format pprof -o "$T/fork.pb.gz" "$T/fk"
pprof -raw "$T/fork.pb.gz" > "$T/fraw"
check_eq "two processes in one profile" 2 "$(grep -oE 'pid:\[[0-9]+\]' "$T/fraw" | sort -u | wc -l)"

done_testing
