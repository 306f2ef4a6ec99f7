#!/usr/bin/env python3
"""The malformed-input corpus (docs/robustness.md): generates every kind from real fixtures into a
temporary directory and runs each relevant klp-split command on it.

usage: scripts/malformed.py KLP_SPLIT [--keep DIR] [--list]

Every kind is made from Fixtures/modules/lp_cdrom.ko (lp_split.ko for the hostile object names
and policies) and Fixtures/world at run time (nothing generated is committed). The hostile-* kinds
put $(), backquotes, quotes, ;, a space, a newline, /, .., a byte that is not UTF-8, a leading -
or too many bytes into the module name, an object name and a symbol name; the policy-* kinds give
check a changed modprobe.d policy; the sign-* kinds give build and convert a missing, empty,
truncated, encrypted or PKCS#11 signing key, a directory as the key, or a bad certificate. For every (kind, command) pair the check is:
  * exit status 1, not killed by a signal;
  * stderr is exactly one line, contains 'error:' and names the file (or output) at fault;
  * no output exists afterwards (the -o path or directory, and no temporary file beside it);
  * every input is byte-identical afterwards.
Prints one line per pair ('ok' or what failed) and a summary; exit 1 when any pair failed.
The unreadable-file and unwritable-output kinds run klp-split as user nobody (setpriv), because
root ignores file modes; they are reported as skipped when setpriv or the user is missing.
"""
import hashlib
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(REPO, "Fixtures/modules/lp_cdrom.ko")
SPLIT = os.path.join(REPO, "Fixtures/modules/lp_split.ko")
WORLD = os.path.join(REPO, "Fixtures/world")
SYMVERS = os.path.join(WORLD, "usr/src/linux-headers-6.1.0-56-amd64/Module.symvers")
KALLSYMS = os.path.join(WORLD, "proc/kallsyms")
# `symbols` writes kernel symbol order and never reads Module.symvers; symbols.klp is an input of
# plan, build and convert (symbol order), not of `symbols` itself, and check does not read it.
SYMVERS_READERS = ("plan", "build", "convert", "check")
SYMBOLS_KLP_READERS = ("plan", "build", "convert")  # check takes no symbol order from symbols.klp


class Module:
    """lp_cdrom.ko as bytes, with its ELF64 header and section headers decoded."""

    def __init__(self, path):
        self.data = bytearray(open(path, "rb").read())
        (self.shoff,) = struct.unpack_from("<Q", self.data, 0x28)
        self.shnum, self.shstrndx = struct.unpack_from("<HH", self.data, 0x3C)
        self.sections = []
        for i in range(self.shnum):
            fields = struct.unpack_from("<IIQQQQIIQQ", self.data, self.shoff + 64 * i)
            self.sections.append(fields)
        names = self.sections[self.shstrndx]
        table = self.data[names[4]:names[4] + names[5]]
        self.names = [table[s[0]:table.index(b"\0", s[0])].decode() for s in self.sections]

    def index(self, name):
        return self.names.index(name)

    def header_offset(self, index, field):
        """File offset of one Elf64_Shdr field of section `index`."""
        offsets = {"name": 0, "type": 4, "flags": 8, "addr": 16, "offset": 24, "size": 32,
                   "link": 40, "info": 44, "align": 48, "entsize": 56}
        return self.shoff + 64 * index + offsets[field]

    def patched(self, edits):
        data = bytearray(self.data)
        for offset, fmt, value in edits:
            struct.pack_into(fmt, data, offset, value)
        return bytes(data)

    def section_bytes_offset(self, name):
        return self.sections[self.index(name)][4]


