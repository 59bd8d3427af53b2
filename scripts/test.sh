#!/bin/bash
# scripts/test.sh - the README's second command, and what CI runs: install
# what the tests need, then build and run the whole suite:
#   1. make check (unit, end-to-end, docs) in build/
#   1b. make check-real: programs nobody here wrote (python3, perl, git,
#      sqlite3, gcc, make, curl, node; the gate against memcheck; redis
#      and nginx under load on 127.0.0.1)
#   2. make check-under-tether: the unit tests again, each under the
#      tether check just built (a test that leaks fails)
#   3. make distcheck (the tarball builds and passes its tests)
#   4. the tool and unit tests under ASan and UBSan (build-asan/)
#   5. the lock-free tables' stress test under TSan
#   6. the fuzzers of every parser of untrusted input, 60 s each
#      (FUZZ_SECONDS to change it)
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
apt_install $BUILD_DEPS $TEST_DEPS
jobs=$(nproc)
step() { printf '\n=== %s ===\n' "$*"; }

step "autoreconf"
autoreconf -fi > /dev/null 2>&1 || autoreconf -fi

step "make check"
mkdir -p build && cd build
[ -f Makefile ] || ../configure --quiet CFLAGS="-O2 -g -Werror"
make -j"$jobs" > /dev/null
if ! make -j"$jobs" check; then
	cat test-suite.log
	exit 1
fi

step "make check-real: real programs from Debian under tether"
if ! make -j"$jobs" check-real; then
	cat check-real.log
	exit 1
fi

step "make check-under-tether: the unit tests under tether's leak gate"
if ! make -j"$jobs" check-under-tether; then
	cat check-under-tether.log
	exit 1
fi

step "make distcheck"
make -j"$jobs" distcheck > distcheck.log 2>&1 || { tail -100 distcheck.log; exit 1; }
grep -E "archives ready|^PASS|^FAIL|^# (PASS|FAIL)" distcheck.log | tail -8

step "ASan + UBSan: tool and unit tests"
cd .. && mkdir -p build-asan && cd build-asan
[ -f Makefile ] || ../configure --quiet --enable-sanitizers CFLAGS="-O1 -g"
make -j"$jobs" > /dev/null
# Everything but the real programs, which never run the tool.
asan_tests=$(cd .. && ls tests/unit/test_*.c | sed 's/\.c$//' | grep -v tsan; ls tests/cli/*.sh)
if ! make -j"$jobs" check TESTS="$(echo $asan_tests)"; then
	cat test-suite.log
	exit 1
fi

step "TSan: lock-free tables"
make check-tsan

step "fuzzing the parsers"
cd ..
bash tests/fuzz/run.sh . "${FUZZ_SECONDS:-60}"
echo
echo "all test stages passed"
