#!/bin/bash
# flamegraph.sh - tether report --format flamegraph: a self-contained HTML
# page, opened in headless Chromium and driven through the DevTools pipe
# (tests/lib/cdp.py): it draws frames as wide as their bytes, a real click
# zooms, typing in the search box highlights and gives the matched share,
# a #zoom=...&search=... fragment restores a view.
set -u
. "$top_srcdir/tests/lib/tap.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed: the flame graph page cannot be rendered"
export CHROMIUM
cdp() { timeout 120 python3 "$top_srcdir/tests/lib/cdp.py" "$@" 2> "$T/cdp.err"; }
# frames: every drawn frame as "name=value@width", in drawing order.
FRAMES="eval:Array.from(document.querySelectorAll('#flame .frame')).map(g => g.dataset.name + '=' + g.dataset.value + '@' + (+g.querySelector('rect').getAttribute('width')).toFixed(3)).join(' ')"
# The largest gap between a frame's width and its share of the view's 1200 units.
PROP="eval:(function () { const z = document.querySelector('#flame .frame.zoomed'); let e = 0; document.querySelectorAll('#flame .frame:not(.ancestor)').forEach(function (g) { e = Math.max(e, Math.abs(g.querySelector('rect').getAttribute('width') - 1200 * g.dataset.value / z.dataset.value)); }); return e < 0.001; })()"

