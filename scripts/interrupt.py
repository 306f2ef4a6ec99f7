#!/usr/bin/env python3
"""SIGINT in the middle of `klp-split build` (docs/robustness.md).

usage: scripts/interrupt.py KLP_SPLIT [ATTEMPTS]   (default 40, ~45 s on the 2-core CI machine)

Builds Fixtures/modules/lp_split.ko once for reference, then ATTEMPTS times starts
the same build into a fresh directory and sends SIGINT:
  * "in the write window": as soon as the staging directory (.klp-split.XXXXXX) shows up in the
    output directory (polled), i.e. while parts are being written and renamed;
  * "early": after a delay spread over the reference build's run time (reading, planning).
After every attempt the contract is checked: the process exited 0 or was ended by SIGINT; the
output directory is absent or holds exactly the reference files, byte-identical; no hidden
staging or temporary file is left. The same is done for `klp-split convert` (the output file is
absent or complete; no temporary file beside it).
Exit 1 on any violation, or when the write window was never hit (the test would prove nothing).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIVEPATCH = os.path.join(REPO, "Fixtures/modules/lp_split.ko")
WORLD = os.path.join(REPO, "Fixtures/world")


def snapshot(directory):
    if not os.path.lexists(directory):
        return None
    return {name: open(os.path.join(directory, name), "rb").read() if os.path.isfile(os.path.join(directory, name))
            else "<not a file>" for name in os.listdir(directory)}


def main():
    klp_split = os.path.abspath(sys.argv[1])
    attempts = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    work = tempfile.mkdtemp(prefix="klp-split-interrupt-")
    violations = []
    stats = {"window": 0, "early": 0, "killed": 0, "completed": 0, "absent": 0}
    try:
        build = [klp_split, "build", LIVEPATCH, "-b", WORLD, "--sympos", "ucode_path=2", "-o"]
        start = time.monotonic()
        subprocess.run(build + [os.path.join(work, "reference")], check=True, stdout=subprocess.DEVNULL)
        reference_time = time.monotonic() - start
        reference = snapshot(os.path.join(work, "reference"))
        converted = os.path.join(work, "reference-convert.ko")
        subprocess.run([klp_split, "convert", LIVEPATCH, "-b", WORLD, "--sympos", "ucode_path=2", "-o", converted],
                       check=True, stdout=subprocess.DEVNULL)
        reference_convert = open(converted, "rb").read()

        for attempt in range(attempts):
            out = os.path.join(work, f"out{attempt}")
            early = attempt % 4 == 3
            process = subprocess.Popen(build + [out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if early:
                time.sleep(reference_time * (attempt % 40) / 40)
                process.send_signal(signal.SIGINT)
                stats["early"] += 1
            else:
                while process.poll() is None:
                    try:
                        if any(name.startswith(".klp-split.") for name in os.listdir(out)):
                            process.send_signal(signal.SIGINT)
                            stats["window"] += 1
                            break
                    except FileNotFoundError:
                        pass
            process.wait()
            stderr = process.stderr.read().decode(errors="replace")
            if process.returncode not in (0, -signal.SIGINT):
                violations.append(f"attempt {attempt}: exit {process.returncode}: {stderr.strip()}")
            stats["killed" if process.returncode == -signal.SIGINT else "completed"] += 1
            result = snapshot(out)
            if result is None:
                stats["absent"] += 1
            elif result != reference:
                hidden = [n for n in result if n.startswith(".")]
                violations.append(f"attempt {attempt}: {out} holds {sorted(result)} (hidden: {hidden}), "
                                  f"not the reference {sorted(reference)} nothing")
            shutil.rmtree(out, ignore_errors=True)

        convert_window = 0
        for attempt in range(attempts // 4):
            directory = os.path.join(work, f"convert{attempt}")
            os.makedirs(directory)
            target = os.path.join(directory, "lp_split.ko")
            process = subprocess.Popen([klp_split, "convert", LIVEPATCH, "-b", WORLD, "--sympos", "ucode_path=2",
                                        "-o", target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while process.poll() is None:
                if any(name.startswith(".lp_split.ko.") for name in os.listdir(directory)):
                    process.send_signal(signal.SIGINT)
                    convert_window += 1
                    break
            process.wait()
            names = os.listdir(directory)
            if process.returncode not in (0, -signal.SIGINT):
                violations.append(f"convert attempt {attempt}: exit {process.returncode}")
            if names not in ([], ["lp_split.ko"]) or (names and open(target, "rb").read() != reference_convert):
                violations.append(f"convert attempt {attempt}: {directory} holds {names}")
            shutil.rmtree(directory, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for violation in violations[:20]:
        print("FAIL " + violation)
    print(f"interrupt: build {attempts} runs: SIGINT in the write window {stats['window']}, early {stats['early']}; "
          f"ended by SIGINT {stats['killed']}, completed {stats['completed']}, output absent {stats['absent']}; "
          f"convert {attempts // 4} runs, SIGINT in the write window {convert_window}; {len(violations)} violations")
    if stats["window"] == 0 or convert_window == 0:
        print("interrupt: the write window was never hit; the test proved nothing", file=sys.stderr)
        return 1
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