def elf_kinds(m):
    """(kind, bytes, a word the message must contain besides the file name)."""
    symtab, strtab, modinfo = m.index(".symtab"), m.index(".strtab"), m.index(".modinfo")
    rela = m.index(".rela.text.livepatch_init")
    kinds = [
        ("truncated-in-elf-header", bytes(m.data[:40]), None),
        ("truncated-before-section-headers", bytes(m.data[:m.shoff]), None),
        ("truncated-in-section-headers", bytes(m.data[:m.shoff + 64 * 20 + 17]), None),
        ("truncated-in-symtab", bytes(m.data[:m.sections[symtab][4] + 100]), None),
        ("wrong-class-elf32", m.patched([(4, "<B", 1)]), None),
        ("wrong-byte-order", m.patched([(5, "<B", 2)]), None),
        ("wrong-machine-aarch64", m.patched([(0x12, "<H", 183)]), "machine"),
        ("wrong-type-exec", m.patched([(0x10, "<H", 2)]), "ET_REL"),
        ("section-headers-out-of-bounds", m.patched([(0x28, "<Q", len(m.data) - 100)]), None),
        ("section-data-out-of-bounds", m.patched([(m.header_offset(symtab, "offset"), "<Q", len(m.data) - 24)]), None),
        ("shstrndx-out-of-range", m.patched([(0x3E, "<H", 300)]), None),
        ("symtab-link-out-of-range", m.patched([(m.header_offset(symtab, "link"), "<I", 9999)]), None),
        ("symtab-link-not-strtab", m.patched([(m.header_offset(symtab, "link"), "<I", m.index(".text"))]), None),
        ("relocation-symbol-out-of-range",
         m.patched([(m.sections[rela][4] + 8, "<Q", (0xFFFFFF << 32) | 2)]), None),
        ("relocation-target-out-of-range", m.patched([(m.header_offset(rela, "info"), "<I", 9999)]), None),
        ("unterminated-strtab",
         m.patched([(m.sections[strtab][4] + m.sections[strtab][5] - 1, "<B", ord("A"))]), None),
        ("unterminated-shstrtab",
         m.patched([(m.sections[m.shstrndx][4] + m.sections[m.shstrndx][5] - 1, "<B", ord("A"))]), None),
        ("huge-section-count", m.patched([(0x3C, "<H", 0xFFFE)]), None),
        ("huge-symbol-count", m.patched([(m.header_offset(symtab, "size"), "<Q", 24 * 0x0FFFFFFFFFFFFF)]), None),
        ("huge-relocation-count", m.patched([(m.header_offset(rela, "size"), "<Q", 24 * 0x0FFFFFFFFFFFFF)]), None),
        ("symtab-size-not-multiple", m.patched([(m.header_offset(symtab, "size"), "<Q", m.sections[symtab][5] - 5)]), None),
        ("overlapping-sections",
         m.patched([(m.header_offset(strtab, "offset"), "<Q", m.sections[symtab][4] + 24)]), "overlap"),
    ]
    info_off, info_size = m.sections[modinfo][4], m.sections[modinfo][5]
    no_nul = bytearray(m.data)
    for i in range(info_off, info_off + info_size):
        if no_nul[i] == 0:
            no_nul[i] = ord(";")
    kinds.append(("modinfo-without-nul", bytes(no_nul), ".modinfo"))
    kinds.append(("not-elf-text", b"this is a C source, not a module\n" * 10, "not an ELF file"))
    kinds.append(("empty-file", b"", None))
    return kinds


