#!/usr/bin/env python3
"""Generate and build a large combined livepatch for the klp-split benchmarks.

usage: bench/gen-livepatch.py -n N -m M [--world DIR] [--out DIR] [--kdir DIR] [--no-build]

Writes the C source, Kbuild and Makefile of a livepatch named lp_gen_n<N>_m<M> that replaces N
real, non-inlined functions spread round-robin over vmlinux and M real modules of the target
kernel, then builds it with kbuild (KBUILD_MODPOST_WARN=1) into OUT/lp_gen_n<N>_m<M>/.

Candidates are read from the real world, never guessed:
  - module functions: STT_FUNC symbols (LOCAL or GLOBAL) defined in `.text` of the real `.ko`
    (not in .init.text/.exit.text/.text.unlikely), with a name that occurs once in that module's
    .symtab, without '.' (no .isra/.constprop/.cold clones) and not starting with '__';
  - vmlinux functions: t/T lines of the kallsyms dump between _stext and _etext whose name occurs
    once in the whole dump (so sympos 0 is right).
Modules are those with a namespace-less exported function in Module.symvers (the replacement
references it: category B, patched-module export) and enough candidates; they are picked
deterministically (evenly spaced over the sorted list). Every replacement calls a vmlinux export
(_printk through pr_info: category A) and, for module objects, takes the address of the export of
its own module.

The output goes to the cache, never to the repository. Prints the path of the built .ko.
"""
import argparse
import os
import struct
import subprocess
import sys

KVER = "6.1.0-56-amd64"


def cache_dir():
    base = os.environ.get("KLP_SPLIT_CACHE")
    if base:
        return base
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.environ["HOME"], ".cache")
    return os.path.join(xdg, "klp-split")


