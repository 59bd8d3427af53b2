#!/bin/bash
# livedumps.sh - dumps while the program runs: on the dump signal (and
# tether dump PID), at an interval, every N bytes, from tether_dump();
# rotation; a program that uses the dump signal itself keeps it; and
# dumps taken while eight threads allocate hard are whole and exact.
set -u
. "$top_srcdir/tests/lib/tap.sh"
SRC="$top_srcdir/tests/workloads"
blocks() { python3 "$top_srcdir/tests/lib/tdump_blocks.py" "$1"; }
GROW=$(line_of grow "$SRC/live_leak.c")
grow_bytes() {
	"$TETHER" report --format json -o "$T/g.json" "$1" &&
		site "$T/g.json" grow "$SRC/live_leak.c" | cut -d' ' -f1
}

# wait_tether PID: until the library of PID is in (its memfd, named for
# its dump directory, is in its maps); a signal before that would get the
# program's default action.
wait_tether() {
	for i in $(seq 500); do
		grep -qs "/memfd:tether-dir:$1:" "/proc/$1/maps" && return 0
		sleep 0.01
	done
	return 1
}

# A leaking process dumped by tether dump (the signal) while it runs.
coproc LL { exec "$TETHER" run -o "$T/ll" -- "$WL/live_leak"; }
pid=$LL_PID
wait_tether "$pid"
check_grep "the memfd names the process, the signal and the directory" \
	"/memfd:tether-dir:$pid:$(kill -l USR2 2>/dev/null || echo 12):$T/ll " "/proc/$pid/maps"
check "no status file before the first dump" test ! -e "$T/ll/.tether.$pid.status"
prev=0 grew=yes paths=
for n in 10 20 30; do
	echo "$n" >&"${LL[1]}"
	read -r line <&"${LL[0]}"
	p=$("$TETHER" dump --wait "$pid")
	check_eq "tether dump --wait exits 0 (after $n more)" 0 $?
	paths="$paths $p"
	b=$(grow_bytes "$p")
	[ "${b:-0}" -gt "$prev" ] || grew=no
	prev=${b:-0}
done
check_eq "the grow() site's in-use bytes grow dump after dump" "yes 60000" "$grew $prev"
check_grep "the dump is named for its trigger" '\.[0-9]+\.signal\.tdump$' <(echo "$paths" | tr ' ' '\n')
check "the status file is next to the dumps" test -f "$T/ll/.tether.$pid.status"
exec {LL[1]}>&-
wait "$pid"
check_eq "live_leak exits 0 under dumps" 0 $?
check "the status file is gone at exit" test ! -e "$T/ll/.tether.$pid.status"
check_eq "three signal dumps and the exit dump" 4 "$(ls "$T/ll" | wc -l)"
check_eq "the exit dump counts on (dump #4)" 1 "$(ls "$T/ll" | grep -c "\.$pid\.4\.exit\.tdump")"