def compressed_kinds():
    """(kind, bytes, word) for compressed livepatches, from the committed Fixtures/compressed files
    (made with kbuild's xz, zstd and gzip commands; docs/robustness.md)."""
    import lzma
    kinds = []
    for suffix, name in (("xz", "xz"), ("zst", "zstd"), ("gz", "gzip")):
        data = open(os.path.join(REPO, f"Fixtures/compressed/lp_cdrom.ko.{suffix}"), "rb").read()
        corrupt = bytearray(data)
        for i in range(len(data) // 3, len(data) // 3 + 64):
            corrupt[i] ^= 0x5A
        kinds.append((f"{name}-truncated", data[:len(data) // 2], "cannot decompress"))
        kinds.append((f"{name}-corrupt", bytes(corrupt), "cannot decompress"))
        kinds.append((f"{name}-magic-only", data[:6 if suffix == "xz" else 4 if suffix == "zst" else 2],
                      "cannot decompress"))
    kinds.append(("xz-of-text", lzma.compress(b"not a module\n" * 50, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32),
                  "not an ELF file"))
    return kinds


def compressed_world(work):
    """A copy of Fixtures/world whose cdrom module is a cdrom.ko.xz that depmod indexed, then cut
    in half."""
    import lzma
    root = os.path.join(work, "world-truncated-xz")
    shutil.copytree(WORLD, root, symlinks=True)
    moddir = os.path.join(root, "lib/modules/6.1.0-56-amd64")
    cdrom = os.path.join(moddir, "kernel/drivers/cdrom/cdrom.ko")
    packed = lzma.compress(open(cdrom, "rb").read(), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    os.unlink(cdrom)
    with open(cdrom + ".xz", "wb") as f:
        f.write(packed)
    depmod = shutil.which("depmod") or "/usr/sbin/depmod"
    subprocess.run([depmod, "-b", root, "6.1.0-56-amd64"], check=True)
    with open(cdrom + ".xz", "wb") as f:
        f.write(packed[:len(packed) // 2])
    return root, cdrom + ".xz"


# Hostile names (docs/robustness.md, issue 21): each payload is written into the livepatch's module
# name (.modinfo name= and .gnu.linkonce.this_module), a klp_object name (the string its
# relocation points at) and the name of a symbol that would become a .klp.sym name. Same-length
# payloads are byte edits in place; the overlong ones append the grown section at the end of the
# file and point the section header (and the relocation or st_name) at it.
HOSTILE_PAYLOADS = [
    ("dollar-paren", lambda name: inject(name, b"$(id)")),
    ("backquote", lambda name: inject(name, b"`id`")),
    ("single-quote", lambda name: inject(name, b"'")),
    ("double-quote", lambda name: inject(name, b'"')),
    ("semicolon", lambda name: inject(name, b";")),
    ("space", lambda name: inject(name, b" ")),
    ("newline", lambda name: inject(name, b"\n")),
    ("slash", lambda name: inject(name, b"/")),
    ("dot-dot", lambda name: b"../" + name[3:]),
    ("not-utf8", lambda name: inject(name, b"\xff")),
    ("leading-dash", lambda name: b"-" + name[1:]),
]
# The message names the field; each kind of name has its own limit for "overlong".
HOSTILE_FIELDS = {"module-name": ("module name", 56), "object-name": ("object name", 56), "symbol-name": ("symbol name", 512)}


def inject(name, payload):
    """`name` with `payload` written over it from the third byte (or the start), same length."""
    start = max(0, min(2, len(name) - len(payload)))
    return name[:start] + payload + name[start + len(payload):]


def overlong(name, length):
    return (name * (length // len(name) + 1))[:length]


class Editable(Module):
    """A Module whose bytes can be edited in place or grown (a section moved to the end)."""

    def __init__(self, path):
        super().__init__(path)
        symtab = self.sections[self.index(".symtab")]
        self.strtab = symtab[6]
        self.symbols = [struct.unpack_from("<IBBHQQ", self.data, symtab[4] + 24 * i) for i in range(symtab[5] // 24)]

    def string_at(self, offset):
        return bytes(self.data[offset:self.data.index(b"\0", offset)])

    def symbol_name_offset(self, name):
        for index, symbol in enumerate(self.symbols):
            offset = self.sections[self.strtab][4] + symbol[0]
            if self.string_at(offset) == name:
                return index, offset
        raise KeyError(name)

    def pointer_to_string(self, rela_name, value):
        """(rela entry file offset, string file offset) of the relocation in `rela_name` that
        points at the NUL-terminated string `value`."""
        rela = self.sections[self.index(rela_name)]
        for entry in range(rela[5] // 24):
            at = rela[4] + 24 * entry
            _, info, addend = struct.unpack_from("<QQq", self.data, at)
            symbol = self.symbols[info >> 32]
            target = self.sections[symbol[3]]
            offset = target[4] + symbol[4] + addend
            if self.string_at(offset) == value:
                return at, offset
        raise KeyError(value)

    def grow(self, data, section, extra):
        """Appends section `section`'s bytes plus `extra` at the end of `data` (8-aligned) and
        points its header there; returns the offset of `extra` inside the section."""
        offset, size = self.sections[section][4], self.sections[section][5]
        data += b"\0" * (-len(data) % 8)
        start = len(data)
        data += self.data[offset:offset + size] + extra
        struct.pack_into("<Q", data, self.header_offset(section, "offset"), start)
        struct.pack_into("<Q", data, self.header_offset(section, "size"), size + len(extra))
        return size


def hostile_kinds(cdrom, split):
    """(kind, bytes, word) for every payload and field: lp_cdrom's module name and its symbol
    cdrom_mutex (a .klp.sym.cdrom.cdrom_mutex,0 of every part), lp_split's object sr_mod."""
    kinds = []
    this_module = cdrom.sections[cdrom.index(".gnu.linkonce.this_module")][4] + 24
    modinfo = cdrom.index(".modinfo")
    name_entry = bytes(cdrom.data).index(b"\0name=lp_cdrom\0") + 6
    symbol, symbol_at = cdrom.symbol_name_offset(b"cdrom_mutex")
    rela_at, object_at = split.pointer_to_string(".rela.data.objs", b"sr_mod")
    for field, (word, limit) in HOSTILE_FIELDS.items():
        for payload, make in HOSTILE_PAYLOADS + [("overlong", None)]:
            if field == "module-name":
                data = bytearray(cdrom.data)
                if make:
                    new = make(b"lp_cdrom")
                    data[name_entry:name_entry + 8] = new
                    data[this_module:this_module + 8] = new
                else:
                    entries = bytes(cdrom.data[cdrom.sections[modinfo][4]:][:cdrom.sections[modinfo][5]])
                    grown = entries.replace(b"name=lp_cdrom\0", b"name=" + overlong(b"lp_cdrom", limit) + b"\0")
                    cdrom.grow(data, modinfo, b"")
                    start = struct.unpack_from("<Q", data, cdrom.header_offset(modinfo, "offset"))[0]
                    data[start:] = grown
                    struct.pack_into("<Q", data, cdrom.header_offset(modinfo, "size"), len(grown))
                    data[this_module:this_module + 56] = overlong(b"lp_cdrom", 56)
            elif field == "symbol-name":
                data = bytearray(cdrom.data)
                if make:
                    data[symbol_at:symbol_at + 11] = make(b"cdrom_mutex")
                else:
                    at = cdrom.grow(data, cdrom.strtab, overlong(b"cdrom_mutex", limit) + b"\0")
                    struct.pack_into("<I", data, cdrom.sections[cdrom.index(".symtab")][4] + 24 * symbol, at)
            else:
                data = bytearray(split.data)
                if make:
                    data[object_at:object_at + 6] = make(b"sr_mod")
                else:
                    info = struct.unpack_from("<Q", data, rela_at + 8)[0]
                    target = split.symbols[info >> 32]
                    at = split.grow(data, target[3], overlong(b"sr_mod", limit) + b"\0")
                    struct.pack_into("<q", data, rela_at + 16, at - target[4])
            kinds.append((f"hostile-{field}-{payload}", bytes(data), word))
    return kinds


def sha(path):
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


class Runner:
    def __init__(self, klp_split, work):
        self.klp_split = klp_split
        self.work = work
        self.failures = 0
        self.checked = 0
        self.kinds = set()
        self.skipped = []

    def run(self, kind, command, arguments, names, outputs, inputs, as_nobody=False, word=None):
        """Runs klp-split and checks the contract; `names` are the strings one of which the
        message must contain (the file at fault), `outputs` the paths that must not exist after."""
        self.kinds.add(kind)
        before = {path: sha(path) for path in inputs}
        argv = [self.klp_split] + arguments
        if as_nobody:
            argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + argv
        try:
            run = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        except subprocess.TimeoutExpired:
            self.report(kind, command, "hung (no exit within 120 s)")
            return
        stderr = run.stderr.decode(errors="replace")
        lines = [line for line in stderr.split("\n") if line]
        problems = []
        if run.returncode < 0:
            problems.append(f"killed by signal {-run.returncode}")
        elif run.returncode != 1:
            problems.append(f"exit {run.returncode}")
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr")
        if "error:" not in stderr:
            problems.append("no 'error:'")
        if not any(name in stderr for name in names):
            problems.append(f"does not name {names[0]}")
        if word and word not in stderr:
            problems.append(f"does not say '{word}'")
        for path in outputs:
            if os.path.lexists(path):
                problems.append(f"output {path} exists afterwards")
        for directory in {os.path.dirname(p) for p in outputs}:
            if os.path.isdir(directory):
                leftovers = [e for e in os.listdir(directory) if e.startswith(".")]
                if leftovers:
                    problems.append(f"temporary files left in {directory}: {leftovers}")
        for path, digest in before.items():
            if sha(path) != digest:
                problems.append(f"input {path} changed")
        first = lines[0] if lines else "(no stderr)"
        self.report(kind, command, "; ".join(problems) + f" -- stderr: {stderr.strip()[:600]}" if problems else None, first)

    def report(self, kind, command, problem, line=""):
        self.checked += 1
        if problem:
            self.failures += 1
            print(f"FAIL {kind} / {command}: {problem}")
        else:
            print(f"ok   {kind} / {command}: {line}")

    def elf_input(self, kind, path, word=None, as_nobody=False):
        """Runs plan, build, convert and check on one bad livepatch path."""
        name = os.path.basename(path)
        out = os.path.join(self.work, "out", kind)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        inputs = [path] if os.path.isfile(path) else []
        self.run(kind, "plan", ["plan", path, "-b", WORLD], [name], [], inputs, as_nobody, word)
        self.run(kind, "build", ["build", path, "-b", WORLD, "-o", out + ".d"], [name], [out + ".d"], inputs,
                 as_nobody, word)
        self.run(kind, "convert", ["convert", path, "-b", WORLD, "-o", out + ".ko"], [name], [out + ".ko"],
                 inputs, as_nobody, word)
        self.run(kind, "check", ["check", path, "-b", WORLD], [name], [], inputs, as_nobody, word)

    def world_input(self, kind, option, path, word=None, commands=("plan", "build", "convert", "check", "symbols")):
        """Runs the commands that read this kind of world file (-b Fixtures/world plus the bad
        file). check runs on a converted lp_cdrom.ko, which passes with the good world, so only the
        bad file can make it fail."""
        name = os.path.basename(path)
        out = os.path.join(self.work, "out", kind)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        world = ["-b", WORLD, option, path]
        inputs = [path, FIXTURE, self.converted]
        runs = {"plan": ["plan", FIXTURE] + world,
                "build": ["build", FIXTURE] + world + ["-o", out + ".d"],
                "convert": ["convert", FIXTURE] + world + ["-o", out + ".ko"],
                "check": ["check", self.converted] + world,
                "symbols": ["symbols"] + world + ["-o", out + ".klp"]}
        outputs = {"build": [out + ".d"], "convert": [out + ".ko"], "symbols": [out + ".klp"]}
        for command in commands:
            self.run(kind, command, runs[command], [name], outputs.get(command, []), inputs, word=word)


def hostile_policies(runner, klp_split, work, inputs):
    """check on a modprobe.d policy build wrote, changed: refused with one line (exit 1). The
    unchanged policy passes."""
    parts = os.path.join(work, "policy-parts")
    subprocess.run([klp_split, "build", SPLIT, "-b", WORLD, "--sympos", "ucode_path=2", "-o", parts], check=True,
                   stdout=subprocess.DEVNULL)
    good = open(os.path.join(parts, "lp_split.conf")).read()
    clean = subprocess.run([klp_split, "check", os.path.join(parts, "lp_split.conf"), "-b", WORLD],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    runner.report("policy-unchanged", "check", f"exit {clean.returncode}: {clean.stderr.decode()[:300]}"
                  if clean.returncode != 0 or clean.stderr else None, "passes")
    changes = [
        ("policy-injected-command", good.replace("--ignore-remove cdrom; rc=$?", "--ignore-remove cdrom; id; rc=$?", 1)),
        ("policy-extra-rule", good + "install cdrom /bin/sh -c 'id'\n"),
        ("policy-hostile-name", good.replace("# cdrom: patched by", "# cd$(id)m: patched by", 1)),
        ("policy-not-klp-split", "install cdrom /bin/sh -c 'id'\n"),
        ("policy-truncated", good[:len(good) // 2]),
    ]
    for kind, text in changes:
        path = os.path.join(inputs, f"{kind}.conf")
        with open(path, "w") as f:
            f.write(text)
        runner.run(kind, "check", ["check", path, "-b", WORLD], [os.path.basename(path)], [], [path])


def nobody_available(klp_split):
    """setpriv and user nobody exist, and nobody can run klp-split and read the fixtures (a
    checkout under a 0700 home directory cannot be used by nobody)."""
    if not shutil.which("setpriv"):
        return False
    try:
        import pwd
        import grp
        pwd.getpwnam("nobody")
        grp.getgrnam("nogroup")
    except KeyError:
        return False
    probe = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                            "sh", "-c", 'test -x "$1" && test -r "$2" && test -r "$3"', "sh",
                            klp_split, FIXTURE, SYMVERS], check=False)
    return probe.returncode == 0


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 64
    klp_split = os.path.abspath(args[0])
    keep = args[args.index("--keep") + 1] if "--keep" in args else None
    work = keep or tempfile.mkdtemp(prefix="klp-split-malformed-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    inputs = os.path.join(work, "in")
    os.makedirs(inputs, exist_ok=True)
    os.chmod(inputs, 0o755)
    runner = Runner(klp_split, work)
    try:
        runner.converted = os.path.join(work, "converted-lp_cdrom.ko")
        subprocess.run([klp_split, "convert", FIXTURE, "-b", WORLD, "-o", runner.converted], check=True,
                       stdout=subprocess.DEVNULL)
        module = Module(FIXTURE)
        for kind, data, word in elf_kinds(module):
            path = os.path.join(inputs, f"{kind}.ko")
            with open(path, "wb") as f:
                f.write(data)
            runner.elf_input(kind, path, word)

        for kind, data, word in compressed_kinds():
            suffix = {"xz": "xz", "zstd": "zst", "gzip": "gz"}[kind.split("-")[0]]
            path = os.path.join(inputs, f"{kind}.ko.{suffix}")
            with open(path, "wb") as f:
                f.write(data)
            runner.elf_input(kind, path, word)
        world, bad_cdrom = compressed_world(work)
        out = os.path.join(work, "out", "world-module-xz-truncated")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        for command, argv, outputs in (
                ("plan", ["plan", FIXTURE, "-b", world], []),
                ("build", ["build", FIXTURE, "-b", world, "-o", out + ".d"], [out + ".d"]),
                ("convert", ["convert", FIXTURE, "-b", world, "-o", out + ".ko"], [out + ".ko"]),
                ("check", ["check", runner.converted, "-b", world], [])):
            runner.run("world-module-xz-truncated", command, argv, ["cdrom.ko"], outputs,
                       [bad_cdrom, FIXTURE, runner.converted], word="cannot decompress")
        for kind, data, word in hostile_kinds(Editable(FIXTURE), Editable(SPLIT)):
            path = os.path.join(inputs, f"{kind}.ko")
            with open(path, "wb") as f:
                f.write(data)
            runner.elf_input(kind, path, word)
        hostile_policies(runner, klp_split, work, inputs)

        directory = os.path.join(inputs, "directory.ko")
        os.makedirs(directory, exist_ok=True)
        runner.elf_input("directory", directory)
        fifo = os.path.join(inputs, "fifo.ko")
        os.mkfifo(fifo)
        runner.elf_input("fifo", fifo)
        loop = os.path.join(inputs, "loop.ko")
        os.symlink("loop.ko", loop)
        runner.elf_input("symlink-loop", loop)
        missing = os.path.join(inputs, "missing.ko")
        runner.elf_input("missing-file", missing)

        # World files: Module.symvers, kallsyms, symbols.klp.
        symvers = os.path.join(inputs, "bad-Module.symvers")
        with open(symvers, "w") as f:
            f.write("0x12345678\tprintk\n")
        runner.world_input("malformed-module-symvers", "--symvers", symvers, commands=SYMVERS_READERS)
        crc = os.path.join(inputs, "badcrc-Module.symvers")
        with open(crc, "w") as f:
            f.write("0xnothex\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n")
        runner.world_input("module-symvers-bad-crc", "--symvers", crc, commands=SYMVERS_READERS)
        kallsyms = os.path.join(inputs, "bad-kallsyms")
        with open(kallsyms, "w") as f:
            f.write("ffffffff81000000 T _stext\nthis is not a kallsyms line\n")
        runner.world_input("malformed-kallsyms", "--kallsyms", kallsyms)
        klp = os.path.join(inputs, "bad-symbols.klp")
        with open(klp, "w") as f:
            f.write("klp-split symbols v1\nthis line is not a symbol entry\n")
        runner.world_input("malformed-symbols-klp", "--symbols-klp", klp, commands=SYMBOLS_KLP_READERS)

        # Signing inputs (--sign-key/--sign-cert of build and convert): each bad key or certificate
        # is read before anything is built, and is named.
        key = os.path.join(REPO, "Fixtures/signing/TEST-ONLY-signing-key.pem")
        cert = os.path.join(REPO, "Fixtures/signing/TEST-ONLY-signing-cert.pem")
        truncated_key = os.path.join(inputs, "truncated-key.pem")
        with open(key) as f:
            text = f.read()
        with open(truncated_key, "w") as f:
            f.write(text[:len(text) // 2])
        truncated_cert = os.path.join(inputs, "truncated-cert.der")
        with open(os.path.join(REPO, "Fixtures/signing/TEST-ONLY-signing-cert.der"), "rb") as f:
            der = f.read()
        with open(truncated_cert, "wb") as f:
            f.write(der[:len(der) // 2])
        empty = os.path.join(inputs, "empty-key.pem")
        open(empty, "w").close()
        encrypted = os.path.join(inputs, "encrypted-key.pem")
        subprocess.run(["openssl", "pkey", "-in", key, "-aes256", "-passout", "pass:secret", "-out", encrypted],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for kind, signing, name, word in (
                ("sign-key-missing", ["--sign-key", os.path.join(inputs, "no-such-key.pem"), "--sign-cert", cert], "no-such-key.pem", "signing key"),
                ("sign-key-empty", ["--sign-key", empty, "--sign-cert", cert], "empty-key.pem", "empty"),
                ("sign-key-truncated", ["--sign-key", truncated_key, "--sign-cert", cert], "truncated-key.pem", "signing key"),
                ("sign-key-encrypted", ["--sign-key", encrypted, "--sign-cert", cert], "encrypted-key.pem", "unencrypted"),
                ("sign-key-is-a-directory", ["--sign-key", inputs, "--sign-cert", cert], inputs, "signing key"),
                ("sign-key-pkcs11", ["--sign-key", "pkcs11:token=x", "--sign-cert", cert], "pkcs11:token=x", "PKCS#11"),
                ("sign-cert-truncated", ["--sign-key", key, "--sign-cert", truncated_cert], "truncated-cert.der", "certificate"),
                ("sign-cert-is-the-key", ["--sign-key", key, "--sign-cert", key], key, "certificate")):
            out = os.path.join(work, "out", kind)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            files = [p for p in (truncated_key, truncated_cert, empty, encrypted, key, cert, FIXTURE)]
            runner.run(kind, "build", ["build", FIXTURE, "-b", WORLD, "-o", out + ".d"] + signing, [name],
                       [out + ".d"], files, word=word)
            runner.run(kind, "convert", ["convert", FIXTURE, "-b", WORLD, "-o", out + ".ko"] + signing, [name],
                       [out + ".ko"], files, word=word)

        # Outputs: the input itself (same path, symlink, hard link), and an unwritable directory.
        victim = os.path.join(inputs, "lp_cdrom.ko")
        shutil.copyfile(FIXTURE, victim)
        os.chmod(victim, 0o644)
        runner.run("output-is-input", "convert", ["convert", victim, "-b", WORLD, "-o", victim],
                   [victim], [], [victim], word="input")
        link = os.path.join(inputs, "symlink-to-input.ko")
        os.symlink("lp_cdrom.ko", link)
        runner.run("output-is-input-via-symlink", "convert", ["convert", victim, "-b", WORLD, "-o", link],
                   [link], [], [victim], word="input")
        hard = os.path.join(inputs, "hardlink-to-input.ko")
        os.link(victim, hard)
        runner.run("output-is-input-via-hardlink", "convert", ["convert", victim, "-b", WORLD, "-o", hard],
                   [hard], [], [victim], word="input")
        kallsyms_copy = os.path.join(inputs, "kallsyms")
        shutil.copyfile(KALLSYMS, kallsyms_copy)
        runner.run("output-is-input", "symbols", ["symbols", "--symvers", SYMVERS, "--kallsyms", kallsyms_copy, "-o", kallsyms_copy],
                   [kallsyms_copy], [], [kallsyms_copy], word="input")
        not_directory = os.path.join(inputs, "regular-file")
        with open(not_directory, "w") as f:
            f.write("a file, not a directory\n")
        runner.run("output-directory-is-a-file", "build", ["build", FIXTURE, "-b", WORLD, "-o", not_directory],
                   [not_directory], [], [not_directory, FIXTURE], word="not a directory")
        own = os.path.join(work, "own")
        os.makedirs(own, exist_ok=True)
        inside = os.path.join(own, "lp_cdrom__cdrom.ko")  # the name of the part build writes
        shutil.copyfile(FIXTURE, inside)
        runner.run("output-directory-holds-input", "build", ["build", inside, "-b", WORLD, "-o", own],
                   [inside], [os.path.join(own, "lp_cdrom.conf"), os.path.join(own, "load-order")], [inside],
                   word="input")

        if nobody_available(klp_split):
            unreadable = os.path.join(inputs, "unreadable.ko")
            shutil.copyfile(FIXTURE, unreadable)
            os.chmod(unreadable, 0o000)
            runner.elf_input("unreadable-file", unreadable, word="ermission", as_nobody=True)
            locked = os.path.join(work, "locked")
            os.makedirs(locked, exist_ok=True)
            os.chmod(locked, 0o755)  # owned by root: user nobody cannot write here
            readable = os.path.join(inputs, "readable.ko")
            shutil.copyfile(FIXTURE, readable)
            os.chmod(readable, 0o644)
            runner.run("output-directory-not-writable", "build",
                       ["build", readable, "-b", WORLD, "-o", os.path.join(locked, "parts")],
                       [locked], [os.path.join(locked, "parts")], [readable], as_nobody=True)
            runner.run("output-directory-not-writable", "convert",
                       ["convert", readable, "-b", WORLD, "-o", os.path.join(locked, "lp.ko")],
                       [locked], [os.path.join(locked, "lp.ko")], [readable], as_nobody=True)
            runner.run("output-directory-not-writable", "symbols",
                       ["symbols", "-b", WORLD, "-o", os.path.join(locked, "symbols.klp")],
                       [locked], [os.path.join(locked, "symbols.klp")], [], as_nobody=True)
        else:
            runner.skipped = ["unreadable-file", "output-directory-not-writable"]
            print("WARNING: cannot run klp-split as user nobody (setpriv, the user, or access to the "
                  "checkout is missing); the unreadable-file and output-directory-not-writable kinds did NOT run",
                  file=sys.stderr)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    skipped = f", SKIPPED (nobody cannot run klp-split here): {', '.join(runner.skipped)}" if runner.skipped else ""
    print(f"malformed: {len(runner.kinds)} kinds, {runner.checked} command runs, {runner.failures} failed{skipped}")
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main())
