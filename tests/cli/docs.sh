#!/bin/bash
# docs.sh - the documentation cannot fall behind the code: every option of
# the library and of each command, and every dump record type, is
# documented; the man pages are free of mandoc lint errors.
set -u
. "$top_srcdir/tests/lib/tap.sh"
MAN="$top_srcdir/man"

for var in $(sed -n 's/^OPT(\([A-Z_]*\),.*/TETHER_\1/p' "$top_srcdir/lib/options.def"); do
	check "$var is documented in libtether.7" grep -q "$var" "$MAN/libtether.7"
done
for rec in $(sed -n 's/^\t\(TT_REC_[A-Z_]*\) = .*/\1/p' "$top_srcdir/format/tdump.h"); do
	check "$rec is documented in tether-dump.5" grep -q "$rec" "$MAN/tether-dump.5"
done
for cmd in run report check diff; do
	for opt in $("$TETHER" "$cmd" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		check "tether $cmd $opt is in tether-$cmd.1" grep -q -- "${opt//-/\\\\-}" "$MAN/tether-$cmd.1"
	done
done
if command -v mandoc > /dev/null; then
	for page in "$MAN"/*.[1-9]; do
		mandoc -Tlint -W warning "$page" > "$T/lint" 2>&1
		if [ -s "$T/lint" ]; then
			not_ok "mandoc -Tlint $(basename "$page")"
			sed 's/^/# /' "$T/lint"
		else
			ok "mandoc -Tlint $(basename "$page")"
		fi
	done
else
	skip "mandoc not installed: man pages not linted"
fi

done_testing