def read_elf_functions(path):
    """Candidate function names of one ET_REL x86-64 .ko (see the module docstring)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    shdrs = []
    for i in range(e_shnum):
        off = e_shoff + i * e_shentsize
        name, typ, flags, addr, offset, size, link, info, align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, off)
        shdrs.append((name, typ, offset, size, link))
    shstr_off = shdrs[e_shstrndx][2]

    def cstr(base, off):
        end = data.index(b"\0", base + off)
        return data[base + off:end].decode("utf-8", "replace")

    names = [cstr(shstr_off, s[0]) for s in shdrs]
    symtab = next((s for s in shdrs if s[1] == 2), None)  # SHT_SYMTAB
    if symtab is None:
        return []
    str_off = shdrs[symtab[4]][2]
    counts = {}
    funcs = []
    for i in range(1, symtab[3] // 24):
        st_name, st_info, st_other, st_shndx, st_value, st_size = struct.unpack_from(
            "<IBBHQQ", data, symtab[2] + i * 24)
        if st_name == 0:
            continue
        name = cstr(str_off, st_name)
        counts[name] = counts.get(name, 0) + 1
        bind, typ = st_info >> 4, st_info & 0xF
        if typ != 2 or bind not in (0, 1) or st_size == 0:
            continue
        if st_shndx == 0 or st_shndx >= 0xFF00 or names[st_shndx] != ".text":
            continue
        if "." in name or name.startswith("__") or name in ("init_module", "cleanup_module"):
            continue
        funcs.append(name)
    return [n for n in funcs if counts[n] == 1]


def vmlinux_candidates(kallsyms):
    counts, funcs = {}, []
    stext = etext = None
    rows = []
    with open(kallsyms) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            addr, typ, name = int(parts[0], 16), parts[1], parts[2]
            counts[name] = counts.get(name, 0) + 1
            if len(parts) > 3:
                continue  # a module's symbol
            if name == "_stext":
                stext = addr
            elif name == "_etext":
                etext = addr
            rows.append((addr, typ, name))
    for addr, typ, name in rows:
        if typ not in "tT" or not (stext <= addr < etext):
            continue
        if "." in name or name.startswith("__") or name.startswith("_") or counts[name] != 1:
            continue
        funcs.append(name)
    return sorted(set(funcs))


def module_exports(symvers):
    """{module name: sorted namespace-less exports} from Module.symvers (6.1 layout)."""
    exports = {}
    with open(symvers) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 5 or fields[2] == "vmlinux" or fields[4]:
                continue
            module = os.path.basename(fields[2]).replace("-", "_")
            exports.setdefault(module, []).append(fields[1])
    return {m: sorted(s) for m, s in exports.items()}


def module_paths(moddir):
    paths = {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            rel = line.split(":", 1)[0]
            name = os.path.basename(rel)
            for suffix in (".ko", ".ko.xz", ".ko.zst", ".ko.gz"):
                if name.endswith(suffix):
                    name = name[: -len(suffix)]
            paths[name.replace("-", "_")] = os.path.join(moddir, rel)
    return paths


def spread(items, count):
    """`count` items evenly spaced over `items` (deterministic)."""
    if count >= len(items):
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def generate(n, m, world, kallsyms, symvers):
    moddir = os.path.join(world, "lib", "modules", KVER)
    per_object = -(-n // (m + 1))
    exports = module_exports(symvers)
    paths = module_paths(moddir)
    modules = sorted(name for name in paths if name in exports and paths[name].endswith(".ko"))
    # Walk an evenly spaced order until M modules have enough candidates.
    chosen = {}
    order = spread(modules, len(modules))
    stride = max(1, len(order) // (m * 3))
    candidates_order = order[::stride] + [x for i, x in enumerate(order) if i % stride]
    for name in candidates_order:
        if len(chosen) == m:
            break
        funcs = read_elf_functions(paths[name])
        if len(funcs) >= per_object:
            chosen[name] = funcs
    if len(chosen) < m:
        sys.exit(f"gen-livepatch: only {len(chosen)} modules have {per_object} candidate functions")
    vmlinux = vmlinux_candidates(kallsyms)
    objects = [("vmlinux", vmlinux, None)] + [
        (name, chosen[name], exports[name][0]) for name in sorted(chosen)]
    # Round-robin: function i goes to object i % (M+1).
    assigned = {name: [] for name, _, _ in objects}
    picks = {name: spread(funcs, per_object) for name, funcs, _ in objects}
    for i in range(n):
        name = objects[i % len(objects)][0]
        assigned[name].append(picks[name][len(assigned[name])])
    return objects, assigned


def render(patch, objects, assigned):
    out = []
    w = out.append
    w("// SPDX-License-Identifier: GPL-2.0-or-later")
    w(f"/* Generated by bench/gen-livepatch.py: {patch}. Benchmark input, not loadable. */")
    w("#define pr_fmt(fmt) KBUILD_MODNAME \": \" fmt")
    w("#include <linux/module.h>\n#include <linux/kernel.h>\n#include <linux/jiffies.h>")
    w("#include <linux/livepatch.h>\n")
    w("#define LP_NOIPA __attribute__((__noipa__))\n")
    for index, (name, _, export) in enumerate(objects):
        if export:
            # the real export of the patched module (category B); an asm name avoids any clash
            # with a declaration in the headers
            w(f"extern char lp_gen_export_{index}[] __asm__(\"{export}\");")
    w("")
    for index, (name, _, export) in enumerate(objects):
        ref = f"lp_gen_export_{index}" if export else "&jiffies"
        for func in assigned[name]:
            w(f"static LP_NOIPA int lp_gen_{index}_{func}(void)")
            w("{")
            w(f"\tpr_info(\"%s %px\\n\", __func__, (void *){ref});")
            w("\treturn 0;")
            w("}\n")
    for index, (name, _, _) in enumerate(objects):
        w(f"static struct klp_func funcs_{index}[] = {{")
        for func in assigned[name]:
            w(f"\t{{ .old_name = \"{func}\", .new_func = lp_gen_{index}_{func}, }},")
        w("\t{ }\n};\n")
    w("static struct klp_object objs[] = {")
    for index, (name, _, _) in enumerate(objects):
        if name == "vmlinux":
            w(f"\t{{ .funcs = funcs_{index}, }},")
        else:
            w(f"\t{{ .name = \"{name}\", .funcs = funcs_{index}, }},")
    w("\t{ }\n};\n")
    w("static struct klp_patch patch = {\n\t.mod = THIS_MODULE,\n\t.objs = objs,\n};\n")
    w("static int livepatch_init(void)\n{\n\treturn klp_enable_patch(&patch);\n}\n")
    w("static void livepatch_exit(void)\n{\n}\n")
    w("module_init(livepatch_init);\nmodule_exit(livepatch_exit);")
    w("MODULE_LICENSE(\"GPL\");\nMODULE_INFO(livepatch, \"Y\");")
    return "\n".join(out) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, required=True, help="number of patched functions")
    p.add_argument("-m", type=int, required=True, help="number of patched modules (besides vmlinux)")
    p.add_argument("--world", default=os.path.join(cache_dir(), "kernel", KVER, "image"),
                   help="install root with lib/modules/REL (default: the harness cache)")
    p.add_argument("--kallsyms", default=os.path.join(repo, "Fixtures", "world", "proc", "kallsyms"))
    p.add_argument("--kdir", default=f"/usr/src/linux-headers-{KVER}")
    p.add_argument("--out", default=os.path.join(cache_dir(), "bench", "gen"))
    p.add_argument("--no-build", action="store_true")
    args = p.parse_args()

    patch = f"lp_gen_n{args.n}_m{args.m}"
    objects, assigned = generate(args.n, args.m, args.world, args.kallsyms,
                                 os.path.join(args.kdir, "Module.symvers"))
    src = render(patch, objects, assigned)
    directory = os.path.join(args.out, patch)
    os.makedirs(directory, exist_ok=True)
    ko = os.path.join(directory, patch + ".ko")
    cfile = os.path.join(directory, patch + ".c")
    old = open(cfile).read() if os.path.exists(cfile) else None
    if old != src:
        with open(cfile, "w") as f:
            f.write(src)
        with open(os.path.join(directory, "Kbuild"), "w") as f:
            f.write(f"obj-m += {patch}.o\nccflags-y += -ffunction-sections -fdata-sections\n")
        if os.path.exists(ko):
            os.remove(ko)
    if not args.no_build and not os.path.exists(ko):
        env = dict(os.environ, LC_ALL="C", KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970",
                   KBUILD_BUILD_USER="klp-split", KBUILD_BUILD_HOST="bench")
        env.pop("KBUILD_EXTRA_SYMBOLS", None)
        r = subprocess.run(["make", "-s", "-C", args.kdir, f"M={directory}", "KBUILD_MODPOST_WARN=1",
                            "modules"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0 or not os.path.exists(ko):
            sys.stderr.write(r.stdout)
            sys.exit(f"gen-livepatch: kbuild failed for {patch}")
    summary = ", ".join(f"{name}:{len(assigned[name])}" for name, _, _ in objects)
    print(f"{ko}\t{summary}", file=sys.stderr)
    print(ko)


if __name__ == "__main__":
    main()
