#!/usr/bin/env python3
"""usage: harness/selftests/split-script.py SCRIPT MODULE LOAD_ORDER PLAN_JSON OUT_SCRIPT SKIP_FILE

The multi-part rule of the selftests peer suite (issue 20, docs/harness.md "The multi-part
rule"): rewrites an upstream livepatch selftest script (test-callbacks.sh, ...) that loads
MODULE, a livepatch klp-split builds into several parts, so that it loads those parts and
expects the kernel text the split prints. Runs on the host (host.sh); the guest runs OUT_SCRIPT.

MODULE's parts and their objects come from what klp-split wrote: LOAD_ORDER (the parts in
load order) and PLAN_JSON ('klp-split plan --format json': part name -> object). Nothing in this
file names a test case; every difference from upstream's text comes from these rules:

  R1 load:    'load_lp MODULE ARGS' loads every part in load order, each with its own
              transition ('load_lp PART ARGS'). In the expected text, the block of
              '% modprobe MODULE' (6.12: '% insmod test_modules/MODULE.ko') becomes one block
              per part, in load order: the command with the part's name, and the block's lines
              with the part's name for MODULE's, keeping of the callback lines
              ('<prefix>: pre_patch_callback: OBJ ...') only those of the part's own object.
              So a part whose module object is not loaded prints its enabling/transition
              lines and no callback: the lines the split adds. A loop 'for V in WORDS; do'
              whose body is one 'load_lp "$V"' gets MODULE's parts, in load order, for the
              word MODULE in WORDS (one line or several up to 'done').
  R2 prefix:  a callback line keeps its prefix: it is pr_fmt's KBUILD_MODNAME, compiled into
              the code every part carries, so it stays MODULE's name.
  R3 disable/unload: 'disable_lp MODULE' and 'unload_lp MODULE', and their blocks
              ('% echo 0 > /sys/kernel/livepatch/MODULE/enabled', '% rmmod MODULE'), become one
              per part in reverse load order, filtered as in R1. A loop as in R1 whose body
              is one 'disable_lp "$V"' or 'unload_lp "$V"' gets the parts in reverse load order.
  R4 module notifier lines: a line that names MODULE's patch and a module
              ("applying patch 'MODULE' to loading module 'M'", "reverting patch ... on
              unloading module 'M'", "patch 'MODULE' failed for module 'M'") names the part of
              object M instead.
  R5 pre_patch_ret: the case's text names the object whose pre-patch callback fails
              ("pre-patch callback failed for object 'X'"). The module parameter exists once
              per part (klp-split's module-parameter warning), so 'pre_patch_ret=V' on a load
              and 'set_pre_patch_ret MODULE V' go to the part of X only; other parameters go to
              every part. A failing load ('load_failing_mod MODULE ARGS') loads the parts in
              load order up to the part of X, which fails; the parts after it are not loaded,
              and its expected block is that part's only.
  R6 not expressible (the case is not run split, it is reported SKIP with the reason):
              a failing load whose failing part is not the first in load order (the parts
              before it would stay loaded: the split is not atomic, upstream's text has no
              lines for them); load_lp_nowait of MODULE (upstream's text shows a transition
              that does not complete: split, only the part whose function is busy stalls, the
              parts before it complete and run callbacks upstream's text says the transition
              withholds, and no part after it can be enabled while it lasts: -EBUSY); any other use
              of MODULE in the script's commands (other loops, sysfs reads of the patch):
              script logic, not expected text; a line of the expected text that names MODULE
              and none of the above.
  R7 counts:  the glob '/sys/kernel/livepatch/*' (upstream counts or lists the enabled
              livepatches with it: mods=(/sys/kernel/livepatch/*)) lists livepatches, not
              parts: anywhere in the script it becomes '$(klp_split_livepatches)', a function
              the header defines that lists the same directory with the directory of each of
              MODULE's parts (names from LOAD_ORDER) folded into MODULE's, once, and gives the
              unmatched glob itself when the directory is empty, as bash does.

SKIP_FILE gets one line per case not run: 'SCRIPT#N reason' (N: the case's start_test,
1-based). Exit 0; 1 with one line on stderr when the inputs are not what this expects.
"""
import json
import os
import re
import sys


