#!/usr/bin/env python3
"""Summary table of bench/run.sh: ratios against the goals, scaling, peak RSS.

usage: bench/summary.py RESULTS "N M" ...
RESULTS has tab-separated rows: `LABEL GOAL JSON` (a timer.py measurement, last command is the
reference) or `rss LABEL KB`.
"""
import json
import statistics
import sys

RSS_GOAL_MB = 256
SCALING_GOAL = 2.2


def main(results, sizes):
    rows, rss, build = [], [], {}
    with open(results) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "rss":
                rss.append((fields[1], int(fields[2]) / 1024))
                continue
            label, goal, path = fields
            data = json.load(open(path))
            med = [statistics.median(w) for w in data["wall_ms"]]
            cmed = [statistics.median(c) for c in data["cpu_ms"]]
            ratio = med[0] / med[-1]
            rows.append((label, med[0], med[-1], ratio, cmed[0] / cmed[-1], float(goal)))
            if label.startswith("build N="):
                build[int(label.split()[1][2:])] = med[0]
    print("summary (medians of wall time; ratio = klp-split / reference)")
    print(f"  {'measurement':<44} {'klp-split':>10} {'reference':>10} {'ratio':>6} {'cpu ratio':>9} {'goal':>6}  met")
    for label, ours, ref, ratio, cratio, goal in rows:
        met = "yes" if ratio <= goal else "no"
        print(f"  {label:<44} {ours:8.1f}ms {ref:8.1f}ms {ratio:5.2f}× {cratio:8.2f}× ≤{goal:4.1f}×  {met}")
    ns = sorted(build)
    for a, b in zip(ns, ns[1:]):
        step = build[b] / build[a]
        ma = next(s.split()[1] for s in sizes if s.split()[0] == str(a))
        mb = next(s.split()[1] for s in sizes if s.split()[0] == str(b))
        label = f"scaling build N={a}→{b}, M={ma}→{mb}"
        met = "yes" if step <= SCALING_GOAL else "no"
        print(f"  {label:<44} {build[b]:8.1f}ms {build[a]:8.1f}ms {step:5.2f}× {'':>9} ≤{SCALING_GOAL:4.1f}×  {met}")
    for label, mb in rss:
        met = "yes" if mb <= RSS_GOAL_MB else "no"
        print(f"  {'peak RSS ' + label:<44} {mb:8.1f}MB {'':>10} {'':>6} {'':>9} ≤{RSS_GOAL_MB}MB  {met}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
