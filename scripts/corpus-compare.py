#!/usr/bin/env python3
"""Compares klp-split-corpus's counts and round-trip output with readelf -W (scripts/corpus.sh).

usage: corpus-compare.py ROOT OUTROOT COUNTS.tsv [JOBS]

For every module in COUNTS.tsv (the output of `klp-split-corpus ROOT --write-to OUTROOT`):
  * our section, symbol, relocation, .modinfo string and __versions entry counts must equal what
    `readelf -W -S -s -r -p .modinfo ROOT/PATH` shows;
  * `readelf -W -S -s -r -p .modinfo` of ROOT/PATH and OUTROOT/PATH must be identical, file
    offsets included (the writer keeps the input's layout, ELFImage.fileLayout).
Prints one line per mismatch and a summary; exit 1 on any mismatch or read error.
"""
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

def readelf(path):
    run = subprocess.run(["readelf", "-W", "-S", "-s", "-r", "-p", ".modinfo", path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    errors = [line for line in run.stderr.decode(errors="replace").splitlines()
              if "was not dumped because it does not exist" not in line]
    if run.returncode != 0 or errors:
        raise RuntimeError(f"readelf failed: {' / '.join(errors) or run.returncode}")
    return run.stdout.decode(errors="replace").splitlines()


def counts(lines, path):
    """The counts readelf shows. The .modinfo strings are counted from the section's bytes, found
    through readelf's section header (offset, size): readelf -p prints a string that follows one
    ending in a newline without its own [offset] line, so its display cannot be counted."""
    sections = symbols = relocations = modinfo = versions = 0
    for line in lines:
        if m := re.match(r"There are (\d+) section headers", line):
            sections = int(m.group(1))
        elif m := re.match(r"Symbol table '\.symtab' contains (\d+) entr", line):
            symbols = int(m.group(1))
        elif m := re.match(r"Relocation section '.*' at offset 0x[0-9a-f]+ contains (\d+) entr", line):
            relocations += int(m.group(1))
        elif m := re.match(r"^\s*\[\s*\d+\]\s+\.modinfo\s+PROGBITS\s+[0-9a-f]{16}\s([0-9a-f]+)\s([0-9a-f]+)\s", line):
            with open(path, "rb") as f:
                f.seek(int(m.group(1), 16))
                data = f.read(int(m.group(2), 16))
            modinfo = len([string for string in data.split(b"\0") if string])
        elif m := re.match(r"^\s*\[\s*\d+\]\s+__versions\s+\S+\s+[0-9a-f]{16}\s[0-9a-f]+\s([0-9a-f]+)\s", line):
            versions = int(m.group(1), 16) // 64
    return (sections, symbols, relocations, modinfo, versions)


def compare(job):
    """Returns (problem kinds, messages) for one module."""
    root, outroot, fields = job
    path = fields[0]
    if fields[1] == "ERROR":
        return ({"error"}, [f"{path}: our reader failed: {fields[2]}"])
    ours = tuple(int(x) for x in fields[1:6])
    try:
        original = readelf(f"{root}/{path}")
        written = readelf(f"{outroot}/{path}") if outroot != "-" else None
    except RuntimeError as error:
        return ({"error"}, [f"{path}: {error}"])
    kinds, messages = set(), []
    theirs = counts(original, f"{root}/{path}")
    if ours != theirs:
        kinds.add("counts")
        messages.append(f"{path}: counts (sections, symbols, relocations, modinfo, versions) "
                        f"ours {ours} readelf {theirs}")
    if written is not None and written != original:
        kinds.add("roundtrip")
        diff = [f"-{a}\n+{b}" for a, b in zip(original, written) if a != b][:3]
        if len(original) != len(written):
            diff.append(f"(lines: {len(original)} vs {len(written)})")
        messages.append(f"{path}: readelf differs after the round trip:\n" + "\n".join(diff))
    return (kinds, messages)


def main():
    root, outroot, counts_file = sys.argv[1:4]
    jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    with open(counts_file) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    tally = {"error": 0, "counts": 0, "roundtrip": 0}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for kinds, messages in pool.map(compare, [(root, outroot, r) for r in rows]):
            for kind in kinds:
                tally[kind] += 1
            for message in messages:
                print(message)
    total = len(rows)
    read_ok = total - tally["error"]
    print(f"corpus: {total} modules; read by klp-split {read_ok}/{total}; "
          f"counts equal to readelf {read_ok - tally['counts']}/{total}")
    if outroot != "-":
        print(f"corpus: written back with readelf -W -S -s -r -p .modinfo identical (offsets included) "
              f"{read_ok - tally['roundtrip']}/{total}")
    return 0 if tally["error"] == tally["counts"] == tally["roundtrip"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
