#!/usr/bin/env python3
"""Run every command of docs/tutorial.md and compare its output with the page.

usage: scripts/tutorial.py [--update] [--kernel-log LOG]

* Each ```console block holds `$ command` lines, each followed by the output it must print
  (stdout and stderr together, as a terminal shows them). The commands run in order with bash,
  in a scratch directory where `Fixtures` links to the repository's, with `klp-split` on PATH
  ($KLP_SPLIT, else the debug build). Any difference fails, with a diff.
* `lp_split.svg`, written by one of the commands, must equal the committed docs/tutorial/lp_split.svg.
  --update copies it there and rewrites the outputs on the page instead of failing.
* With --kernel-log, each line of a ```text harness:SCENARIO block must occur in that log (a real
  harness/run.sh log of the scenario) after numbers that change from boot to boot are masked
  (dmesg timestamps, CPU/PID, wait counts). scripts/test.sh passes the 6.1 split-eager log after the
  harness ran.
"""
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(REPO, "docs", "tutorial.md")
SVG = os.path.join(REPO, "docs", "tutorial", "lp_split.svg")
FENCE = re.compile(r"^```(\S*)(?: (\S+))?\s*$")


def blocks(lines):
    """(info, argument, first line index, last line index exclusive) of every fenced block."""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m and m.group(1):
            j = i + 1
            while j < len(lines) and lines[j].rstrip("\n") != "```":
                j += 1
            yield m.group(1), m.group(2), i + 1, j
            i = j + 1
        else:
            i += 1


def run_console(lines, start, end, workdir, env):
    """Runs the block's commands; returns the block's new text (commands and actual output)."""
    out = []
    expected_ok = True
    i = start
    while i < end:
        line = lines[i].rstrip("\n")
        if not line.startswith("$ "):
            raise SystemExit(f"docs/tutorial.md:{i + 1}: a console block must start with '$ command'")
        command = line[2:]
        j = i + 1
        while j < end and not lines[j].startswith("$ "):
            j += 1
        expected = "".join(lines[i + 1:j])
        result = subprocess.run(["bash", "-c", command], cwd=workdir, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        actual = result.stdout
        if actual and not actual.endswith("\n"):
            actual += "\n"
        if actual != expected:
            expected_ok = False
            print(f"docs/tutorial.md:{i + 1}: output of '{command}' differs:", file=sys.stderr)
            sys.stderr.writelines(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                       "shown in docs/tutorial.md", "printed now"))
        out.append(line + "\n")
        out.append(actual)
        i = j
    return out, expected_ok


def mask(line):
    line = re.sub(r"\[ *[0-9]+\.[0-9]+\]", "[T]", line)
    line = re.sub(r"CPU: [0-9]+ PID: [0-9]+", "CPU: N PID: N", line)
    line = re.sub(r"waited [0-9]+x100ms", "waited Nx100ms", line)
    return line.rstrip()


def main():
    update = "--update" in sys.argv
    kernel_log = None
    if "--kernel-log" in sys.argv:
        kernel_log = sys.argv[sys.argv.index("--kernel-log") + 1]
    with open(PAGE) as f:
        lines = f.readlines()
    if kernel_log:
        with open(kernel_log, errors="replace") as f:
            log = {mask(l) for l in f.read().splitlines()}
        missing = 0
        quoted = 0
        for info, argument, start, end in blocks(lines):
            if info != "text" or not (argument or "").startswith("harness:"):
                continue
            for k in range(start, end):
                line = lines[k].rstrip("\n")
                if not line.strip() or line.strip() == "...":
                    continue
                quoted += 1
                if mask(line) not in log:
                    missing += 1
                    print(f"docs/tutorial.md:{k + 1}: not in {kernel_log}: {line}", file=sys.stderr)
        print(f"tutorial: {quoted} quoted kernel lines, {missing} missing from {os.path.basename(kernel_log)}")
        sys.exit(1 if missing or not quoted else 0)

    binary = os.environ.get("KLP_SPLIT")
    if not binary:
        bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True,
                                  stdout=subprocess.PIPE, text=True).stdout.strip()
        binary = os.path.join(bin_path, "klp-split")
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(binary)) + ":" + env.get("PATH", "/usr/bin:/bin")
    env.pop("NO_COLOR", None)
    workdir = tempfile.mkdtemp(prefix="klp-split-tutorial-")
    try:
        os.symlink(os.path.join(REPO, "Fixtures"), os.path.join(workdir, "Fixtures"))
        new_lines = []
        last = 0
        ok = True
        commands = 0
        for info, _, start, end in blocks(lines):
            if info != "console":
                continue
            commands += sum(1 for k in range(start, end) if lines[k].startswith("$ "))
            text, block_ok = run_console(lines, start, end, workdir, env)
            ok = ok and block_ok
            new_lines += lines[last:start] + text
            last = end
        new_lines += lines[last:]
        produced = os.path.join(workdir, "lp_split.svg")
        if not os.path.exists(produced):
            print("tutorial: no command wrote lp_split.svg", file=sys.stderr)
            sys.exit(1)
        with open(produced) as f:
            svg = f.read()
        committed = open(SVG).read() if os.path.exists(SVG) else ""
        svg_ok = svg == committed
        if not svg_ok and not update:
            print("tutorial: docs/tutorial/lp_split.svg differs from what the tutorial's command draws now; "
                  "run scripts/tutorial.py --update", file=sys.stderr)
        if update:
            os.makedirs(os.path.dirname(SVG), exist_ok=True)
            with open(SVG, "w") as f:
                f.write(svg)
            with open(PAGE, "w") as f:
                f.writelines(new_lines)
            print(f"tutorial: updated docs/tutorial.md ({commands} commands) and docs/tutorial/lp_split.svg")
            return
        print(f"tutorial: {commands} commands run, output {'as shown' if ok else 'DIFFERS'}; "
              f"SVG {'identical' if svg_ok else 'DIFFERS'}")
        sys.exit(0 if ok and svg_ok else 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


main()
