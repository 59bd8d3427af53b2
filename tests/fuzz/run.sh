#!/bin/bash
# run.sh - build the libFuzzer harnesses in tests/fuzz and run each one for a
# bounded time on a copy of its seed corpus; first replay tests/fuzz/regress.
# Usage: tests/fuzz/run.sh SRCDIR [SECONDS]   (SECONDS per harness, default 60)
# Exits non-zero when a harness finds a crash, leak, timeout or undefined
# behaviour.  Never writes into SRCDIR: everything goes to a temporary
# directory, kept (and printed) when something is found.
set -eu

usage="usage: $0 SRCDIR [SECONDS]"
srcdir=$(cd "${1:?$usage}" && pwd)
seconds=${2:-60}
# 0 would mean no limit to libFuzzer.
case $seconds in
''|*[!0-9]*|0*) echo "$usage" >&2; exit 2 ;;
esac
cc=${CLANG:-clang}
fuzzdir=$srcdir/tests/fuzz

# Each harness and the parser sources it is linked with.
harnesses="dump options suppress"
sources() {
	case $1 in
	dump) echo "format/tdump_read.c" ;;
	options) echo "lib/options.c lib/io.c" ;;
	suppress) echo "tools/suppress.c" ;;
	esac
}

# Missing tools fail the CI job, which must not pass without fuzzing, but
# only skip a developer's run.
missing() {
	if [ "${CI:-}" = true ]; then
		echo "fuzz: $1; failing because CI=true" >&2
		exit 1
	fi
	echo "fuzz: $1; skipped"
	exit 0
}

# TETHER_FUZZ_KEEP=1 keeps the temporary directory (and the grown corpora)
# even when nothing is found.
work=$(mktemp -d "${TMPDIR:-/tmp}/tether-fuzz.XXXXXX")
keep=${TETHER_FUZZ_KEEP:-0}
trap '[ "$keep" = 1 ] || rm -rf "$work"' EXIT

command -v "$cc" > /dev/null 2>&1 ||
	missing "$cc not found (install clang)"
"$cc" --version | head -n 1

# A trivial harness tells a missing libFuzzer (Debian: libclang-rt-14-dev)
# apart from a broken harness.
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-std=c11 -Wall -Wextra -I $srcdir -D_GNU_SOURCE"
mkdir "$work/artifacts" "$work/logs"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	> "$work/probe.c"
# shellcheck disable=SC2086
"$cc" $cflags "$work/probe.c" -o "$work/probe" > "$work/probe.log" 2>&1 ||
	missing "$cc cannot link -fsanitize=fuzzer,address,undefined (libFuzzer missing? on Debian 12: libclang-rt-14-dev); $(tail -n 1 "$work/probe.log")"

# Build every harness before running any, so a build error fails fast.
for h in $harnesses; do
	set --
	for s in $(sources "$h"); do
		set -- "$@" "$srcdir/$s"
	done
	echo "fuzz: building fuzz_$h"
	# shellcheck disable=SC2086
	"$cc" $cflags "$fuzzdir/fuzz_$h.c" "$@" -o "$work/fuzz_$h"
done

# Symbolised, complete reports; a leak or UB is as fatal as a crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# report NAME LOG: print where the reproducers are and the start of the
# sanitizer or libFuzzer report from LOG.  A replayed regression input is
# its own reproducer; a fuzzing run writes one to $work/artifacts.
report() {
	echo "fuzz: fuzz_$1 FAILED; log: $2"
	{
		sed -n 's/^Running: //p' "$2" | tail -n 1
		for f in "$work/artifacts/$1"-*; do
			[ -e "$f" ] && echo "$f"
		done
	} | sort -u | while read -r f; do
		echo "fuzz: reproducer: $f"
		echo "fuzz:   replay with: $work/fuzz_$1 $f"
	done
	awk '/==[0-9]+== ?ERROR|runtime error:|ALARM: working on|out-of-memory|deadly signal|fuzz_[a-z]+: / { on = 1 }
	     on && n < 40 { print "  | " $0; n++ }' "$2"
}

status=0
for h in $harnesses; do
	# Regressions first: each input once, every one must pass.
	if [ -d "$fuzzdir/regress/$h" ] && [ -n "$(ls -A "$fuzzdir/regress/$h")" ]; then
		echo "fuzz: replaying $(ls "$fuzzdir/regress/$h" | wc -l) regression inputs for fuzz_$h"
		if ! (cd "$work" && ./"fuzz_$h" -timeout=5 -rss_limit_mb=2048 \
			-artifact_prefix="$work/artifacts/$h-" "$fuzzdir/regress/$h"/*) \
			> "$work/logs/$h-regress.log" 2>&1; then
			report "$h" "$work/logs/$h-regress.log"
			status=1
			keep=1
			continue
		fi
	fi

	# The corpus libFuzzer grows is a copy: the seeds plus the regressions.
	mkdir -p "$work/corpus-$h"
	for d in "$fuzzdir/corpus/$h" "$fuzzdir/regress/$h"; do
		if [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then
			cp "$d"/* "$work/corpus-$h/"
		fi
	done
	echo "fuzz: running fuzz_$h for ${seconds}s on $(ls "$work/corpus-$h" | wc -l) seeds"
	if (cd "$work" && ./"fuzz_$h" -max_total_time="$seconds" -timeout=5 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/$h-" "$work/corpus-$h") \
		> "$work/logs/$h.log" 2>&1; then
		# The last status line: executions, coverage, corpus size.
		grep -E '^#[0-9]+' "$work/logs/$h.log" | tail -n 1 | sed "s/^/fuzz: fuzz_$h: /"
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$work/logs/$h.log" |
			sed "s/^/fuzz: fuzz_$h: /"
	else
		report "$h" "$work/logs/$h.log"
		status=1
		keep=1
	fi
done

if [ "$status" != 0 ]; then
	echo "fuzz: FAILED; binaries, logs and reproducers kept in $work"
	echo "fuzz: see tests/fuzz/README.md to reproduce and to add a regression"
else
	echo "fuzz: all harnesses ran ${seconds}s without a finding"
	[ "$keep" != 1 ] || echo "fuzz: kept $work (TETHER_FUZZ_KEEP=1)"
fi
exit "$status"
