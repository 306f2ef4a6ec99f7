#!/usr/bin/env python3
"""Side-by-side timer for bench/run.sh: runs commands alternately, reports medians and ratios.

usage: bench/timer.py -r RUNS -l LABEL [-l LABEL ...] -- CMD1 -- CMD2 [-- CMD ...]

Each CMD is one shell command line (run with `bash -c`, stdout and stderr to /dev/null). Every
command runs once untimed first (warm page cache), then RUNS rounds, each round running every
command once, in a rotating order (round i starts with command i mod n), so slow phases of a busy
machine hit all of them alike. Wall time comes from time.perf_counter_ns, CPU time (user + sys of
the child and its children) from os.wait4. A command that exits non-zero in any run is reported
and makes the timer exit 1 (exit status 2 is accepted with --allow-2: `plan` with errors).

Prints one line per command: median wall ms, min, max, median CPU ms, and the ratio of its median
wall time (and CPU time) to the LAST command's (the reference). With --json FILE, also writes the
raw samples.
"""
import json
import os
import statistics
import subprocess
import sys
import time


def run(cmd, allowed):
    start = time.perf_counter_ns()
    proc = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter_ns() - start) / 1e6
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in allowed:
        sys.exit(f"timer: exit status {code}: {cmd}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def main(argv):
    runs, labels, allowed, json_out = 11, [], {0}, None
    i = 0
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "-r":
            runs = int(argv[i + 1]); i += 2
        elif argv[i] == "-l":
            labels.append(argv[i + 1]); i += 2
        elif argv[i] == "--allow-2":
            allowed.add(2); i += 1
        elif argv[i] == "--json":
            json_out = argv[i + 1]; i += 2
        else:
            sys.exit(f"timer: unknown option {argv[i]}")
    cmds, current = [], None
    for arg in argv[i:]:
        if arg == "--":
            current = []
            cmds.append(current)
        else:
            current.append(arg)
    cmds = [" ".join(c) for c in cmds]
    if len(cmds) < 2 or len(labels) != len(cmds):
        sys.exit("timer: give at least two commands and one -l LABEL per command")
    for cmd in cmds:
        run(cmd, allowed)  # untimed: page cache warm
    walls = [[] for _ in cmds]
    cpus = [[] for _ in cmds]
    for r in range(runs):
        for k in range(len(cmds)):
            j = (r + k) % len(cmds)
            wall, cpu = run(cmds[j], allowed)
            walls[j].append(wall)
            cpus[j].append(cpu)
    med = [statistics.median(w) for w in walls]
    cmed = [statistics.median(c) for c in cpus]
    width = max(len(l) for l in labels)
    for k, label in enumerate(labels):
        ratio = med[k] / med[-1] if med[-1] else float("inf")
        cratio = cmed[k] / cmed[-1] if cmed[-1] else float("inf")
        print(f"  {label:<{width}}  wall {med[k]:8.1f} ms (min {min(walls[k]):7.1f}, max {max(walls[k]):7.1f})"
              f"  cpu {cmed[k]:8.1f} ms  ×ref wall {ratio:5.2f}  cpu {cratio:5.2f}")
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"labels": labels, "commands": cmds, "wall_ms": walls, "cpu_ms": cpus}, f)
    return med, cmed


if __name__ == "__main__":
    main(sys.argv[1:])
