#!/bin/bash
# block_semantics.sh - the blocking calls behave exactly as without tether:
# the block_semantics workload prints return values, errno, timeouts, EINTR,
# lock conflicts and cancellations for every wrapped call, and must print
# the same, and exit the same, with libtether.so preloaded (three runs, to
# catch a race).  A deadlock under the library fails through timeout.
set -u
. "$top_srcdir/tests/lib/tap.sh"

LIMIT=60
W="$WL/block_semantics"
export LC_ALL=C TMPDIR="$T"
unset LD_PRELOAD

timeout $LIMIT "$W" > "$T/plain" 2>&1
plain=$?
check_eq "plain run exits 0" 0 "$plain"
check_grep "sanity: the workload ran to its end" "^done$" "$T/plain"
check_grep "sanity: EINTR without SA_RESTART" "^read interrupted, no SA_RESTART +-> -1 errno=EINTR$" "$T/plain"
check_grep "sanity: cancellation in pthread_cond_wait" "^cancel in pthread_cond_wait +-> PTHREAD_CANCELED cleanup=1$" "$T/plain"

for run in 1 2 3; do
	mkdir -p "$T/d$run"
	timeout $LIMIT env TETHER_OUTPUT="$T/d$run/" LD_PRELOAD="$LIBTETHER" \
		"$W" > "$T/tether$run" 2>&1
	check_eq "run $run under libtether: same exit status" "$plain" $?
	if cmp -s "$T/plain" "$T/tether$run"; then
		ok "run $run under libtether: same output ($(wc -l < "$T/plain") lines)"
	else
		not_ok "run $run under libtether: same output"
		diff -u "$T/plain" "$T/tether$run" | sed 's/^/# /' | head -60
	fi
	check "run $run under libtether: a dump was written" \
		test -n "$(find "$T/d$run" -name 'block_semantics.*.tdump' -size +0)"
done

# The wrappers were really in the way: the program's references, versioned
# as glibc defines them (pthread_cond_wait@GLIBC_2.3.2), bound to tether.
mkdir -p "$T/db"
timeout $LIMIT env TETHER_OUTPUT="$T/db/" LD_PRELOAD="$LIBTETHER" \
	LD_DEBUG=bindings LD_DEBUG_OUTPUT="$T/ld" "$W" > /dev/null 2>&1
cat "$T"/ld.* > "$T/bindings" 2>/dev/null
for sym in pthread_cond_wait pthread_mutex_lock sem_wait read poll fcntl; do
	check_grep "the workload's $sym binds to libtether.so" \
		"block_semantics \[0\] to .*libtether\.so \[0\]: normal symbol \`$sym'" "$T/bindings"
done
check_grep "libtether.so forwards pthread_cond_wait to GLIBC_2.3.2, not the compat version" \
	"libtether\.so \[0\] to .*libc\.so\.6 \[0\]: normal symbol \`pthread_cond_wait' \[GLIBC_2\.3\.2\]" \
	"$T/bindings"

done_testing
