#!/bin/bash
# threads.sh - the thread registry: each thread's state, name, creator,
# creation site and start routine are reported exactly; threads never
# joined are leaked at exit, detached and joined ones are not; memory stays
# bounded under thread churn.
set -u
. "$top_srcdir/tests/lib/tap.sh"
S="$top_srcdir/tests/workloads/threads_leak.c"

"$TETHER" run -o "$T/d" -- "$WL/threads_leak" > "$T/out"
check_eq "threads_leak exits 0 with threads still blocked" 0 $?
check_eq "and prints as usual" "threads started" "$(cat "$T/out")"
"$TETHER" report --type threads --format json -o "$T/t.json" "$T/d"
check_eq "report --type threads --format json exits 0" 0 $?

# field NAME KEY: one field of the thread named NAME
field() {
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = [t for t in r["processes"][0]["threads"] if t["name"] == sys.argv[2]]
v = t[0] if t else None
for k in sys.argv[3].split("."):
    v = v[k] if v is not None else None
print(json.dumps(v))' "$T/t.json" "$1" "$2"
}
creation() {
	python3 -c '
import json, os, sys
r = json.load(open(sys.argv[1]))
t = [t for t in r["processes"][0]["threads"] if t["name"] == sys.argv[2]][0]
f = t["created_at"][0]
print("%s %s:%s" % (f["function"], os.path.basename(f["file"]), f["line"]))' "$T/t.json" "$1"
}

check_eq "five threads: main, reader, waiter, quitter, sleeper (the joined one is gone)" 5 \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"][0]["threads"]))' "$T/t.json")"
for t in reader waiter quitter; do
	check_eq "$t: created in start_pool at its line" "start_pool threads_leak.c:$(line_of create_$t "$S")" "$(creation $t)"
	check_eq "$t: start routine ${t}_main" "true" "$(field $t start_routine | grep -q "\"${t}_main (threads_leak.c:[0-9]*)\"" && echo true)"
	check_eq "$t: created by thread 1" 1 "$(field $t creator)"
	check_eq "$t: leaked (never joined)" true "$(field $t leaked)"
done
check_eq "reader: blocked in read" '"read"' "$(field reader wait.call)"
check_grep "reader: on a pipe" '^"pipe:\[[0-9]+\]"$' <(field reader wait.target)
check_eq "reader: state blocked" '"blocked"' "$(field reader state)"
check "reader: blocked for about the 200 ms main slept" python3 -c "import sys; sys.exit(not 0.1 <= $(field reader wait.seconds) < 30)"
check_eq "waiter: blocked in pthread_cond_wait" '"pthread_cond_wait"' "$(field waiter wait.call)"
check_eq "waiter: where it waits, at its line" "waiter_main:$(line_of cond_wait "$S")" \
	"$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = [t for t in r["processes"][0]["threads"] if t["name"] == "waiter"][0]
f = t["wait"]["frames"][0]
print("%s:%s" % (f["function"], f["line"]))' "$T/t.json")"
# wait_at NAME: "function:line" of the innermost frame of where NAME waits
wait_at() {
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = [t for t in r["processes"][0]["threads"] if t["name"] == sys.argv[2]][0]
f = (t["wait"].get("frames") or [{"function": None, "line": None}])[0]
print("%s:%s" % (f["function"], f["line"]))' "$T/t.json" "$1"
}
check_eq "reader: an fd wait still blocked shows where, at its line" \
	"reader_main:$(line_of reader_read "$S")" "$(wait_at reader)"
check_eq "sleeper: blocked in pause" '"pause"' "$(field sleeper wait.call)"
check_eq "quitter: ended but not joined" '"ended, not joined"' "$(field quitter state)"
check_eq "sleeper: detached" true "$(field sleeper detached)"
check_eq "sleeper: not leaked" false "$(field sleeper leaked)"
check_eq "sleeper: created at its line" "start_pool threads_leak.c:$(line_of create_sleeper "$S")" "$(creation sleeper)"
check_eq "main thread: not leaked" false "$(field threads_leak leaked)"