# An interval, with rotation keeping the last three.
"$TETHER" run -o "$T/iv" --dump-interval 50ms --keep 3 -- "$WL/live_leak" steady 1500 > "$T/out"
check_eq "steady leak under --dump-interval exits 0" 0 $?
check_eq "its output is unchanged" "$("$WL/live_leak" steady 1 | sed 's/1$//')" "$(sed 's/[0-9]*$//' "$T/out")"
check_eq "--keep 3: three interval dumps left" 3 "$(ls "$T/iv" | grep -c '\.interval\.tdump$')"
check_eq "the exit dump is never rotated away" 1 "$(ls "$T/iv" | grep -c '\.exit\.tdump$')"
prev=0 grew=yes
for f in $(ls "$T/iv"/*.interval.tdump | sort -t. -k3 -n); do
	b=$(grow_bytes "$f")
	[ "${b:-0}" -gt "$prev" ] || grew=no
	prev=${b:-0}
done
check_eq "successive interval dumps show the site growing" yes "$grew"
# tether diff over the interval dumps: the growing site, and only it, is
# a leak suspect.
mkdir -p "$T/ivs" && cp "$T/iv"/*.interval.tdump "$T/ivs/"
"$TETHER" diff --format json -o "$T/ivd.json" "$T/ivs"
check_eq "tether diff reads the interval series" 0 $?
check_eq "the only leak suspect is grow() at its line" "live_leak.c:$GROW" "$(python3 -c '
import json, os, sys
r = json.load(open(sys.argv[1]))
sus = [s for s in r["sites"] if s.get("suspect")]
print(" ".join(sorted({"%s:%s" % (os.path.basename(f["file"]), f["line"]) for s in sus
                       for f in s["frames"][:1] if f["file"]})) if len(sus) == 1 else len(sus))' "$T/ivd.json")"
"$TETHER" report --format json -o "$T/iv.json" "$(ls "$T/iv"/*.interval.tdump | head -1)"
check_eq "the trigger is recorded" '"interval"' "$(q "$T/iv.json" field trigger)"

# Every N bytes allocated.
# (steadily, over 400 ms: a burst would end before the dumper thread, which
# writes the dumps, is given a CPU on a loaded machine)
"$TETHER" run -o "$T/by" --dump-every 100K -- "$WL/live_leak" steady 400 > /dev/null
check_eq "--dump-every exits 0" 0 $?
nb=$(ls "$T/by" | grep -c '\.bytes\.tdump$')
check "400 KB allocated with --dump-every 100K: some bytes dumps ($nb)" test "$nb" -ge 1 -a "$nb" -le 4

# Eight threads allocating hard while dumps are asked by API and signal.
"$WL/live_churn" 200000 0 > "$T/plain.out"
plain_rc=$?
coproc LC { exec "$TETHER" run -o "$T/lc" --keep 0 -- "$WL/live_churn" 200000 25; }
cpid=$LC_PID
exec {lc_out}<&"${LC[0]}"
wait_tether "$cpid"
for i in 1 2 3 4 5; do kill -USR2 "$cpid" 2>/dev/null; sleep 0.05; done
cat <&$lc_out > "$T/churn.out"
wait "$cpid"
check_eq "churn exit status unchanged under dumps" "$plain_rc" $?
check_eq "churn output unchanged under dumps" "$(sort "$T/plain.out")" "$(sort "$T/churn.out")"
napi=$(ls "$T/lc" | grep -c '\.api\.tdump$')
check_eq "25 tether_dump() dumps" 25 "$napi"
nsig=$(ls "$T/lc" | grep -c '\.signal\.tdump$')
check "signal dumps too ($nsig)" test "$nsig" -ge 1
bad=0 dups=0 n=0 raw=0
for f in "$T/lc"/*.tdump; do
	n=$((n + 1))
	"$TETHER" report --format json -o "$T/c.json" "$f" 2> /dev/null || bad=$((bad + 1))
	set -- $(blocks "$f")
	raw=$((raw + $1 - $2))
	# what tether reports holds each address once: the live block
	[ "$3" = 1 ] && [ "$4" = 1 ] && [ "$(q "$T/c.json" totals | cut -d' ' -f2)" = "$2" ] ||
		dups=$((dups + 1))
done
check_eq "all $n dumps of the churn parse" 0 "$bad"
check_eq "each dump complete, an address repeated only for a newer block, and reported once" 0 "$dups"
diag "addresses freed and given out again while a dump was written: $raw"

# A status file left by an earlier process with the same pid (here the
# shell the program is exec'ed from) is removed at start, not read as the
# program's: tether dump waits for the program's own first dump.
mkdir -p "$T/st"
coproc ST {
	exec sh -c 'printf "tether-status 1\npid $$\nsignal 12 USR2\ntaken 0\nseq 99\nlast stale\n" \
		> "$0/.tether.$$.status"; exec env LD_PRELOAD="$1" TETHER_OUTPUT="$0/" "$2"' \
		"$T/st" "$LIBTETHER" "$WL/live_leak"
}
spid=$ST_PID
wait_tether "$spid"
check "a stale status file of the same pid is gone at start" test ! -e "$T/st/.tether.$spid.status"
echo 10 >&"${ST[1]}"
read -r line <&"${ST[0]}"
p=$("$TETHER" dump --wait --timeout 20s "$spid")
check_eq "tether dump --wait after a stale status file exits 0" 0 $?
check_grep "and names the program's own first dump" "\.$spid\.1\.signal\.tdump$" <(echo "$p")
exec {ST[1]}>&-
wait "$spid"

# A program that uses SIGUSR2 itself keeps it.
for mode in start later ignore; do
	"$WL/sig_own" $mode > "$T/own.plain"
	rc=$?
	"$TETHER" run -o "$T/own-$mode" -- "$WL/sig_own" $mode > "$T/own.out" 2> "$T/own.err"
	check_eq "sig_own $mode: exit status unchanged" "$rc" $?
	check_eq "sig_own $mode: output unchanged" "$(cat "$T/own.plain")" "$(cat "$T/own.out")"
	if [ $mode != ignore ]; then
		check_eq "sig_own $mode: told once how to pick another signal" 1 "$(grep -c 'TETHER_DUMP_SIGNAL' "$T/own.err")"
		check_eq "sig_own $mode: no signal dump" 0 "$(ls "$T/own-$mode" | grep -c signal)"
	fi
done
TETHER_DUMP_SIGNAL=USR1 "$TETHER" run -o "$T/own-usr1" -- "$WL/sig_own" start > "$T/own.out" 2> "$T/own.err"
check_eq "with TETHER_DUMP_SIGNAL=USR1 the program's SIGUSR2 is not noted" 0 "$(grep -c . "$T/own.err")"

# tether dump's errors.
"$TETHER" dump 999999999 2> "$T/err"
check_eq "no such process: exit 2" 2 $?
check_grep "no such process: said" "no such process 999999999" "$T/err"
"$TETHER" dump 12x 2> "$T/err"
check_eq "bad pid: exit 2" 2 $?
check_grep "bad pid: named" "'12x' is not a process id" "$T/err"
sleep 5 & spid=$!
"$TETHER" dump "$spid" 2> "$T/err"
check_eq "a process not under tether: exit 2" 2 $?
check_grep "not under tether: said" "not running under tether" "$T/err"
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TETHER" dump "$spid" 2> "$T/err"
	check_eq "another user's process: exit 2" 2 $?
	check_grep "another user's process: no permission" "no permission" "$T/err"
else
	skip "no permission test needs root and setpriv"
	skip "no permission test needs root and setpriv"
fi
kill "$spid" 2> /dev/null
wait "$spid" 2> /dev/null
"$TETHER" run --dump-interval 5x -- true 2> "$T/err"
check_eq "bad --dump-interval: exit 2" 2 $?
check_grep "bad --dump-interval names the value and the forms" "5x: expected a duration" "$T/err"
"$TETHER" run --dump-every lots -- true 2> "$T/err"
check_eq "bad --dump-every: exit 2" 2 $?
check_grep "bad --dump-every names the value and the forms" "lots: expected a count" "$T/err"
"$TETHER" run --dump-signal KILL -- true 2> "$T/err"
check_eq "--dump-signal KILL refused" 2 $?
check_grep "bad --dump-signal names the accepted forms" "KILL: expected a signal" "$T/err"

# A program without threads gets no dumper thread (one more thread would
# turn off glibc's single-thread fast paths): its signal dumps are written
# by the handler; the dumper starts with the program's first thread.
mkdir -p "$T/lt"
LD_PRELOAD="$LIBTETHER" TETHER_OUTPUT="$T/lt/" "$WL/late_thread" 1.5 > "$T/lt.out" &
lpid=$!
wait_tether "$lpid"
check_eq "single-threaded: no thread of tether's" 1 "$(ls /proc/$lpid/task | wc -l)"
"$TETHER" dump --wait "$lpid" > "$T/lt.path1"
check_eq "single-threaded: dumped on the signal" 0 $?
check "single-threaded: the dump is there" test -s "$(cat "$T/lt.path1")"
check_eq "single-threaded: still no thread of tether's" 1 "$(ls /proc/$lpid/task | wc -l)"
sleep 1.6
check_eq "after the program's first thread: the dumper too" 3 "$(ls /proc/$lpid/task | wc -l)"
"$TETHER" dump --wait "$lpid" > "$T/lt.path2"
check_eq "then dumped by the dumper thread" 0 $?
wait "$lpid"
check_eq "late_thread's status and output unchanged" "late_thread done" "$(cat "$T/lt.out")"
"$TETHER" report "$(cat "$T/lt.path1")" > "$T/lt.txt"
check_grep "the handler's dump reads as any other" "dump #1 at signal" "$T/lt.txt"

done_testing