def die(msg):
    print(f"harness/selftests/split-script.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


class NotExpressible(Exception):
    pass


CALLBACK = re.compile(r"^(\S+): (pre|post)_(patch|unpatch)_callback: (\S+)")
FAILED_OBJECT = re.compile(r"pre-patch callback failed for object '([^']+)'")
NAMED_MODULE = re.compile(r"module '([^']+)'")
FOR_LOOP = re.compile(r"^(\s*)for ([A-Za-z_][A-Za-z_0-9]*) in ([^;]*); do(?: (.*); done)?$")
PATCH_GLOB = "/sys/kernel/livepatch/*"
PART_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def main(argv):
    if len(argv) != 7:
        print(__doc__.splitlines()[0], file=sys.stderr)
        sys.exit(64)
    script, module, load_order, plan_json, out_script, skip_file = argv[1:]
    name = os.path.basename(script)
    parts = []
    with open(load_order) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                if not line.endswith(".ko"):
                    die(f"{load_order}: not a .ko line: {line}")
                parts.append(line[:-3])
    with open(plan_json) as f:
        plan = json.load(f)
    object_of = {p["name"]: p["object"] for p in plan["parts"]}
    for p in parts:
        if not PART_NAME.match(p):
            die(f"{load_order}: not a module name: {p}")
        if p not in object_of:
            die(f"{load_order}: part {p} is not in {plan_json}")
    part_of = {object_of[p]: p for p in parts}
    with open(script) as f:
        lines = f.read().split("\n")

    # top-level assignments (MOD_TARGET=test_klp_callbacks_mod) resolve names in the text
    assigned = {}
    for line in lines:
        m = re.match(r"^([A-Za-z_][A-Za-z_0-9]*)=(\S+)$", line)
        if m:
            assigned[m.group(1)] = m.group(2)
    names = [v for v, value in assigned.items() if value == module]
    if len(names) != 1:
        die(f"{script}: expected one variable set to {module}, found {names}")
    var = names[0]
    ref = re.compile(r"\$(?:\{" + var + r"\}|" + var + r"(?![A-Za-z_0-9]))")

    def resolve(word):
        return re.sub(r"\$\{?([A-Za-z_][A-Za-z_0-9]*)\}?", lambda m: assigned.get(m.group(1), m.group(0)), word)

    # cases: from each start_test line to the next one (or to the final 'exit 0')
    starts = [i for i, l in enumerate(lines) if re.match(r'^start_test "', l)]
    end = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i] == "exit 0":
            end = i
            break
    out = lines[: starts[0]] if starts else lines[:]
    skips = []
    for n, start in enumerate(starts, 1):
        stop = starts[n] if n < len(starts) else end
        case = lines[start:stop]
        if not any(ref.search(l) for l in case):
            out += case
            continue
        try:
            out += translate(case, ref, parts, object_of, part_of, resolve, module)
        except NotExpressible as e:
            skips.append(f"{name}#{n} {e}")
            out.append(f"# case {n} not run split: {e}")
    out += lines[end:]
    header = (f"# written by harness/selftests/split-script.py from upstream's {name}: {module} is loaded\n"
              f"# as its parts {' '.join(parts)} (docs/harness.md, \"The multi-part rule\")\n")
    # R7: the glob that counts or lists livepatches lists livepatches, not parts
    if any(PATCH_GLOB in l for l in out):
        out = [l.replace(PATCH_GLOB, "$(klp_split_livepatches)") for l in out]
        header += ("# R7: what upstream's /sys/kernel/livepatch/* lists, a part's directory folded into its\n"
                   "# livepatch's (no match: the glob itself, as bash leaves it)\n"
                   "klp_split_livepatches() {\n"
                   "\tlocal d n seen=' '\n"
                   "\tfor d in /sys/kernel/livepatch/*; do\n"
                   "\t\tn=${d##*/}\n"
                   f"\t\tcase $n in {'|'.join(parts)}) n={module} ;; esac\n"
                   "\t\tcase $seen in *\" $n \"*) continue ;; esac\n"
                   "\t\tseen=\"$seen$n \"\n"
                   "\t\techo \"/sys/kernel/livepatch/$n\"\n"
                   "\tdone\n"
                   "}\n")
    with open(out_script, "w") as f:
        f.write(out[0] + "\n" + header + "\n".join(out[1:]))
    with open(skip_file, "a") as f:
        for s in skips:
            f.write(s + "\n")


