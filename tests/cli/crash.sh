#!/bin/bash
# crash.sh - the crash dump (TETHER_DUMP_ON_CRASH, tether run
# --dump-on-crash): a program that segfaults, aborts, overflows its stack
# or segfaults in a second thread still gets its final dump, which parses
# and shows the block leaked before the crash, and it dies as without
# tether (the same status, a core dump when one would be written); without
# the option, no dump and the same status; a program that handles SIGSEGV
# itself keeps its handler, and sees SIG_DFL where tether holds it.
set -u
. "$top_srcdir/tests/lib/tap.sh"
SRC="$top_srcdir/tests/workloads"
CR="$WL/crash"
# A tether built with ASan would otherwise set RLIMIT_CORE to 0 for itself
# and so for the program it runs.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0"

# status_of DIR COMMAND...: "STATUS CORE" of COMMAND run in DIR with core
# dumps allowed (CORE: 1 when the kernel says it dumped core).
status_of() {
	local d=$1
	shift
	(cd "$d" && ulimit -c unlimited 2>/dev/null
	 python3 -c 'import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=open("out", "w"), stderr=open("err", "w"))
_, st = os.waitpid(p.pid, 0)
print(os.waitstatus_to_exitcode(st) if not os.WIFSIGNALED(st) else 128 + os.WTERMSIG(st),
      1 if os.WCOREDUMP(st) else 0)' "$@")
}

for mode in segv abort overflow thread; do
	case $mode in abort) want=134 ;; *) want=139 ;; esac
	mkdir -p "$T/$mode/plain" "$T/$mode/on" "$T/$mode/off"
	set -- $(status_of "$T/$mode/plain" "$CR" "$mode")
	plain="$1 $2"
	check_eq "$mode: the plain run dies of its signal ($want)" "$want" "$1"
	set -- $(status_of "$T/$mode/on" "$TETHER" run -o "$T/$mode/on/d" --dump-on-crash -- "$CR" "$mode")
	check_eq "$mode --dump-on-crash: the same status, and a core dump as plainly" "$plain" "$1 $2"
	check "$mode --dump-on-crash: the same stdout" cmp -s "$T/$mode/plain/out" "$T/$mode/on/out"
	check_eq "$mode --dump-on-crash: tether says nothing" "" "$(cat "$T/$mode/on/err")"
	f=$(ls "$T/$mode/on/d"/*.crash.tdump 2>/dev/null)
	check_eq "$mode --dump-on-crash: one crash dump, no other" "1 1" \
		"$(echo "$f" | grep -c .) $(ls "$T/$mode/on/d" | wc -l)"
	if [ -n "$f" ] && "$TETHER" report --format json -o "$T/$mode.json" "$f" 2>"$T/$mode.rerr"; then
		ok "$mode: the crash dump parses"
		check_eq "$mode: the trigger is crash" '"crash"' "$(q "$T/$mode.json" field trigger)"
		check_eq "$mode: the block leaked before the crash is in it (4242 bytes, 1 block)" \
			"4242 1" "$(site "$T/$mode.json" leak "$SRC/crash.c" | cut -d' ' -f1,2)"
	else
		not_ok "$mode: the crash dump parses"
		sed 's/^/#   /' "$T/$mode.rerr" 2>/dev/null | head -5
	fi
	set -- $(status_of "$T/$mode/off" "$TETHER" run -o "$T/$mode/off/d" -- "$CR" "$mode")
	check_eq "$mode without the option: the same status" "$plain" "$1 $2"
	check_eq "$mode without the option: no dump (as before)" 0 "$(ls "$T/$mode/off/d" | wc -l)"
done

# A real interpreter crashing: python3 reading address 0 through ctypes.
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import ctypes' 2>/dev/null; then
	mkdir -p "$T/py/plain" "$T/py/on"
	set -- $(status_of "$T/py/plain" "$PY" -c 'import ctypes; print("hi", flush=True); ctypes.string_at(0)')
	plain="$1 $2"
	set -- $(status_of "$T/py/on" "$TETHER" run -o "$T/py/on/d" --dump-on-crash -- \
		"$PY" -c 'import ctypes; print("hi", flush=True); ctypes.string_at(0)')
	check_eq "python3 segfaulting under --dump-on-crash: the same status and core ($plain)" "$plain" "$1 $2"
	check "python3: the same stdout" cmp -s "$T/py/plain/out" "$T/py/on/out"
	f=$(ls "$T/py/on/d"/*.crash.tdump 2>/dev/null | head -1)
	check "python3: its crash dump parses" "$TETHER" report -o "$T/py.txt" "$f"
else
	skip "python3 with ctypes not installed"
	skip "python3 with ctypes not installed"
	skip "python3 with ctypes not installed"
fi

# The program's own handler stays its own.
"$CR" own >"$T/own.plain"
rc=$?
"$TETHER" run -o "$T/own" --dump-on-crash -- "$CR" own >"$T/own.out" 2>"$T/own.err"
check_eq "own SIGSEGV handler: the same status (3)" "$rc" $?
check "own SIGSEGV handler: it ran, same stdout" cmp -s "$T/own.plain" "$T/own.out"
check_eq "own SIGSEGV handler: no crash dump, the _exit dump" "exit" \
	"$(ls "$T/own" | sed 's/.*\.\([a-z_]*\)\.tdump$/\1/')"
# What the program sees.
check_eq "sigaction shows the program SIG_DFL under --dump-on-crash" "SIGSEGV default" \
	"$("$TETHER" run -o "$T/view" --dump-on-crash -- "$CR" view | tail -1)"
# A signal ignored when the program starts is left alone.
mkdir -p "$T/ign"
set -- $(cd "$T/ign" && python3 -c 'import signal, subprocess, sys
signal.signal(signal.SIGABRT, signal.SIG_IGN)
p = subprocess.run(sys.argv[1:], capture_output=True)
print(p.returncode)' "$TETHER" run -o "$T/ign/d" --dump-on-crash -- "$CR" abort)
check_eq "SIGABRT ignored from the start: abort still ends it (134), no crash dump" \
	"-6 0" "$1 $(ls "$T/ign/d" | grep -c crash)"

done_testing