"$TETHER" run -o "$T/d" -- "$WL/growth" 4 > /dev/null
D=$(ls "$T"/d/*.4.exit.tdump)
"$TETHER" report --format json -o "$T/r.json" "$D"
read -r iu _ ab _ <<< "$(q "$T/r.json" totals)"
"$TETHER" report --format flamegraph -o "$T/heap.html" "$D"
check_eq "report --format flamegraph exits 0" 0 $?
check_grep "an HTML page" "^<!DOCTYPE html>" "$T/heap.html"
check "self-contained: no external script, style or link" \
	bash -c "! grep -Eqi '<script[^>]+src|<link|@import|url\\(' '$T/heap.html'"
check "no network: no URL but the SVG namespace" \
	bash -c "! grep -Eo 'https?://[^\"]*' '$T/heap.html' | grep -qv '^http://www.w3.org/2000/svg$'"

cdp "$T/heap.html" "$FRAMES" "$PROP" "shot:$T/shot.png" > "$T/view"
check_eq "the page renders in headless chromium" 0 $?
[ -s "$T/cdp.err" ] && sed 's/^/# /' "$T/cdp.err"
frames=$(sed -n 1p "$T/view")
w() { awk -v RS=' ' -v n="$1" -F'[=@]' '$1 == n { printf "%s%s=%s@%s", s, $1, $2, $3; s = " " }' <<< "${frames//\"/}"; }
check_eq "the root frame holds the dump's $iu bytes in use, 1200 wide" "all=$iu@1200.000" "$(w all)"
check_eq "main holds them all" "main=$iu@1200.000" "$(w main)"
check_eq "grow: 4000 bytes, 4000/$iu of the width" \
	"grow=4000@$(python3 -c "print('%.3f' % (1200 * 4000 / $iu))")" "$(w grow)"
check_eq "nest_a 3000 and nest_b 1000 bytes, each with its nest_leaf" \
	"nest_a=3000@$(python3 -c "print('%.3f' % (1200 * 3000 / $iu))") nest_b=1000@$(python3 -c "print('%.3f' % (1200 * 1000 / $iu))") nest_leaf=3000@$(python3 -c "print('%.3f' % (1200 * 3000 / $iu))") nest_leaf=1000@$(python3 -c "print('%.3f' % (1200 * 1000 / $iu))")" \
	"$(w nest_a) $(w nest_b) $(w nest_leaf)"
check_eq "every frame's width is proportional to its bytes" true "$(sed -n 2p "$T/view")"
check "the screenshot is a PNG with a drawing in it" python3 - "$T/shot.png" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
i, idat = 8, b""
while i < len(d):
    n, kind = struct.unpack(">I4s", d[i:i + 8])
    if kind == b"IDAT":
        idat += d[i + 8:i + 8 + n]
    i += 12 + n
assert len(set(zlib.decompress(idat))) > 16, "a blank image"
PY

# A real click on nest_a zooms to it; Reset zoom comes back.
cdp "$T/heap.html" "click:#flame .frame[data-name=nest_a]" "$FRAMES" "$PROP" "eval:location.hash" \
	"click:#reset" "eval:document.querySelectorAll('#flame .frame').length" > "$T/zoom"
check_eq "click then reset: chromium runs them" 0 $?
zf=$(sed -n 1p "$T/zoom" | tr -d '"')
check_eq "after the click nest_a spans the width, its nest_leaf too" "nest_a=3000@1200.000 nest_leaf=3000@1200.000" \
	"$(frames=$zf; w nest_a) $(frames=$zf; w nest_leaf | cut -d' ' -f1)"
check "... grow and nest_b are gone from the view" bash -c "! grep -Eq 'grow=|nest_b=' <<< '$zf'"
check_eq "... its ancestors stay, full width" "main=$iu@1200.000" "$(frames=$zf; w main)"
check_eq "... the zoomed frames stay proportional" true "$(sed -n 2p "$T/zoom")"
check_grep "... the address says where (#zoom=PATH)" '^"#zoom=[0-9.]+"$' <(sed -n 3p "$T/zoom")
check_eq "Reset zoom draws every frame again" "$(wc -w <<< "$frames")" "$(sed -n 4p "$T/zoom")"
zoom=$(sed -n 3p "$T/zoom" | tr -d '"#')

# Typing in the search box highlights the matching frames and their share.
cdp "$T/heap.html" "type:#search:LEAF" "eval:Array.from(document.querySelectorAll('#flame .frame.match')).map(g => g.dataset.name + '=' + g.dataset.value).join(' ')" \
	"eval:document.getElementById('matched').textContent" "eval:getComputedStyle(document.querySelector('#flame .frame.match rect')).fill" > "$T/search"
check_eq "search: chromium runs it" 0 $?
check_eq "search 'LEAF' (any case) highlights both nest_leaf frames" '"nest_leaf=3000 nest_leaf=1000"' "$(sed -n 1p "$T/search")"
check_eq "... and shows their share of the whole" \
	"\"matched: $(python3 -c "print('%.2f' % (100 * 4000 / $iu))")% (4,000 of $(python3 -c "print('{:,}'.format($iu))") bytes)\"" \
	"$(sed -n 2p "$T/search")"
check_eq "... in the highlight colour" '"rgb(198, 77, 255)"' "$(sed -n 3p "$T/search")"

# A view from the address: the zoom of the click above, and a search.
cdp "$T/heap.html#$zoom&search=malloc" "eval:document.querySelector('#flame .frame.zoomed').dataset.name" \
	"eval:document.getElementById('search').value" "eval:document.querySelectorAll('#flame .frame.match').length" > "$T/frag"
check_eq "#zoom=...&search=malloc: zoomed to nest_a, search filled, its one malloc highlighted" \
	'"nest_a" "malloc" 1' "$(tr '\n' ' ' < "$T/frag" | sed 's/ $//')"

# Allocations over the run, and leaks from a dump with a scan.
"$TETHER" report --format flamegraph --sample alloc_space -o "$T/alloc.html" "$D"
cdp "$T/alloc.html" "eval:document.querySelector('#flame .frame[data-name=all]').dataset.value" "eval:document.title" > "$T/alloc"
check_eq "--sample alloc_space: the root holds the $ab bytes allocated" "\"$ab\"" "$(sed -n 1p "$T/alloc")"
check_grep "... and the title says so" "bytes allocated" "$T/alloc"
TETHER_LEAK_CHECK=yes "$TETHER" run -o "$T/l" -- "$WL/leaks/definite" > /dev/null 2>&1
"$TETHER" report --format flamegraph --sample leaks -o "$T/leaks.html" "$T/l"
check_eq "--sample leaks on a dump with a scan: exit 0" 0 $?
cdp "$T/leaks.html" "eval:Array.from(document.querySelectorAll('#flame .frame')).filter(g => g.dataset.path !== '' && g.dataset.path.indexOf('.') < 0).map(g => g.dataset.name + '=' + g.dataset.value).join(' ')" > "$T/leaks"
check_eq "... one frame per kind: definitely lost 347 bytes" '"definitely lost=347"' "$(cat "$T/leaks")"
"$TETHER" report --format flamegraph --sample leaks -o "$T/x.html" "$D" 2> "$T/err"
check_eq "--sample leaks without a scan: exit 1" 1 $?
check_grep "... naming the dump and what is needed" "growth\.[0-9]+\.4\.exit\.tdump: the dump has no reachability scan; --sample leaks needs" "$T/err"
"$TETHER" report --format flamegraph --sample heap -o "$T/x.html" "$D" 2> "$T/err"
check_eq "--sample heap: exit 2" 2 $?
check_grep "... naming it and the choices" "unknown --sample \(expected inuse_space, inuse_objects, alloc_space, alloc_objects or leaks\): heap" "$T/err"
"$TETHER" report --sample alloc_space "$D" > /dev/null 2> "$T/err"
check_grep "--sample without --format flamegraph: refused" "--sample is for --format flamegraph" "$T/err"
"$TETHER" report --type threads --format flamegraph "$D" > /dev/null 2> "$T/err"
check_grep "--format flamegraph with --type threads: refused" "--format flamegraph is for --type heap" "$T/err"

done_testing
