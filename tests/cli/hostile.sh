#!/bin/bash
# hostile.sh - the host program is never broken, whatever it does to the
# process tether lives in: signal handlers that allocate, fork among
# allocating threads, vfork/posix_spawn/system/exec, dlopen churn, thread
# churn, cancellation and longjmp out of blocking calls, C++ exceptions
# through C, closed fds, a rewritten environment, every signal handled,
# glibc's malloc extras, static and setuid programs, a full disk and
# SIGKILL while dumping.  Each case runs plainly and under the library and
# compares stdout and exit status; `timeout` turns a hang into a failure;
# the traced run's dump must parse.
set -u
. "$top_srcdir/tests/lib/tap.sh"

LIMIT=120
export LC_ALL=C TMPDIR="$T"
unset LD_PRELOAD TETHER_VERBOSE
n=0

# pair NAME EXPECTED_STATUS COMMAND...: plain, then traced (LD_PRELOAD);
# same stdout, same status, a dump that `tether report --format json` reads.
pair() {
	local name=$1 want=$2 dd
	shift 2
	n=$((n + 1))
	dd="$T/d$n"
	mkdir -p "$dd"
	timeout $LIMIT "$@" > "$T/p$n" 2> "$T/pe$n"
	local ps=$?
	timeout $LIMIT env TETHER_OUTPUT="$dd/" LD_PRELOAD="$LIBTETHER" "$@" > "$T/t$n" 2> "$T/te$n"
	local ts=$?
	check_eq "$name: plain run exits $want" "$want" "$ps"
	check_eq "$name: same exit status under libtether" "$ps" "$ts"
	if cmp -s "$T/p$n" "$T/t$n"; then
		ok "$name: same stdout"
	else
		not_ok "$name: same stdout"
		diff -u "$T/p$n" "$T/t$n" | head -20 | sed 's/^/# /'
	fi
	traced_dump "$name" "$dd"
}

# traced_dump NAME DIR: a dump is there, parses, and no temporary is left.
traced_dump() {
	if [ -n "$(find "$2" -name '*.tdump' -size +0)" ] &&
	    "$TETHER" report --format json -o "$2.json" "$2" 2> "$2.err"; then
		ok "$1: a dump was written and parses"
	else
		not_ok "$1: a dump was written and parses"
		sed 's/^/# /' "$2.err" 2>/dev/null | head -5
	fi
	check_eq "$1: no temporary dump file left" 0 "$(find "$2" -name '*.tmp' | wc -l)"
}

# ---- signals --------------------------------------------------------------

# glibc's own malloc does not survive this (its arena lists get corrupted:
# the plain run may abort), so the traced run is compared with the output
# the loop must give, not with the plain run.
mkdir -p "$T/sig"
timeout $LIMIT env TETHER_OUTPUT="$T/sig/" LD_PRELOAD="$LIBTETHER" \
	"$WL/hostile_signal" 2000000 > "$T/sig.out" 2> "$T/sig.err"
check_eq "signal malloc: exits 0 under libtether (the handler ran)" 0 $?
check_eq "signal malloc: the loop's checksum" "sum 254991808" "$(cat "$T/sig.out")"
traced_dump "signal malloc" "$T/sig"
check_eq "signal malloc: the block live at exit is in the dump" "123 1" \
	"$(site "$T/sig.json" live_block "$top_srcdir/tests/workloads/hostile_signal.c" | cut -d' ' -f1,2)"

# ---- processes ------------------------------------------------------------

pair "fork among allocating threads, 300 times" 0 "$WL/hostile_fork" fork 300
check_eq "fork: each child wrote its dump" 301 "$(find "$T/d$n" -name '*.tdump' | wc -l)"
pair "vfork + exec, 200 times" 0 "$WL/hostile_fork" vfork 200
pair "posix_spawn, 200 times" 0 "$WL/hostile_fork" spawn 200
pair "system(), 50 times" 0 "$WL/hostile_fork" system 50
n=$((n + 1))
mkdir -p "$T/d$n"
timeout $LIMIT "$WL/hostile_fork" exec-strip > "$T/p$n"
timeout $LIMIT env TETHER_OUTPUT="$T/d$n/" LD_PRELOAD="$LIBTETHER" \
	"$WL/hostile_fork" exec-strip > "$T/t$n"
