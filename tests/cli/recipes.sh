#!/bin/bash
# recipes.sh - the README's "In a test suite" recipes work: each tiny
# project of tests/recipes/ (a library and two tests, one that frees what
# it allocates and one that forgets a block) is copied to $T, built with
# its real build system, and its test harness is run with tether check as
# the wrapper exactly as the recipe says, but with the tether of this build
# tree for `tether`.  The clean test must pass, the leaky one fail with
# tether's report in the harness's own log, naming the allocation and the
# test's line; without the wrapper both pass, so the failure is tether's.
# A build system whose tools are missing is skipped.
set -u
. "$top_srcdir/tests/lib/tap.sh"
R="$top_srcdir/tests/recipes"
# The tiny projects' builds must not see the make running this test
# (its jobserver, or its TESTS=... on the command line).
unset MAKEFLAGS MFLAGS MAKELEVEL

# have TOOL...: all of the tools are installed.
have() {
	for _t in "$@"; do
		command -v "$_t" > /dev/null || return 1
	done
}

# project NAME: a writable copy of tests/recipes/NAME in $T/NAME (distcheck's
# source tree is read-only), and its marked lines.
project() {
	cp -R "$R/$1" "$T/$1" && chmod -R u+w "$T/$1" && cd "$T/$1" || return 1
	ALLOC="tiny_greet \(tiny.c:$(line_of alloc tiny.c)\)"
	LEAK="greet_once \(test_leak.c:$(line_of leak test_leak.c)\)"
}

# built NAME LOG COMMAND...: ok when COMMAND builds; else show the log.
built() {
	_n=$1 _log=$2
	shift 2
	if "$@" > "$_log" 2>&1; then
		ok "$_n: the project builds"
	else
		not_ok "$_n: the project builds"
		tail -30 "$_log" | sed 's/^/#   /'
		return 1
	fi
}

# -- automake: make check LOG_COMPILER="tether check --" ----------------------
automake_recipe() {
	project automake || { not_ok "automake: a copy of the project"; return 1; }
	built automake "$T/am-build.log" sh -c 'autoreconf -fi && ./configure CFLAGS="-O0 -g" && make' || return 1

	make check LOG_COMPILER="$TETHER check --" > "$T/am-gate.out" 2>&1
	check "automake: make check fails under the gate" test $? -ne 0
	check_grep "automake: the clean test passes" "^PASS: test_clean$" "$T/am-gate.out"
	check_grep "automake: the leaky test fails" "^FAIL: test_leak$" "$T/am-gate.out"
	check_grep "automake: with tether's status" "^FAIL test_leak \(exit status: 23\)" test-suite.log
	check_grep "automake: test-suite.log has the report at the allocation" "#1 $ALLOC" test-suite.log
	check_grep "automake: called from the leaky test's line" "#2 $LEAK" test-suite.log
	check_grep "automake: the clean test ran under the gate too" \
		"^SUMMARY: tether: 0 bytes definitely lost.*\(passes\)$" test_clean.log

	make check > "$T/am-plain.out" 2>&1
	check "automake: without the wrapper make check passes" test $? -eq 0
	check_grep "automake: both tests pass" "^# PASS: +2$" "$T/am-plain.out"
}
if have autoreconf autoconf automake make cc; then
	automake_recipe
else
	skip "automake: autoreconf, automake or make missing"
fi
cd "$T" || exit 1

# -- CMake: a test launcher, then ctest --------------------------------------
cmake_recipe() {
	project cmake || { not_ok "cmake: a copy of the project"; return 1; }
	# CMAKE_TEST_LAUNCHER is new in CMake 3.29; before, add_test() always
	# ran target programs through CMAKE_CROSSCOMPILING_EMULATOR.
	v=$(cmake --version | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')
	if [ "$(printf '%s\n' 3.29 "$v" | sort -V | head -1)" = 3.29 ]; then
		var=CMAKE_TEST_LAUNCHER
	else
		var=CMAKE_CROSSCOMPILING_EMULATOR
	fi
	built "cmake $v" "$T/cm-build.log" sh -c \
		'cmake -B build -D'"$var"'="$1;check;--" && cmake --build build' sh "$TETHER" || return 1

	ctest --test-dir build --output-on-failure > "$T/cm-gate.out" 2>&1
	check "cmake: ctest fails under the gate ($var)" test $? -ne 0
	check_grep "cmake: the clean test passes" "Test +#1: test_clean \.+ +Passed" "$T/cm-gate.out"
	check_grep "cmake: the leaky test fails" "Test +#2: test_leak \.+\*+Failed" "$T/cm-gate.out"
	check_grep "cmake: --output-on-failure shows the report at the allocation" "#1 $ALLOC" "$T/cm-gate.out"
	check_grep "cmake: called from the leaky test's line" "#2 $LEAK" "$T/cm-gate.out"
	check_grep "cmake: LastTest.log has it too" "#1 $ALLOC" build/Testing/Temporary/LastTest.log
	check_grep "cmake: the clean test ran under the gate too" \
		"^SUMMARY: tether: 0 bytes definitely lost.*\(passes\)$" build/Testing/Temporary/LastTest.log

	built "cmake (no launcher)" "$T/cm-build-plain.log" sh -c 'cmake -B plain && cmake --build plain' || return 1
	ctest --test-dir plain > "$T/cm-plain.out" 2>&1
	check "cmake: without the launcher ctest passes" test $? -eq 0
	check_grep "cmake: both tests pass" "100% tests passed, 0 tests failed out of 2" "$T/cm-plain.out"
}
if have cmake ctest cc; then
	cmake_recipe
else
	skip "cmake: cmake or ctest missing"
fi
cd "$T" || exit 1

# -- Meson: meson test --wrapper "tether check --" ----------------------------
meson_recipe() {
	project meson || { not_ok "meson: a copy of the project"; return 1; }
	built meson "$T/me-build.log" sh -c 'meson setup build && meson compile -C build' || return 1

	meson test -C build --wrapper "$TETHER check --" > "$T/me-gate.out" 2>&1
	check "meson: meson test fails under the wrapper" test $? -ne 0
	check_grep "meson: the clean test passes" "^ *[12]/2 test_clean +OK" "$T/me-gate.out"
	check_grep "meson: the leaky test fails with tether's status" "^ *[12]/2 test_leak +FAIL .*exit status 23" "$T/me-gate.out"
	# meson names the log after the wrapper's program: testlog-tether.txt.
	log=build/meson-logs/testlog-tether.txt
	check_grep "meson: $(basename "$log") has the report at the allocation" "#1 $ALLOC" "$log"
	check_grep "meson: called from the leaky test's line" "#2 $LEAK" "$log"
	check_grep "meson: the clean test ran under the gate too" \
		"^SUMMARY: tether: 0 bytes definitely lost.*\(passes\)$" "$log"

	meson test -C build > "$T/me-plain.out" 2>&1
	check "meson: without the wrapper meson test passes" test $? -eq 0
	check_grep "meson: both tests pass" "^Ok: +2 *$" "$T/me-plain.out"
}
if have meson ninja cc; then
	meson_recipe
else
	skip "meson: meson or ninja missing"
fi
cd "$T" || exit 1

done_testing