"$TETHER" report --type threads "$T/d" > "$T/t.txt"
check_grep "text: a summary line" "5 threads \(.*1 ended but not joined\), 3 leaked$" "$T/t.txt"
check_grep "text: Go-style thread line" "^thread [0-9]+ \"quitter\" \[ended, not joined\] created by start_pool \(threads_leak.c:$(line_of create_quitter "$S")\) LEAKED: never joined$" "$T/t.txt"
check_grep "text: wait, fd kind and duration" "^thread [0-9]+ \"reader\" \[read on pipe fd [0-9]+, [0-9]+ ms\] created by start_pool" "$T/t.txt"
check_grep "text: start routine" "^    start routine: reader_main \(threads_leak.c:[0-9]+\)$" "$T/t.txt"

"$TETHER" report --type threads --format pprof -o "$T/t.pb.gz" "$T/d"
check_eq "threads pprof written" 0 $?
if [ -n "${GO:-}" ] && [ "$GO" != no ]; then
	HOME="$T" GOCACHE="$T/gocache" "$GO" tool pprof -symbolize=none -raw "$T/t.pb.gz" > "$T/raw" 2>/dev/null
	check_eq "go tool pprof reads the threads profile" 0 $?
	check_eq "one sample per thread" 5 "$(grep -c 'thread:\[' "$T/raw")"
	check_grep "labelled with state" 'state:\[ended, not joined\]' "$T/raw"
else
	skip "go tool pprof not installed"
fi

# One thread blocked in each kind of wait.
"$TETHER" run -o "$T/k" -- "$WL/threads_leak" kinds > /dev/null
"$TETHER" report --type threads --format json -o "$T/t.json" "$T/k"
check_eq "recv: blocked in recv" '"recv"' "$(field recv wait.call)"
check_grep "recv: on a socket" '^"socket:\[[0-9]+\]"$' <(field recv wait.target)
check_eq "accept: blocked in accept" '"accept"' "$(field accept wait.call)"
check_grep "accept: on a socket" '^"socket:\[[0-9]+\]"$' <(field accept wait.target)
check_eq "epoll: blocked in epoll_wait" '"epoll_wait"' "$(field epoll wait.call)"
check_grep "epoll: on an eventpoll fd" '^"anon_inode:\[eventpoll\]"$' <(field epoll wait.target)
check_eq "sem: blocked in sem_wait" '"sem_wait"' "$(field sem wait.call)"
check_eq "mutex: blocked in pthread_mutex_lock" '"pthread_mutex_lock"' "$(field mutex wait.call)"
check_eq "mutex: held by the main thread (1)" 1 "$(field mutex wait.held_by)"
check_eq "sleep: blocked in sleep" '"sleep"' "$(field sleep wait.call)"
for k in recv accept epoll sleep; do
	check_eq "$k: where it waits, at its line (unwound while it blocks)" \
		"${k}_main:$(line_of ${k}_call "$S")" "$(wait_at $k)"
done
for k in recv accept epoll sem mutex sleep; do
	check_eq "$k: state blocked" '"blocked"' "$(field $k state)"
	check_eq "$k: start routine ${k}_main" "true" \
		"$(field $k start_routine | grep -q "\"${k}_main (threads_leak.c:[0-9]*)\"" && echo true)"
	check_eq "$k: created in start_kinds at its line" \
		"start_kinds threads_leak.c:$(line_of create_kinds "$S")" "$(creation $k)"
	check_eq "$k: leaked (never joined)" true "$(field $k leaked)"
done
check_eq "all eleven threads listed" 11 \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"][0]["threads"]))' "$T/t.json")"
"$TETHER" report --type threads "$T/k" > "$T/k.txt"
check_grep "text: recv on socket fd" "^thread [0-9]+ \"recv\" \[recv on socket fd [0-9]+, [0-9]+ ms\]" "$T/k.txt"
check_grep "text: epoll_wait on its eventpoll fd" "^thread [0-9]+ \"epoll\" \[epoll_wait on \[eventpoll\] fd [0-9]+" "$T/k.txt"

# fork from a threaded program: the child has only the forking thread.
"$TETHER" run -o "$T/f" -- "$WL/threads_leak" fork > /dev/null
"$TETHER" report --type threads --format json -o "$T/f.json" "$T/f"
check_eq "fork: the child lists only its one thread" 1 "$(python3 -c '
import json,sys
p = [p for p in json.load(open(sys.argv[1]))["processes"] if p["trigger"] and p["pid"]]
print(min(len(x["threads"]) for x in p))' "$T/f.json")"

