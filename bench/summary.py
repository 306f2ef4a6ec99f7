#!/usr/bin/env python3
"""Summary table of bench/run.sh: ratios against the goals, scaling, peak RSS.

usage: bench/summary.py RESULTS "N M" ...
RESULTS has tab-separated rows: `LABEL GOAL JSON` (a timer.py measurement, last command is the
reference), `scaling JSON` (one timer.py run of every build size, smallest first) or
`rss LABEL KB`.
"""
import json
import statistics
import sys

RSS_GOAL_MB = 256
SCALING_GOAL = 2.2


def main(results, sizes):
    rows, rss, scaling = [], [], None
    with open(results) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "rss":
                rss.append((fields[1], int(fields[2]) / 1024))
                continue
            if fields[0] == "scaling":
                scaling = json.load(open(fields[1]))
                continue
            label, goal, path = fields
            data = json.load(open(path))
            med = [statistics.median(w) for w in data["wall_ms"]]
            cmed = [statistics.median(c) for c in data["cpu_ms"]]
            ratio = med[0] / med[-1]
            rows.append((label, med[0], med[-1], ratio, cmed[0] / cmed[-1], float(goal)))
    print("summary (medians of wall time; ratio = klp-split / reference)")
    print(f"  {'measurement':<44} {'klp-split':>10} {'reference':>10} {'ratio':>6} {'cpu ratio':>9} {'goal':>6}  met")
    for label, ours, ref, ratio, cratio, goal in rows:
        met = "yes" if ratio <= goal else "no"
        print(f"  {label:<44} {ours:8.1f}ms {ref:8.1f}ms {ratio:5.2f}× {cratio:8.2f}× ≤{goal:4.1f}×  {met}")
    if scaling:
        # one alternating run of every size: step ratios of consecutive sizes
        med = [statistics.median(w) for w in scaling["wall_ms"]]
        cmed = [statistics.median(c) for c in scaling["cpu_ms"]]
        names = [l.replace("build ", "") for l in scaling["labels"]]
        for i in range(1, len(med)):
            label = f"scaling build {names[i - 1]} → {names[i]}"
            step, cstep = med[i] / med[i - 1], cmed[i] / cmed[i - 1]
            met = "yes" if step <= SCALING_GOAL else "no"
            print(f"  {label:<44} {med[i]:8.1f}ms {med[i - 1]:8.1f}ms {step:5.2f}× {cstep:8.2f}× ≤{SCALING_GOAL:4.1f}×  {met}")
    for label, mb in rss:
        met = "yes" if mb <= RSS_GOAL_MB else "no"
        print(f"  {'peak RSS ' + label:<44} {mb:8.1f}MB {'':>10} {'':>6} {'':>9} ≤{RSS_GOAL_MB}MB  {met}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