def translate(case, ref, parts, object_of, part_of, resolve, module):
    # R5: the object whose pre-patch callback the case fails
    failed = None
    for l in case:
        m = FAILED_OBJECT.search(l)
        if m:
            failed = resolve(m.group(1))
    failing_part = part_of.get(failed) if failed else None

    def args_for(part, args):
        kept = []
        for a in args:
            if a.startswith("pre_patch_ret="):
                if failing_part is None:
                    raise NotExpressible(f"'{a}' is set but the case's text names no failing object")
                if part != failing_part:
                    continue
            kept.append(a)
        return kept

    def sub(line, part):
        return ref.sub(part, line)

    out = []
    i = 0
    while i < len(case):
        l = case[i]
        if l.startswith('check_result "'):
            j = i
            while not (case[j].endswith('"') and (j > i or len(case[j]) > len('check_result "'))):
                j += 1
            text = "\n".join(case[i:j + 1])[len('check_result "'):-1]
            new = expected(text.split("\n"), ref, parts, object_of, part_of, resolve, failing_part, args_for, sub)
            out += ('check_result "' + "\n".join(new) + '"').split("\n")
            i = j + 1
            continue
        i += 1
        if not ref.search(l):
            out.append(l)
            continue
        loop = FOR_LOOP.match(l)
        if loop:                                                    # R1, R3: loops
            body, j = [], i
            if loop.group(4) is None:
                while j < len(case) and not re.match(r"^\s*done$", case[j]):
                    body.append(case[j])
                    j += 1
                if j == len(case):
                    raise NotExpressible(f"'{l.strip()}' has no 'done'")
                j += 1
            else:
                body = [loop.group(4)]
            cmds = [b for b in body if b.strip()]
            var = loop.group(2)
            m = re.match(r"^\s*(load_lp|unload_lp|disable_lp) (\"\$" + var + r"\"|\$" + var + r"|\"\$\{" + var + r"\}\")$", cmds[0]) if len(cmds) == 1 else None
            if not m:
                raise NotExpressible(f"'{l.strip()}' loops over {module} with a body other than one "
                                     "load_lp/unload_lp/disable_lp of the loop variable: script logic, not expected text")
            order = parts if m.group(1) == "load_lp" else list(reversed(parts))
            words = []
            for w in loop.group(3).split():
                words += order if ref.fullmatch(w.strip('"')) else [w]
            out.append(f"{loop.group(1)}for {var} in {' '.join(words)}; do" +
                       (f" {loop.group(4)}; done" if loop.group(4) is not None else ""))
            if loop.group(4) is None:
                out += case[i:j]
                i = j
            continue
        m = re.match(r"^(load_lp|load_failing_mod|disable_lp|unload_lp|set_pre_patch_ret) (\S+)((?: \S+)*)$", l)
        if not m or not ref.fullmatch(m.group(2)):
            if l.startswith("load_lp_nowait "):
                raise NotExpressible(f"'{l}': upstream's text has a transition that does not complete; split, "
                                     "only the transition of the part whose function is busy stalls, the parts before it "
                                     "complete and run callbacks upstream's transition withholds, and the kernel enables "
                                     "no part after it while it lasts (-EBUSY, one transition at a time): "
                                     "upstream's text says nothing of either")
            raise NotExpressible(f"'{l.strip()}' uses {module} outside load_lp/load_failing_mod/disable_lp/"
                                 "unload_lp/set_pre_patch_ret: script logic, not expected text")
        cmd, args = m.group(1), m.group(3).split()
        if cmd == "load_lp":
            out += [" ".join([cmd, p] + args_for(p, args)) for p in parts]
        elif cmd in ("disable_lp", "unload_lp"):
            out += [f"{cmd} {p}" for p in reversed(parts)]
        elif cmd == "set_pre_patch_ret":
            if failing_part is None:
                raise NotExpressible(f"'{l}' but the case's text names no failing object")
            out.append(f"{cmd} {failing_part} {' '.join(args)}")
        else:  # load_failing_mod
            if failing_part is None:
                raise NotExpressible(f"'{l}' but the case's text names no failing object")
            before = parts[: parts.index(failing_part)]
            if before:
                raise NotExpressible(f"the failing part {failing_part} is not first in load order: "
                                     f"{' '.join(before)} would stay loaded (the split is not atomic)")
            out.append(" ".join([cmd, failing_part] + args_for(failing_part, args)))
    return out


def expected(text, ref, parts, object_of, part_of, resolve, failing_part, args_for, sub):
    blocks = []
    for l in text:
        if l.startswith("% ") or not blocks:
            blocks.append([l])
        else:
            blocks[-1].append(l)
    out = []
    for block in blocks:
        cmd, body = block[0], block[1:]
        if cmd.startswith("% ") and ref.search(cmd):
            if re.search(r"/sys/kernel/livepatch/\S+/enabled$", cmd) or cmd.startswith("% rmmod "):
                order = list(reversed(parts))                      # R3
            elif "/parameters/pre_patch_ret" in cmd:
                if failing_part is None:
                    raise NotExpressible(f"'{cmd}' but the case's text names no failing object")
                order = [failing_part]                              # R5
            elif re.match(r"^% (modprobe|insmod) ", cmd):
                if any(FAILED_OBJECT.search(l) for l in body):
                    order = [failing_part]                          # R5
                else:
                    order = parts                                   # R1
            else:
                raise NotExpressible(f"expected line '{cmd}' names the livepatch in a command the rule does not know")
            for p in order:
                words = sub(cmd, p).split(" ")
                head = words[:3] if words[1] in ("modprobe", "insmod") else words
                out.append(" ".join(head + (args_for(p, words[3:]) if head is not words else [])))
                for l in body:
                    m = CALLBACK.match(l)
                    if m:                                           # R1, R2
                        if resolve(m.group(4)) == object_of[p]:
                            out.append(l)
                    else:
                        out.append(sub(l, p))
            continue
        out.append(cmd)
        for l in body:
            if not ref.search(l) or CALLBACK.match(l):             # R2
                out.append(l)
                continue
            m = NAMED_MODULE.search(l)                              # R4
            if not m or resolve(m.group(1)) not in part_of:
                raise NotExpressible(f"expected line '{l}' names the livepatch and no patched object")
            out.append(sub(l, part_of[resolve(m.group(1))]))
    return out


if __name__ == "__main__":
    main(sys.argv)
