#!/bin/bash
# timeline.sh - tether report --timeline: in-use memory over a series of
# real dumps of one run as an SVG image that parses as XML, whose lines
# carry the dumps' own totals and sites' bytes at the dumps' times.
set -u
. "$top_srcdir/tests/lib/tap.sh"
SRC="$top_srcdir/tests/workloads/growth.c"

"$TETHER" run -o "$T/d" -- "$WL/growth" 4 > /dev/null
"$TETHER" report --timeline -o "$T/memory.svg" "$T/d"
check_eq "report --timeline exits 0" 0 $?
totals=
for f in $(ls "$T"/d/*.tdump | sort -t. -k3,3n); do
	"$TETHER" report --format json -o "$T/one.json" "$f"
	read -r iu _ <<< "$(q "$T/one.json" totals)"
	totals="$totals${totals:+ }$iu"
done
"$TETHER" diff --format json -o "$T/diff.json" "$T/d"
times=$(python3 -c "import json,sys; print(' '.join('%.6f' % (d['elapsed_ns'] / 1e9) for d in json.load(open(sys.argv[1]))['dumps']))" "$T/diff.json")

# svgq EXPR: a python expression on the parsed SVG: root r, series(id) -> element.
svgq() {
	python3 - "$T/memory.svg" "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
r = ET.parse(sys.argv[1]).getroot()
series = lambda i: [g for g in r.iter(NS + "g") if g.get("id") == i][0]
sites = [g for g in r.iter(NS + "g") if (g.get("id") or "").startswith("series-site-")]
texts = " | ".join("".join(t.itertext()) for t in r.iter(NS + "text"))
print(eval(sys.argv[2]))
PY
}
check_eq "the SVG parses as XML, an <svg> root" "{http://www.w3.org/2000/svg}svg" "$(svgq 'r.tag')"
check_eq "the total line's values are the dumps' totals ($totals)" "$totals" "$(svgq 'series("series-total").get("data-values")')"
check_eq "... at the dumps' times (seconds since the start)" "$times" "$(svgq 'series("series-total").get("data-times")')"
check_eq "... one point per dump, each with its value" "$totals" \
	"$(svgq '" ".join(c.get("data-value") for c in series("series-total").iter(NS + "circle"))')"
check_eq "... a polyline through 4 points" 4 "$(svgq 'len(series("series-total").find(NS + "polyline").get("points").split())')"
check_eq "... higher values drawn higher (smaller y)" True \
	"$(svgq '(lambda c: all((float(a.get("cy")) < float(b.get("cy"))) == (int(a.get("data-value")) > int(b.get("data-value"))) for a in c for b in c if a.get("data-value") != b.get("data-value")))(list(series("series-total").iter(NS + "circle")))')"
check_eq "the top 5 sites by default" 5 "$(svgq 'len(sites)')"
check_eq "grow's line: 1000 2000 3000 4000 bytes" \
	"grow (growth.c:$(line_of grow "$SRC")) from main|1000 2000 3000 4000" \
	"$(svgq '[g.get("data-name") + "|" + g.get("data-values") for g in sites if g.get("data-name").startswith("grow ")][0]')"
check_eq "nest_leaf's two paths are two lines, named by their callers" \
	"nest_leaf (growth.c:$(line_of nest_leaf "$SRC")) from nest_a|3000 3000 3000 3000 nest_leaf (growth.c:$(line_of nest_leaf "$SRC")) from nest_b|1000 1000 1000 1000" \
	"$(svgq '" ".join(sorted(g.get("data-name") + "|" + g.get("data-values") for g in sites if g.get("data-name").startswith("nest_leaf")))')"
check_grep "axes labelled" "seconds since the process started .*bytes in use" <(svgq 'texts')
check_grep "a legend: the total and each site with its bytes at the last dump" \
	"in use at the last dump \| total: 13.8 kB \| main \(growth.c:[0-9]+\) from __libc_start_call_main: 4,096 B" <(svgq 'texts')
check_grep "a title naming the program and the dumps" "memory in use over time, .*growth \(pid [0-9]+\), 4 dumps" <(svgq 'texts')
"$TETHER" report --timeline --top 2 -o "$T/two.svg" "$T/d"
check_eq "--top 2: two site lines" 2 "$(grep -c 'id="series-site-' "$T/two.svg")"
"$TETHER" report --timeline "$T/d" | head -c 5 > "$T/head"
check_eq "without -o: on standard output" "<?xml" "$(cat "$T/head")"

"$TETHER" report --timeline --format json "$T/d" > /dev/null 2> "$T/err"
check_eq "--timeline --format json: exit 2" 2 $?
check_grep "... saying what --timeline takes" "--timeline draws in-use heap memory as SVG" "$T/err"
"$TETHER" report --timeline > /dev/null 2> "$T/err"
check_eq "--timeline without dumps: exit 2" 2 $?
"$TETHER" run -o "$T/other" -- "$WL/alloc_known" > /dev/null
"$TETHER" report --timeline -o "$T/x.svg" "$T/d" "$T/other" 2> "$T/err"
check_eq "dumps of two programs: exit 1" 1 $?
check_grep "... naming both" "is a dump of .*/growth .* of .*/alloc_known .*expected dumps of one program" "$T/err"

done_testing