# A deadlock: two threads take locks a and b in opposite orders.
"$TETHER" run -o "$T/dl" -- "$WL/threads_leak" deadlock > /dev/null
"$TETHER" report --type threads --format json -o "$T/t.json" "$T/dl"
ab=$(field takes-a-then-b number)
ba=$(field takes-b-then-a number)
check_eq "deadlock: a-then-b waits in pthread_mutex_lock" '"pthread_mutex_lock"' "$(field takes-a-then-b wait.call)"
check_eq "deadlock: held by b-then-a" "$ba" "$(field takes-a-then-b wait.held_by)"
check_eq "deadlock: b-then-a held by a-then-b" "$ab" "$(field takes-b-then-a wait.held_by)"
check_eq "deadlock: both marked" "true true" "$(field takes-a-then-b deadlocked) $(field takes-b-then-a deadlocked)"
check_eq "deadlock: the others are not" "false false" "$(field reader deadlocked) $(field waiter deadlocked)"
"$TETHER" report --type threads "$T/dl" > "$T/dl.txt"
check_grep "text: the cycle is named" "^    thread $ab \"takes-a-then-b\" waits in pthread_mutex_lock on 0x[0-9a-f]+, held by thread $ba \"takes-b-then-a\"$" "$T/dl.txt"
check_grep "text: with the stack each waits at" "^        #1 ab_main \(threads_leak.c:$(line_of ab_lock "$S")\)$" "$T/dl.txt"
check_grep "text: and closed" "^    thread $ba \"takes-b-then-a\" waits in pthread_mutex_lock on 0x[0-9a-f]+, held by thread $ab \"takes-a-then-b\"$" "$T/dl.txt"

# tether's own threads are never listed: the private jemalloc's background
# threads (MALLOC_CONF turns them on) start inside libtether.
MALLOC_CONF=background_thread:true "$TETHER" run -o "$T/bg" -- "$WL/threads_leak" > /dev/null
"$TETHER" report --type threads --format json -o "$T/bg.json" "$T/bg"
check_eq "jemalloc background threads are not listed" 5 \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"][0]["threads"]))' "$T/bg.json")"

# Churn: 20000 threads created and joined; the registry reuses slots.
"$TETHER" run -o "$T/c" -- "$WL/threads_leak" churn 20000 > /dev/null
"$TETHER" report --format json -o "$T/c.json" "$T/c"
slots=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["processes"][0]["threads"]["registry_slots"])' "$T/c.json")
seen=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["processes"][0]["threads"]["seen"])' "$T/c.json")
check "20006 threads numbered" [ "$seen" -ge 20006 ]
check "but at most a handful of registry slots used ($slots)" [ "$slots" -le 8 ]

# --ignore-thread: by name, start routine or creating function.
"$TETHER" report --type threads --ignore-thread 'read*' --ignore-thread waiter_main \
	--ignore-thread start_pool "$T/d" > "$T/ig.txt"
check_grep "ignored threads are counted (start_pool created four)" "1 threads \(0 blocked, 0 ended but not joined\), 0 leaked; 4 ignored" "$T/ig.txt"
check "and not listed" bash -c "! grep -q '\"reader\"' '$T/ig.txt'"
"$TETHER" report --type threads --ignore-thread 'worker[' "$T/d" 2> "$T/err"
check_eq "a bad pattern: exit 2" 2 $?
check_grep "names the pattern and the problem" "^tether report: --ignore-thread 'worker\[': a '\[' is never closed by '\]'$" "$T/err"
"$TETHER" report --type threads --ignore-thread '' "$T/d" 2> "$T/err"
check_grep "an empty pattern is refused" "--ignore-thread '': the pattern is empty" "$T/err"

"$TETHER" report --type bogus "$T/d" 2> "$T/err"
check_eq "unknown --type: exit 2" 2 $?
check_grep "lists the valid types" "unknown type \(expected heap, threads, block, mutex or leaks\): bogus" "$T/err"

done_testing