check_eq "exec with LD_PRELOAD stripped: status 9" 9 $?
check "exec stripped: same stdout as plain" cmp -s "$T/p$n" "$T/t$n"
check_eq "exec stripped: the child ran untraced" "child traced=0" "$(cat "$T/t$n")"
check_eq "exec stripped: no dump (the old image writes none, the new one is untraced)" 0 \
	"$(find "$T/d$n" -name '*.tdump' | wc -l)"
n=$((n + 1))
mkdir -p "$T/d$n"
timeout $LIMIT env TETHER_OUTPUT="$T/d$n/" LD_PRELOAD="$LIBTETHER" \
	"$WL/hostile_fork" exec-keep > "$T/t$n"
check_eq "exec with tether kept: status 9" 9 $?
check_eq "exec kept: the child is traced" "child traced=1" "$(cat "$T/t$n")"
traced_dump "exec kept" "$T/d$n"

# ---- libraries and threads ------------------------------------------------

pair "dlopen/dlclose 3000 times" 0 "$WL/hostile_dl" "$WL/.libs/hostile_plugin.so" 3000
check_eq "dlopen: the constructor's blocks were freed by the destructor" "0 0" \
	"$(q "$T/d$n.json" file hostile_plugin.c | cut -d' ' -f1,2)"
pair "thread churn: 200000 joined threads" 0 "$WL/hostile_threads" 200000
growth=$(sed -n 's/^hwm growth \(-*[0-9]*\) kB$/\1/p' "$T/te$n")
check "thread churn: peak RSS grew less than 16 MB under libtether (${growth:-?} kB)" \
	test -n "$growth" -a "${growth:-99999999}" -lt 16384
slots=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"][0]["threads"]))' "$T/d$n.json" 2>/dev/null)
check "thread churn: a handful of threads in the dump's registry (${slots:-?})" \
	test -n "$slots" -a "${slots:-999}" -lt 16

pair "pthread_cancel in read, cond_wait, sem_wait, sleep" 0 "$WL/hostile_cancel" cancel
pair "siglongjmp out of read, then an unwrapped block" 0 "$WL/hostile_cancel" jump
pair "siglongjmp out of read, then running" 0 "$WL/hostile_cancel" jump-run
pair "siglongjmp out of read, then pthread_exit" 0 "$WL/hostile_cancel" jump-exit
for m in jump jump-run; do
	timeout $LIMIT "$TETHER" check -- "$WL/hostile_cancel" $m > /dev/null 2> "$T/ck.$m"
	check_grep "tether check after longjmps ($m): the block the thread holds is not lost" \
		"^SUMMARY: tether: 0 bytes definitely lost" "$T/ck.$m"
	check_grep "tether check after longjmps ($m): the thread is not shown in its old read" \
		'thread 2 "hostile_cancel" \[running\]' "$T/ck.$m"
done

pair "C++ exceptions through qsort and bsearch" 0 "$WL/hostile_cxx"

# ---- the process around tether --------------------------------------------

pair "every fd closed at start" 4 "$WL/hostile_misc" closefds
pair "clearenv" 0 "$WL/hostile_misc" clearenv
pair "TETHER_OUTPUT rewritten to garbage after start" 0 "$WL/hostile_misc" badenv
pair "glibc's malloc_trim, mallinfo2, malloc_stats, mallopt, malloc_info" 0 \
	"$WL/hostile_misc" mallocapi
pair "a handler on every signal" 0 "$WL/hostile_misc" allsigs
check_eq "every signal: no handler of the program ran" "allsigs: 60 handlers, handled 0" \
	"$(cat "$T/t$n")"
timeout $LIMIT "$TETHER" check -- "$WL/hostile_misc" allsigs > "$T/as.out" 2> "$T/as.err"
check_eq "every signal: tether check gives its verdict (the leak: 23)" 23 $?
check_grep "every signal: the 777-byte leak is found" "777 bytes in 1 blocks definitely lost" "$T/as.err"
check_grep "every signal: and it says the threads were not stopped" \
	"2 threads could not be stopped" "$T/as.err"

# ---- programs preloading cannot reach -------------------------------------

