#!/bin/bash
# tests/real/servers.sh - servers nobody here wrote, under tether while
# clients load them on loopback (127.0.0.1 only, ports picked free):
#   - redis-server (Debian's links jemalloc and calls its extended API),
#     loaded by redis-benchmark: a scripted session answers the same as
#     without tether, no request fails, SHUTDOWN ends it with status 0 and
#     its dump parses; under tether check the verdict is sane; its own
#     SIGSEGV handler stays its own under --dump-on-crash;
#   - nginx, a master and two workers: pages served the same (curl, also
#     run under tether itself), ab load without a failed request; with the
#     default dump signal (SIGUSR2, which nginx uses for its binary
#     upgrade) tether leaves nginx its handler and says once which signal
#     to pick instead; with --dump-signal RTMIN+4, tether dump --wait on
#     the master and on every worker while ab runs, and nginx's own USR1
#     (reopen the logs) and HUP (reload: new workers) work in between.
# Each server is bounded in time (timeout) and in requests.  Programs that
# are not installed are skipped.
set -u

. "$top_srcdir/tests/lib/tap.sh"

if [ ! -f "$LIBTETHER" ]; then
	not_ok "libtether.so exists at $LIBTETHER"
	done_testing
fi
export LC_ALL=C TZ=UTC HOME="$T"
unset LD_PRELOAD TETHER_VERBOSE TETHER_DUMP_SIGNAL TETHER_OUTPUT
LIMIT=120
have() { command -v "$1" >/dev/null 2>&1; }
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	local n=$(($1 * 20))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
parses() { "$TETHER" report --format json -o "$T/parsed.json" "$1" 2>"$T/parse.err"; }
# all_parse DIR: "N BAD": the dumps in DIR and how many do not parse.
all_parse() {
	local n=0 bad=0 f
	for f in "$1"/*.tdump; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		parses "$f" || bad=$((bad + 1))
	done
	echo "$n $bad"
}

# ---- redis -------------------------------------------------------------------

# A session whose answers hold no time, pid or address.
cat >"$T/redis.cmds" <<'EOF'
SET greeting hello
GET greeting
APPEND greeting ", world"
GET greeting
INCRBY counter 41
INCR counter
RPUSH list a b c d e f
LRANGE list 1 -2
LPOP list
HSET h f1 v1 f2 v2 f3 v3
HGETALL h
SADD s x y z x
SCARD s
ZADD z 1 one 2 two 3 three
ZRANGE z 0 -1 WITHSCORES
DEL list
EXISTS list greeting
DBSIZE
EOF

# redis_start NAME PORT [tether run|check options --]: the server in
# $T/NAME, in the background; $rpid is the tether or redis process.
redis_start() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/$name"
	(cd "$T/$name" && exec timeout -k 5 "$LIMIT" "$@" redis-server --port "$port" \
		--bind 127.0.0.1 --save '' --appendonly no --dir "$T/$name" \
		--logfile "$T/$name/redis.log" --protected-mode yes ${REDIS_EXTRA:-} \
		</dev/null >"$T/$name.out" 2>"$T/$name.err") &
	rpid=$!
	wait_for 20 redis-cli -p "$port" PING
}

if have redis-server && have redis-cli && have redis-benchmark; then
	# Plainly, for the reference answers.
	p=$(free_port)
	redis_start redis-plain "$p" || diag "plain redis did not answer"
	timeout 20 redis-cli -p "$p" <"$T/redis.cmds" >"$T/redis-plain.ans" 2>&1
	redis-cli -p "$p" SHUTDOWN NOSAVE >/dev/null 2>&1
	wait "$rpid"
	check_eq "redis plain: exits 0 on SHUTDOWN" 0 $?

	p=$(free_port)
	if redis_start redis-run "$p" "$TETHER" run -o "$T/redis-run/d" --; then
		ok "redis under tether run: answers"
	else
		not_ok "redis under tether run: answers"
		sed 's/^/#   /' "$T/redis-run.err" | head
	fi
	timeout 20 redis-cli -p "$p" <"$T/redis.cmds" >"$T/redis-run.ans" 2>&1
	if cmp -s "$T/redis-plain.ans" "$T/redis-run.ans"; then
		ok "redis under tether run: the session's answers are the same ($(wc -l <"$T/redis-run.ans") lines)"
	else
		not_ok "redis under tether run: the session's answers are the same"
		diff -u "$T/redis-plain.ans" "$T/redis-run.ans" | head -20 | sed 's/^/#   /'
	fi
	check_grep "redis allocates with jemalloc (its own API, through tether)" \
		'^mem_allocator:jemalloc' <(redis-cli -p "$p" INFO memory | tr -d '\r')
	# MEMORY commands call mallctl and malloc_stats_print.
	check_grep "redis MEMORY MALLOC-STATS answers" 'jemalloc|Allocated' \
		<(redis-cli -p "$p" MEMORY MALLOC-STATS 2>&1)
	check_eq "redis MEMORY PURGE answers OK" OK "$(redis-cli -p "$p" MEMORY PURGE 2>&1)"
	timeout -k 5 60 redis-benchmark -p "$p" -q -n 20000 -c 8 -t set,get,lpush,lpop >"$T/bench.out" 2>&1
	check_eq "redis-benchmark exits 0" 0 $?
	tr '\r' '\n' <"$T/bench.out" | grep -E 'requests per second' >"$T/bench.lines"
	check_eq "redis-benchmark: all four tests ran (SET GET LPUSH LPOP)" "SET GET LPUSH LPOP" \
		"$(sed 's/:.*//' "$T/bench.lines" | tr '\n' ' ' | sed 's/ $//')"
	diag "$(cat "$T/bench.lines")"
	stats=$(redis-cli -p "$p" INFO stats | tr -d '\r')
	cmds=$(echo "$stats" | sed -n 's/^total_commands_processed://p')
	check "redis processed the 80000 benchmark commands ($cmds)" test "${cmds:-0}" -ge 80000
	check_eq "redis: no rejected connection" 0 "$(echo "$stats" | sed -n 's/^rejected_connections://p')"
	check_eq "redis: no error reply" "" "$(redis-cli -p "$p" INFO errorstats | tr -d '\r' | grep '^errorstat_')"
	spid=$(redis-cli -p "$p" INFO server | tr -d '\r' | sed -n 's/^process_id://p')
	d=$("$TETHER" dump --wait "$spid" 2>"$T/dump.err")
	check "redis: tether dump --wait while it runs gives a dump that parses" parses "$d"
	redis-cli -p "$p" SHUTDOWN NOSAVE >/dev/null 2>&1
	wait "$rpid"
	check_eq "redis under tether run: exits 0 on SHUTDOWN" 0 $?
	check_eq "redis under tether run: says nothing on stderr" "" "$(cat "$T/redis-run.err")"
	f=$(ls "$T"/redis-run/d/*.exit.tdump 2>/dev/null | head -1)
	if [ -n "$f" ] && parses "$f"; then
		ok "redis: its exit dump parses"
		inuse=$(q "$T/parsed.json" totals | cut -d' ' -f1)
		check "redis: the exit dump shows memory in use ($inuse bytes)" test "${inuse:-0}" -gt 0
	else
		not_ok "redis: its exit dump parses"
		ls -la "$T/redis-run/d" | sed 's/^/#   /'
		sed 's/^/#   /' "$T/parse.err" | head -5
	fi

	# The gate: one session, then SHUTDOWN; the verdict is sane.
	p=$(free_port)
	redis_start redis-check "$p" "$TETHER" check --json "$T/redis-check.json" -- ||
		diag "redis under tether check did not answer"
	timeout 20 redis-cli -p "$p" <"$T/redis.cmds" >"$T/redis-check.ans" 2>&1
	check "redis under tether check: the same answers" cmp -s "$T/redis-plain.ans" "$T/redis-check.ans"
	redis-cli -p "$p" SHUTDOWN NOSAVE >/dev/null 2>&1
	wait "$rpid"
	rc=$?
	lost=$(python3 -c 'import json, sys
s = [p["summary"] for p in json.load(open(sys.argv[1]))["processes"]]
print(len(s), sum(x["definite"]["bytes"] + x["indirect"]["bytes"] for x in s))' "$T/redis-check.json" 2>/dev/null)
	check "redis under tether check: a JSON verdict for the process ($lost)" test "${lost%% *}" -ge 1
	check_grep "redis under tether check: the SUMMARY line" '^SUMMARY: tether: ' "$T/redis-check.err"
	# redis exits without joining its background (bio) threads: leaked
	# threads by the gate's rules, which fail it unless --fail-on says not.
	nthr=$(sed -n 's/^SUMMARY: .*, \([0-9]*\) leaked threads\{0,1\}$/\1/p' "$T/redis-check.err")
	if [ "${lost#* }" = 0 ] && [ "${nthr:-0}" = 0 ]; then
		check_eq "redis under tether check: nothing lost, so the server's own status" 0 "$rc"
	else
		check_eq "redis under tether check: memory lost (${lost#* } bytes) or threads leaked (${nthr:-0}): the gate fails" 23 "$rc"
	fi
	diag "$(grep '^SUMMARY' "$T/redis-check.err")"

	# redis handles SIGSEGV itself (its bug report): under --dump-on-crash
	# tether leaves it that handler, and redis dies as it does plainly.
	for mode in plain crash; do
		p=$(free_port)
		if [ $mode = plain ]; then
			REDIS_EXTRA="--enable-debug-command yes" redis_start redis-segv-$mode "$p"
		else
			REDIS_EXTRA="--enable-debug-command yes" redis_start redis-segv-$mode "$p" \
				"$TETHER" run -o "$T/redis-segv-$mode/d" --dump-on-crash --
		fi
		timeout 20 redis-cli -p "$p" DEBUG SEGFAULT >/dev/null 2>&1
		wait "$rpid"
		echo $? >"$T/redis-segv-$mode.rc"
	done
	check_eq "redis DEBUG SEGFAULT under --dump-on-crash: the same status as plainly" \
		"$(cat "$T/redis-segv-plain.rc")" "$(cat "$T/redis-segv-crash.rc")"
	check_grep "redis's own SIGSEGV handler ran under tether (its bug report)" \
		'crashed by signal' "$T/redis-segv-crash/redis.log"
	check_eq "tether left redis its handler: no crash dump" 0 \
		"$(ls "$T/redis-segv-crash/d" 2>/dev/null | grep -c '\.crash\.tdump$')"
else
	skip "redis: redis-server, redis-cli or redis-benchmark not installed"
fi

# ---- nginx -------------------------------------------------------------------

# ngx_conf DIR PORT: a configuration serving DIR/www on 127.0.0.1:PORT,
# every file it writes in DIR.
ngx_conf() {
	local d=$1 port=$2 i
	mkdir -p "$d/www/sub" "$d/logs"
	for i in $(seq 1 50); do
		seq "$i" 7 $((i * 400)) >"$d/www/page$i.txt"
	done
	printf '<html><body>tether</body></html>\n' >"$d/www/index.html"
	head -c 300000 /dev/zero | tr '\0' 'x' >"$d/www/sub/big.txt"
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $d/nginx.pid;
error_log $d/logs/error.log notice;
events { worker_connections 128; }
http {
	access_log $d/logs/access.log;
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	fastcgi_temp_path $d/fastcgi;
	uwsgi_temp_path $d/uwsgi;
	scgi_temp_path $d/scgi;
	types { text/html html; text/plain txt; }
	server {
		listen 127.0.0.1:$port;
		root $d/www;
		location /missing { return 404; }
	}
}
EOF
}

# ngx_start NAME [tether run options --]: nginx of $T/NAME in the
# background ($npid); returns when it answers.  Its workers may run as
# another user (nobody, when started as root): its directories are
# writable by all.
ngx_start() {
	local name=$1 d=$T/$1
	shift
	# (not sticky: a worker that became nobody replaces the status file
	# it wrote as root before)
	mkdir -p "$d/d"
	chmod 777 "$d" "$d/logs" "$d/d"
	(cd "$d" && exec timeout -k 5 "$LIMIT" "$@" nginx -p "$d" -c "$d/nginx.conf" \
		-e "$d/logs/error.log" </dev/null >"$d.out" 2>"$d.err") &
	npid=$!
	wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:$port/"
}
workers() { pgrep -P "$(cat "$T/$1/nginx.pid")" | sort -n; }
# fetch NAME [CURL...]: the pages every run must serve alike, with their
# status codes.
fetch() {
	local name=$1 u
	shift
	for u in / /index.html /page1.txt /page17.txt /page50.txt /sub/big.txt \
		/missing /no-such-page /sub/; do
		"$@" curl -s -m 10 -w ' %{http_code} %{size_download}\n' "http://127.0.0.1:$port$u"
	done
}
# ab_run N OUT: N requests, 4 at a time, spread over a few pages.
ab_ok() {
	grep -q '^Failed requests: *0$' "$1" && ! grep -q '^Non-2xx' "$1" &&
		grep -q "^Complete requests: *$2\$" "$1"
}

if have nginx && have curl && have ab; then
	# The workers may run as nobody (when started as root): they must reach $T.
	chmod 755 "$T"
	port=$(free_port)
	ngx_conf "$T/ngx-plain" "$port"
	ngx_start ngx-plain || diag "plain nginx did not answer"
	fetch ngx-plain >"$T/ngx-plain.pages"
	# curl itself under tether, against the plain server.
	mkdir -p "$T/curl-d"
	fetch ngx-plain env LD_PRELOAD="$LIBTETHER" TETHER_OUTPUT="$T/curl-d/" >"$T/curl-traced.pages" 2>"$T/curl-traced.err"
	check "curl http:// under tether: the same pages and status codes" \
		cmp -s "$T/ngx-plain.pages" "$T/curl-traced.pages"
	check_eq "curl http:// under tether: a dump per request" 9 "$(ls "$T/curl-d" | grep -c '\.exit\.tdump$')"
	kill -QUIT "$(cat "$T/ngx-plain/nginx.pid")"
	wait "$npid"
	check_eq "nginx plain: exits 0 on QUIT" 0 $?

	# The default dump signal, SIGUSR2: nginx's.
	port=$(free_port)
	ngx_conf "$T/ngx-usr2" "$port"
	ngx_start ngx-usr2 "$TETHER" run -o "$T/ngx-usr2/d" -- || diag "nginx under tether did not answer"
	fetch ngx-usr2 >"$T/ngx-usr2.pages"
	check "nginx under tether run: the same pages and status codes" \
		cmp -s "$T/ngx-plain.pages" "$T/ngx-usr2.pages"
	timeout -k 5 60 ab -n 3000 -c 4 "http://127.0.0.1:$port/page17.txt" >"$T/ab1.out" 2>&1
	check "nginx under tether run: ab, 3000 requests, none failed" ab_ok "$T/ab1.out" 3000
	check_eq "nginx takes SIGUSR2 for itself: tether says so once" 1 \
		"$(grep -c 'the program handles SIGUSR2 itself' "$T/ngx-usr2.err")"
	check_grep "and suggests a signal nginx leaves alone (not USR1, not USR2)" \
		'TETHER_DUMP_SIGNAL=RTMIN\+[0-9]+' "$T/ngx-usr2.err"
	w=$(workers ngx-usr2 | head -1)
	"$TETHER" dump "$w" 2>"$T/dump.err"
	check_eq "tether dump on a worker that took SIGUSR2: refused (2), nothing sent" 2 $?
	check_eq "the worker still serves" 200 \
		"$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/page1.txt")"
	kill -QUIT "$(cat "$T/ngx-usr2/nginx.pid")"
	wait "$npid"
	check_eq "nginx under tether run: exits 0 on QUIT" 0 $?
	set -- $(all_parse "$T/ngx-usr2/d")
	check_eq "nginx: exit dumps of the master and both workers, all parse" "3 0" "$1 $2"

	# A signal nginx leaves alone: a dump of every process while it serves.
	port=$(free_port)
	ngx_conf "$T/ngx" "$port"
	ngx_start ngx "$TETHER" run -o "$T/ngx/d" --dump-signal RTMIN+4 -- ||
		diag "nginx under tether did not answer"
	master=$(cat "$T/ngx/nginx.pid")
	old_workers=$(workers ngx)
	check_eq "nginx: a master and two workers" 2 "$(echo "$old_workers" | wc -w)"
	# Load all along: rounds of 2000 requests until told to stop (60 at most).
	(
		for i in $(seq 1 60); do
			[ -e "$T/stop-load" ] && break
			timeout -k 5 60 ab -n 2000 -c 4 "http://127.0.0.1:$port/page50.txt" >"$T/ab2.$i.out" 2>&1
		done
	) &
	abpid=$!
	wait_for 10 grep -q page50 "$T/ngx/logs/access.log"
	ndump=0 nok=0
	for p in $master $old_workers; do
		ndump=$((ndump + 1))
		f=$("$TETHER" dump --wait --timeout 20s "$p" 2>>"$T/dump.err") && parses "$f" &&
			nok=$((nok + 1))
	done
	check_eq "tether dump --wait on the master and each worker under load: a dump each, parsing" \
		"$ndump" "$nok"
	# nginx's own USR1: reopen the logs.
	mv "$T/ngx/logs/access.log" "$T/ngx/logs/access.log.1"
	kill -USR1 "$master"
	check "nginx's USR1 reaches nginx: access.log reopened, the load logged in it" \
		wait_for 10 test -s "$T/ngx/logs/access.log"
	# nginx's own HUP: reload, new workers.
	kill -HUP "$master"
	new_ok() { [ "$(workers ngx | wc -l)" -eq 2 ] && [ -z "$(comm -12 <(workers ngx) <(echo "$old_workers" | tr ' ' '\n' | sort -n))" ]; }
	check "nginx's HUP reaches nginx: two new workers replace the old" wait_for 20 new_ok
	new_workers=$(workers ngx)
	ndump=0 nok=0
	for p in $master $new_workers; do
		ndump=$((ndump + 1))
		f=$("$TETHER" dump --wait --timeout 20s "$p" 2>>"$T/dump.err") && parses "$f" &&
			nok=$((nok + 1))
	done
	check_eq "after the reload: a dump of the master and of each new worker" "$ndump" "$nok"
	[ -s "$T/dump.err" ] && sed 's/^/#   /' "$T/dump.err" | head
	touch "$T/stop-load"
	wait "$abpid"
	nround=0 bad=
	for f in "$T"/ab2.*.out; do
		nround=$((nround + 1))
		ab_ok "$f" 2000 || bad="$bad $f"
	done
	check "nginx with dumps, USR1 and HUP under load: $nround rounds of 2000 requests by ab, none failed" \
		test -z "$bad" -a "$nround" -ge 1
	for f in $bad; do grep -E '^(Complete|Failed|Non-2xx)' "$f" | while IFS= read -r l; do diag "$l"; done; done
	fetch ngx >"$T/ngx.pages"
	check "nginx after all that: the same pages and status codes" cmp -s "$T/ngx-plain.pages" "$T/ngx.pages"
	kill -QUIT "$master"
	wait "$npid"
	check_eq "nginx with --dump-signal RTMIN+4: exits 0 on QUIT" 0 $?
	check_eq "tether says nothing: nginx never touched RTMIN+4" "" "$(cat "$T/ngx.err")"
	check_eq "nginx's error log has no alert or crash" "" \
		"$(grep -E '\[(alert|crit|emerg)\]|exited on signal|core dumped' "$T/ngx/logs/error.log")"
	set -- $(all_parse "$T/ngx/d")
	check_eq "nginx: every dump parses" 0 "$2"
	nexit=$(ls "$T/ngx/d" | grep -c '\.exit\.tdump$')
	check_eq "nginx: an exit dump of the master and of the four workers" 5 "$nexit"
else
	skip "nginx: nginx, curl or ab (apache2-utils) not installed"
fi

done_testing
