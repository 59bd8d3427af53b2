#!/bin/bash
# memo.sh - the stack memo (lib/unwind.c) never gives a block another
# stack's id: memo_paths calls one allocation function from callers at the
# same depth, through a caller whose caller changes, and at several
# recursion depths, in two threads at once; every stack must carry exactly
# its own blocks, built at -O0 with frame pointers and at -O2 without.
# TETHER_UNWIND=check compares each memo answer with a fresh walk.
set -u
. "$top_srcdir/tests/lib/tap.sh"
S="$top_srcdir/tests/workloads/memo_paths.c"

# depth_bytes REPORT: "depth:bytes:blocks" for each stack through rec_leaf,
# depth = the number of rec frames below run.
depth_bytes() {
	python3 - "$1" "$(line_of rec_leaf "$S")" <<'PY'
import json, os, sys
p = json.load(open(sys.argv[1]))["processes"][0]
leaf = int(sys.argv[2])
out = {}
for s in p["sites"]:
    fr = s["frames"]
    if not any(f["file"] and os.path.basename(f["file"]) == "memo_paths.c" and f["line"] == leaf for f in fr):
        continue
    d = sum(1 for f in fr if f["function"] == "rec") - 1
    b, n = out.get(d, (0, 0))
    out[d] = (b + s["alloc_bytes"], n + s["alloc_blocks"])
print(" ".join("%d:%d:%d" % (d, out[d][0], out[d][1]) for d in sorted(out)))
PY
}

for w in memo_paths memo_paths_o2; do
	[ -x "$WL/$w" ] || { skip "$w not built"; continue; }
	"$TETHER" run -o "$T/$w" -- "$WL/$w" > "$T/$w.out" 2> "$T/$w.err"
	check_eq "$w runs as usual" "memo_paths 540 540" "$(cat "$T/$w.out")"
	"$TETHER" report --format json -o "$T/$w.json" "$T/$w"
	R="$T/$w.json"
	check_eq "$w: from_a's 2 x 171 blocks of 24 bytes" "8208 342 8208 342 0 0 malloc" "$(site "$R" call_a "$S")"
	check_eq "$w: from_b's 2 x 129 blocks of 40 bytes" "10320 258 10320 258 0 0 malloc" "$(site "$R" call_b "$S")"
	check_eq "$w: mid from outer1, 2 x 50 blocks" "800 100 800 100 0 0 malloc" "$(site "$R" outer1 "$S")"
	check_eq "$w: mid from outer2, 2 x 50 blocks" "800 100 800 100 0 0 malloc" "$(site "$R" outer2 "$S")"
	check_eq "$w: rec_leaf by depth (2 x 60, 20, 60 calls)" "2:6720:120 3:2240:40 5:6720:120" "$(depth_bytes "$R")"
	check_eq "$w: every block of xalloc counted once" "1080" "$(site "$R" xalloc "$S" | cut -d' ' -f2)"

	(cd "$T" && TETHER_UNWIND=check TETHER_OUTPUT="$T/" LD_PRELOAD="$LIBTETHER" \
		"$WL/$w" > /dev/null 2> "$T/$w.check" < /dev/null)
	hits=$(awk '/memo answers compared/ { print $3 }' "$T/$w.check")
	differ=$(awk '/memo answers compared/ { print $7 }' "$T/$w.check")
	check "$w: check mode compared memo answers (${hits:-none})" test "${hits:-0}" -gt 0
	check_eq "$w: no memo answer differs from a fresh walk" 0 "${differ:-missing}"
	[ "${differ:-1}" = 0 ] || sed 's/^/# /' "$T/$w.check" | head -20
done

done_testing