for cmd in run check; do
	"$TETHER" $cmd -o "$T/st.$cmd" -- "$WL/hostile_static" > /dev/null 2> "$T/st.$cmd.err"
	check_eq "static program: tether $cmd refuses (usage status 2)" 2 $?
	check_grep "static program: tether $cmd says why" "statically linked: preloading cannot" \
		"$T/st.$cmd.err"
done

# A setuid program owned by another user runs in secure-execution mode, and
# the loader drops LD_PRELOAD.  (Root running a setuid-root program is not
# secure execution: the test needs another owner, here nobody.)
cp "$WL/.libs/hostile_misc" "$T/suid" 2>/dev/null || cp "$WL/hostile_misc" "$T/suid"
if [ "$(id -u)" = 0 ] && chown nobody "$T/suid" 2>/dev/null && chmod 4755 "$T/suid" &&
    chmod 755 "$T" && [ "$(stat -c %A "$T/suid" | cut -c4)" = s ] &&
    ! findmnt -n -o OPTIONS -T "$T" | grep -qw nosuid; then
	mkdir -p "$T/su"
	TETHER_OUTPUT="$T/su/" LD_PRELOAD="$LIBTETHER" "$T/suid" clearenv > /dev/null
	check_eq "setuid: plain LD_PRELOAD runs it untraced (no dump)" 0 "$(find "$T/su" -name '*.tdump' | wc -l)"
	for cmd in run check; do
		"$TETHER" $cmd -o "$T/su.$cmd" -- "$T/suid" clearenv > /dev/null 2> "$T/su.$cmd.err"
		check_eq "setuid: tether $cmd refuses (usage status 2)" 2 $?
		check_grep "setuid: tether $cmd says the loader ignores the preload" \
			"secure-execution" "$T/su.$cmd.err"
	done
	chmod 700 "$T"
else
	skip "setuid: needs root, chown to nobody and a filesystem without nosuid"
fi

# ---- never lose a dump ----------------------------------------------------

mkdir -p "$T/full"
if mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
	TETHER_OUTPUT="$T/full/heap.tdump" LD_PRELOAD="$LIBTETHER" "$WL/hostile_misc" clearenv > /dev/null
	cp "$T/full/heap.tdump" "$T/prev.tdump"
	TETHER_OUTPUT="$T/full/heap.tdump" LD_PRELOAD="$LIBTETHER" \
		"$WL/hostile_misc" bigheap 20000 > "$T/full.out" 2> "$T/full.err"
	check_eq "disk full: the program's status is kept" 0 $?
	check_eq "disk full: its stdout too" ready "$(cat "$T/full.out")"
	check "disk full: the previous dump is intact" cmp -s "$T/prev.tdump" "$T/full/heap.tdump"
	check_eq "disk full: no temporary left" 0 "$(ls -A "$T/full" | grep -c tmp)"
	check_eq "disk full: no other file left" 1 "$(ls -A "$T/full" | wc -l)"
	check_eq "disk full: the error is said once" 1 "$(grep -c '^tether: ' "$T/full.err")"
	check_grep "disk full: and says so" "no space left" "$T/full.err"
	umount "$T/full"
else
	skip "disk full: cannot mount a tmpfs here"
fi

# SIGKILL at random moments of a dump of 300000 blocks: no final name ever
# holds a half-written dump.
mkdir -p "$T/kill"
bad=0 killed=0
for i in $(seq 1 12); do
	rm -f "$T/kill.fifo"
	mkfifo "$T/kill.fifo"
	TETHER_OUTPUT="$T/kill/" LD_PRELOAD="$LIBTETHER" \
		"$WL/hostile_misc" bigheap 300000 > "$T/kill.fifo" &
	pid=$!
	read -r line < "$T/kill.fifo"
	sleep "0.$(printf '%03d' $((RANDOM % 400)))"
	kill -9 $pid 2>/dev/null && killed=$((killed + 1))
	wait $pid 2>/dev/null
done
for f in "$T"/kill/*.tdump; do
	[ -e "$f" ] || continue
	"$TETHER" report --format json -o /dev/null "$f" 2>/dev/null || bad=$((bad + 1))
done
check_eq "SIGKILL while dumping ($killed killed, $(ls "$T"/kill/*.tdump 2>/dev/null | wc -l) complete): every final-name dump parses" 0 "$bad"
check "SIGKILL while dumping: the directory still reads, temporaries ignored" \
	"$TETHER" report --format json -o /dev/null "$T/kill"

done_testing
