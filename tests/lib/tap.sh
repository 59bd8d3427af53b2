# tests/lib/tap.sh - TAP helpers for the shell tests; source it.
# Needs top_builddir and top_srcdir (set by `make check`, or by hand).
: "${top_builddir:?top_builddir must be set}" "${top_srcdir:?top_srcdir must be set}"

TETHER="$top_builddir/tether"
LIBTETHER="$top_builddir/.libs/libtether.so"
WL="$top_builddir/tests/workloads"
export TETHER_LIB="$LIBTETHER"

tap_n=0
tap_fail=0
T=$(mktemp -d "${TMPDIR:-/tmp}/tether-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); echo "not ok $tap_n - $*"; }
diag() { for l in "$@"; do printf '# %s\n' "$l"; done; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - # SKIP $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "expected: $2" "actual:   $3"
	fi
}

# check_grep DESCRIPTION PATTERN FILE: ok when the extended regex matches.
check_grep() {
	if grep -Eq -- "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diag "pattern not found: $2" "in $3:"
		sed 's/^/#   /' "$3" | head -40
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_fail" -eq 0 ]
	exit $?
}

# line_of MARKER FILE: the line number of "@MARKER" in a source file.
line_of() {
	grep -n -- "@$1\\b" "$2" | head -1 | cut -d: -f1
}

# site REPORT.json MARKER SOURCE [PROC]: the query.py sums for the site
# allocated at the line marked @MARKER in SOURCE.
site() {
	_l=$(line_of "$2" "$3")
	python3 "$top_srcdir/tests/lib/query.py" "$1" site "$(basename "$3"):$_l" ${4:+"$4"}
}

q() {
	python3 "$top_srcdir/tests/lib/query.py" "$@"
}
