#!/usr/bin/env python3
"""Query a `tether report --format json` file for the shell tests.

  query.py REPORT site FILE:LINE [PROC]  sums of the sites whose stack has a
      frame at FILE:LINE (file compared by basename), printed as
      "in_use_bytes in_use_blocks alloc_bytes alloc_blocks free_bytes
      free_blocks alloc_function", or "none"
  query.py REPORT totals [PROC]          the process totals, same order
  query.py REPORT field NAME [PROC]      one field of the process record
  query.py REPORT nprocs                 number of processes
  query.py REPORT frames FILE:LINE [PROC] the frames of the first such site,
      one "function file:line" per line
  query.py REPORT file FILE [PROC]       like site, for every site with a
      frame anywhere in FILE
PROC is an index (default 0), "forked" or "main".
"""
import json
import os
import sys


def pick(report, which):
    procs = report["processes"]
    if which == "forked":
        return [p for p in procs if p["forked"]][0]
    if which == "main":
        return [p for p in procs if not p["forked"]][0]
    return procs[int(which)]


def at(frame, where):
    f, line = where.rsplit(":", 1)
    return (frame["file"] is not None and os.path.basename(frame["file"]) == f
            and frame["line"] == int(line))


def main():
    report = json.load(open(sys.argv[1]))
    cmd = sys.argv[2]
    if cmd == "nprocs":
        print(len(report["processes"]))
        return
    if cmd == "totals":
        p = pick(report, sys.argv[3] if len(sys.argv) > 3 else "0")
        t = p["totals"]
        print(t["in_use_bytes"], t["in_use_blocks"], t["alloc_bytes"],
              t["alloc_blocks"], t["free_bytes"], t["free_blocks"])
        return
    if cmd == "field":
        p = pick(report, sys.argv[4] if len(sys.argv) > 4 else "0")
        print(json.dumps(p[sys.argv[3]]))
        return
    where = sys.argv[3]
    p = pick(report, sys.argv[4] if len(sys.argv) > 4 else "0")
    if cmd == "file":
        sites = [s for s in p["sites"] if any(
            f["file"] and os.path.basename(f["file"]) == where for f in s["frames"])]
    else:
        sites = [s for s in p["sites"] if any(at(f, where) for f in s["frames"])]
    if cmd == "frames":
        for f in sites[0]["frames"] if sites else []:
            loc = "%s:%s" % (os.path.basename(f["file"]), f["line"]) if f["file"] else "?"
            print(f["function"], loc)
        return
    if not sites:
        print("none")
        return
    keys = ["in_use_bytes", "in_use_blocks", "alloc_bytes", "alloc_blocks",
            "free_bytes", "free_blocks"]
    sums = [sum(s[k] for s in sites) for k in keys]
    fns = sorted(set(s["alloc_function"] for s in sites))
    print(" ".join(str(v) for v in sums), ",".join(fns))


main()
