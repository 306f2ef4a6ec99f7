import ELF
import Foundation
import TestSupport
import KernelWorld

/// The broken modules of each `CheckFixtureSet` (`Fixtures/check/` for 6.1, `Fixtures/check-6.12/`):
/// each is a clean part from the set's `base/` (written by `klp-split build` for that kernel) with
/// exactly one thing changed through `ELFImage`/`ELFWriter`.
///
/// `CheckFixtureTests` checks that the committed files are what `make` writes; re-record them with
/// `Fixtures/check/make.sh` (`RECORD_CHECK_FIXTURES=1 swift test --filter CheckFixtureGeneration`).
enum CheckFixtures {
    /// One fixture: the rule it breaks, the file, the base part it starts from, the modules it is
    /// checked together with, and the one change.
    struct Fixture: Sendable, CustomStringConvertible {
        let rule: String
        let file: String
        let base: String
        let partners: [String]
        let change: String
        /// Makes the change on the base part; the set names the kernel world (e.g. for a CRC).
        let make: @Sendable (inout ELFImage, CheckFixtureSet) throws -> Void

        var description: String { file }
    }

    static let cdromPart = "lp_cdrom__cdrom"
    static let cdromText = ".klp.rela.cdrom..text.livepatch_cdrom_sysctl_info"
    static let cdromMutex = ".klp.sym.cdrom.cdrom_mutex,0"

    static let all: [Fixture] = structPointers + [
        Fixture(rule: "modinfo-livepatch", file: "modinfo-livepatch.ko", base: cdromPart, partners: [],
                change: "`livepatch=Y` removed from `.modinfo`") { image, _ in
            try image.editModinfo { $0.removeAll { $0 == "livepatch=Y" } }
        },
        Fixture(rule: "module-name-mismatch", file: "module-name-mismatch.ko", base: cdromPart, partners: [],
                change: "`.gnu.linkonce.this_module` says `lp_cdrom_cdrom`, `.modinfo` still `name=lp_cdrom__cdrom`") { image, _ in
            try image.setThisModuleName("lp_cdrom_cdrom")
        },
        Fixture(rule: "klp-rela-name", file: "klp-rela-name.ko", base: cdromPart, partners: [],
                change: "the klp relocation section's object name is 63 characters (`.klp.rela.%55[^.]` truncates it)") { image, _ in
            try image.renameSection(cdromText, to: ".klp.rela.cdrom_with_an_object_name_longer_than_fifty_five_characters..text.livepatch_cdrom_sysctl_info")
        },
        Fixture(rule: "klp-sym-name", file: "klp-sym-name.ko", base: cdromPart, partners: [],
                change: "`.klp.sym.cdrom.cdrom_mutex,0` renamed to `.klp.sym.cdrom.cdrom_mutex` (no sympos)") { image, _ in
            try image.renameSymbol(cdromMutex, to: ".klp.sym.cdrom.cdrom_mutex")
        },
        Fixture(rule: "klp-rela-section", file: "klp-rela-section.ko", base: cdromPart, partners: [],
                change: "`SHF_RELA_LIVEPATCH` cleared on the klp relocation section") { image, _ in
            let index = try image.sectionIndex(cdromText)
            image.sections[index].flags.remove(.relaLivepatch)
        },
        Fixture(rule: "klp-rela-symbol", file: "klp-rela-symbol.ko", base: cdromPart, partners: [],
                change: "`.klp.sym.cdrom.cdrom_mutex,0` is `SHN_UNDEF` instead of `SHN_LIVEPATCH`") { image, _ in
            let index = try image.symbolIndex(cdromMutex)
            image.symbols[index].section = .undefined
        },
        Fixture(rule: "livepatch-symbol-in-ordinary-rela", file: "livepatch-symbol-in-ordinary-rela.ko", base: cdromPart, partners: [],
                change: "the first klp relocation to `cdrom_mutex` moved into `.rela.text.livepatch_cdrom_sysctl_info`") { image, _ in
            let symbol = try image.symbolIndex(cdromMutex)
            let entry = try image.removeFirstRelocation(in: cdromText) { $0.symbolIndex == symbol }
            try image.appendRelocation(entry, to: ".rela.text.livepatch_cdrom_sysctl_info")
        },
        Fixture(rule: "klp-rela-object", file: "klp-rela-object.ko", base: cdromPart, partners: [],
                change: "the klp relocation section renamed to `.klp.rela.sr_mod..text.livepatch_cdrom_sysctl_info` (the part patches cdrom only)") { image, _ in
            try image.renameSection(cdromText, to: ".klp.rela.sr_mod..text.livepatch_cdrom_sysctl_info")
        },
        Fixture(rule: "vmlinux-symbol-in-module-rela", file: "vmlinux-symbol-in-module-rela.ko", base: cdromPart, partners: [],
                change: "the call to the vmlinux export `snprintf` becomes `.klp.sym.vmlinux.snprintf,0` in `.klp.rela.cdrom..text.livepatch_cdrom_sysctl_info`") { image, _ in
            let snprintf = try image.symbolIndex("snprintf")
            let entry = try image.removeFirstRelocation(in: ".rela.text.livepatch_cdrom_sysctl_info") { $0.symbolIndex == snprintf }
            let klp = image.appendSymbol(ImageSymbol(name: ".klp.sym.vmlinux.snprintf,0", binding: .global, section: .livepatch))
            try image.appendRelocation(entry.pointing(at: klp), to: cdromText)
        },
        Fixture(rule: "module-symbol-in-vmlinux-rela", file: "module-symbol-in-vmlinux-rela.ko", base: cdromPart, partners: [],
                change: "the klp relocations to `cdrom_mutex` moved into a new `.klp.rela.vmlinux..text.livepatch_cdrom_sysctl_info`") { image, _ in
            let symbol = try image.symbolIndex(cdromMutex)
            let source = try image.sectionIndex(cdromText)
            guard case .relocations(let entries) = image.sections[source].contents else { throw GeneratorError("no relocations") }
            image.sections[source].contents = .relocations(entries.filter { $0.symbolIndex != symbol })
            var moved = image.sections[source]
            moved.name = ".klp.rela.vmlinux..text.livepatch_cdrom_sysctl_info"
            moved.contents = .relocations(entries.filter { $0.symbolIndex == symbol })
            image.sections.append(moved)
        },
        Fixture(rule: "klp-static-key", file: "klp-static-key.ko", base: cdromPart, partners: [],
                change: "a `__jump_table` entry (16 bytes) whose key is `.klp.sym.cdrom.cdrom_mutex,0`, through `.klp.rela.cdrom.__jump_table` (cdrom has no static key; `cdrom_mutex` stands in for one)") { image, _ in
            try image.addSpecialEntry(section: "__jump_table", size: 16, klpSection: ".klp.rela.cdrom.__jump_table",
                                      relocation: Relocation(offset: 8, type: 1, symbolIndex: try image.symbolIndex(cdromMutex), addend: 0))
        },
        Fixture(rule: "klp-static-call", file: "klp-static-call.ko", base: cdromPart, partners: [],
                change: "a `.static_call_sites` entry (8 bytes) whose key is `.klp.sym.cdrom.cdrom_mutex,0`, through `.klp.rela.cdrom..static_call_sites` (a stand-in key)") { image, _ in
            try image.addSpecialEntry(section: ".static_call_sites", size: 8, klpSection: ".klp.rela.cdrom..static_call_sites",
                                      relocation: Relocation(offset: 4, type: 2, symbolIndex: try image.symbolIndex(cdromMutex), addend: 0))
        },
        Fixture(rule: "klp-symbol-missing", file: "klp-symbol-missing.ko", base: cdromPart, partners: [],
                change: "`.klp.sym.cdrom.cdrom_mutex,0` renamed to `.klp.sym.cdrom.cdrom_mutex_gone,0` (cdrom.ko has no such symbol)") { image, _ in
            try image.renameSymbol(cdromMutex, to: ".klp.sym.cdrom.cdrom_mutex_gone,0")
        },
        Fixture(rule: "klp-symbol-ambiguous", file: "klp-symbol-ambiguous.ko", base: "lp_vmlinux", partners: [],
                change: "`.klp.sym.vmlinux.proc_pid_cmdline_read,0` renamed to `.klp.sym.vmlinux.driver_override_show,0` (in kallsyms 3 times on 6.1, twice on 6.12)") { image, _ in
            try image.renameSymbol(".klp.sym.vmlinux.proc_pid_cmdline_read,0", to: ".klp.sym.vmlinux.driver_override_show,0")
        },
        Fixture(rule: "klp-symbol-position", file: "klp-symbol-position.ko", base: cdromPart, partners: [],
                change: "`.klp.sym.cdrom.cdrom_mutex,0` renamed to `.klp.sym.cdrom.cdrom_mutex,2` (it occurs once)") { image, _ in
            try image.renameSymbol(cdromMutex, to: ".klp.sym.cdrom.cdrom_mutex,2")
        },
        Fixture(rule: "klp-crc", file: "klp-crc.ko", base: "lp_vmlinux", partners: [],
                change: "the call to `seq_printf` made a klp relocation (`.klp.sym.vmlinux.seq_printf,0`, valid), and its `__versions` CRC changed to 0x12345678") { image, _ in
            let symbol = try image.symbolIndex("seq_printf")
            let entry = try image.removeFirstRelocation(in: ".rela.text.livepatch_cmdline_proc_show") { $0.symbolIndex == symbol }
            try image.appendRelocation(entry, to: ".klp.rela.vmlinux..text.livepatch_cmdline_proc_show")
            image.symbols[symbol].name = ".klp.sym.vmlinux.seq_printf,0"
            image.symbols[symbol].section = .livepatch
            try image.editVersions { versions in
                versions = versions.map { $0.symbol == "seq_printf" ? (0x1234_5678, $0.symbol) : ($0.crc, $0.symbol) }
            }
        },
        Fixture(rule: "patched-function", file: "patched-function.ko", base: cdromPart, partners: [],
                change: "`klp_func.old_name` string `cdrom_sysctl_info` changed to `cdrom_sysctl_infx`") { image, _ in
            try image.replaceString("cdrom_sysctl_info", with: "cdrom_sysctl_infx")
        },
        Fixture(rule: "implicit-dependency", file: "implicit-dependency.ko", base: cdromPart, partners: [],
                change: "an undefined symbol `cdrom_check_events` (the cdrom export) added") { image, _ in
            _ = image.appendSymbol(ImageSymbol(name: "cdrom_check_events", binding: .global, section: .undefined))
        },
        Fixture(rule: "implicit-dependency", file: "implicit-dependency-versions.ko", base: cdromPart, partners: [],
                change: "a `__versions` entry for `cdrom_check_events` (with its real CRC) added") { image, set in
            let crc = try set.cdromCheckEventsCRC()
            try image.editVersions { $0.append((crc, "cdrom_check_events")) }
        },
        Fixture(rule: "implicit-dependency", file: "implicit-dependency-ext-versions.ko", base: cdromPart, partners: [],
                change: "extended modversions tables (`__version_ext_crcs`, `__version_ext_names`, as CONFIG_EXTENDED_MODVERSIONS writes them) with one entry for `cdrom_check_events`") { image, set in
            let crc = try set.cdromCheckEventsCRC()
            image.sections.append(ImageSection(name: "__version_ext_crcs", type: .programBits, flags: [.alloc], alignment: 4,
                                               contents: .bytes((0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) })))
            image.sections.append(ImageSection(name: "__version_ext_names", type: .programBits, flags: [.alloc], alignment: 1,
                                               contents: .bytes(Array("cdrom_check_events".utf8) + [0])))
        },
        Fixture(rule: "implicit-dependency", file: "implicit-dependency-depends.ko", base: cdromPart, partners: [],
                change: "`depends=cdrom` in `.modinfo`") { image, _ in
            try image.editModinfo { entries in entries = entries.map { $0.hasPrefix("depends=") ? "depends=cdrom" : $0 } }
        },
        Fixture(rule: "unexported-symbol", file: "unexported-symbol.ko", base: cdromPart, partners: [],
                change: "an undefined symbol `saved_command_line` (in vmlinux's kallsyms, not exported) added") { image, _ in
            _ = image.appendSymbol(ImageSymbol(name: "saved_command_line", binding: .global, section: .undefined))
        },
        Fixture(rule: "restricted-export", file: "restricted-export.ko", base: cdromPart, partners: [],
                change: "`import_ns=module:cdrom` added to `.modinfo` (an explicit import of an `EXPORT_SYMBOL_FOR_MODULES` namespace, refused by the kernel since 6.16; the 6.1 world has no `module:` exports, so the undefined-symbol half of the rule is tested with a 6.17-style Module.symvers in `LaterFormatsTests`)") { image, _ in
            try image.editModinfo { $0.append("import_ns=module:cdrom") }
        },
        Fixture(rule: "unknown-export", file: "unknown-export.ko", base: cdromPart, partners: [],
                change: "an undefined symbol `lp_cdrom_helper` that nothing exports added") { image, _ in
            _ = image.appendSymbol(ImageSymbol(name: "lp_cdrom_helper", binding: .global, section: .undefined))
        },
        Fixture(rule: "inter-part-dependency", file: "inter-part-dependency.ko", base: "lp_klpbuild", partners: ["base/lp_klpbuild__cdrom.ko"],
                change: "the main part `lp_klpbuild` gets `depends=lp_klpbuild__cdrom` (vmlinux does not depend on cdrom)") { image, _ in
            try image.editModinfo { entries in entries = entries.map { $0.hasPrefix("depends=") ? "depends=lp_klpbuild__cdrom" : $0 } }
        },
        Fixture(rule: "dependency-cycle", file: "dependency-cycle.ko", base: "lp_klpbuild__cdrom", partners: ["inter-part-dependency.ko"],
                change: "the cdrom part gets `depends=lp_klpbuild`; with `inter-part-dependency.ko` the two need each other") { image, _ in
            try image.editModinfo { entries in entries = entries.map { $0.hasPrefix("depends=") ? "depends=lp_klpbuild" : $0 } }
        },
        Fixture(rule: "duplicate-function", file: "duplicate-function.ko", base: "lp_vmlinux", partners: ["base/lp_vmlinux.ko"],
                change: "renamed to `lp_vmlinux_v2` (`.modinfo` and `.gnu.linkonce.this_module`); it and `lp_vmlinux` both patch vmlinux `cmdline_proc_show`") { image, _ in
            try image.rename(module: "lp_vmlinux_v2")
        },
        Fixture(rule: "duplicate-export", file: "duplicate-export.ko", base: "lp_split__sr_mod", partners: ["base/lp_split__cdrom.ko"],
                change: "the local `lp_split_sr_reported` renamed to `__ksymtab_livepatch_split_cdrom_check_events`, the marker modpost and depmod read: the sr_mod part now exports the cdrom part's export too") { image, _ in
            try image.renameSymbol("lp_split_sr_reported", to: "__ksymtab_livepatch_split_cdrom_check_events")
        },
        Fixture(rule: "multiple-replace", file: "multiple-replace.ko", base: "lp_vmlinux", partners: ["multiple-replace-2.ko"],
                change: "`klp_patch.replace` (offset 24) set to true; `multiple-replace-2.ko` is the cdrom part with the same change") { image, _ in
            try image.setReplace()
        },
        Fixture(rule: "multiple-replace", file: "multiple-replace-2.ko", base: cdromPart, partners: ["multiple-replace.ko"],
                change: "`klp_patch.replace` (offset 24) set to true") { image, _ in
            try image.setReplace()
        },
        Fixture(rule: "part-parameters", file: "part-parameters.ko", base: cdromPart, partners: [],
                change: "`parm=debug:...` and `parmtype=debug:int` added to `.modinfo` of the non-main cdrom part") { image, _ in
            try image.editModinfo { $0 += ["parm=debug:enable debug output", "parmtype=debug:int"] }
        },
        Fixture(rule: "klp-struct-relocation", file: "klp-struct-relocation-issue15.ko", base: "lp_nodatasections__cdrom", partners: [],
                change: "issue 15's part: `.rela.data` keeps 2 of its 6 relocations (klp_func's), as `build` wrote it before the fix") { image, _ in
            for offset: UInt64 in [0x0, 0x8, 0xe0, 0xe8] {
                _ = try image.removeFirstRelocation(in: ".rela.data") { $0.offset == offset }
            }
        },
        Fixture(rule: "unknown-section", file: "unknown-section.ko", base: cdromPart, partners: [],
                change: "`.exit.data` renamed to `__lp_unknown_table`, an allocated data section klp-split does not know") { image, _ in
            try image.renameSection(".exit.data", to: "__lp_unknown_table")
        },
        Fixture(rule: "module-reload-hazard", file: "module-reload-hazard.ko", base: cdromPart, partners: [],
                change: "none: every part with klp relocations for a module warns on a 6.1 (x86, before 6.3) target") { _, _ in },
    ]

    /// `klp-struct-relocation`: one pointer of the klp structs loses its relocation each.
    static let structPointers: [Fixture] = [
        ("patch-mod", cdromPart, ".rela.data.patch", 0, "`klp_patch.mod` (`.rela.data.patch` +0, `__this_module`)"),
        ("patch-objs", cdromPart, ".rela.data.patch", 8, "`klp_patch.objs` (`.rela.data.patch` +8, `.data.objs`)"),
        ("object-name", cdromPart, ".rela.data.objs", 0, "`klp_object[0].name` (`.rela.data.objs` +0, the string `cdrom`): NULL would mean vmlinux, but the part has `.klp.rela.cdrom.*`"),
        ("object-funcs", cdromPart, ".rela.data.objs", 8, "`klp_object[0].funcs` (`.rela.data.objs` +8, `.data.funcs`)"),
        ("func-old-name", cdromPart, ".rela.data.funcs", 0, "`klp_func[0].old_name` (`.rela.data.funcs` +0, the string `cdrom_sysctl_info`)"),
        ("func-new-func", cdromPart, ".rela.data.funcs", 8, "`klp_func[0].new_func` (`.rela.data.funcs` +8, `livepatch_cdrom_sysctl_info`)"),
        ("klpbuild-new-func", "lp_klpbuild__cdrom", ".rela.init.klp_funcs", 8, "klp-build metadata: `klp_func_ext[0].new_func` (`.rela.init.klp_funcs` +8, `livepatch_klpbuild_cdrom_sysctl_info`)"),
    ].map { (name: String, base: String, section: String, offset: UInt64, what: String) in
        Fixture(rule: "klp-struct-relocation", file: "klp-struct-relocation-\(name).ko", base: base, partners: [],
                change: "the relocation of \(what) removed") { image, _ in
            _ = try image.removeFirstRelocation(in: section) { $0.offset == offset }
        }
    }


    /// Modules `check` refuses when it reads them (exit 1, one line naming the field and the
    /// character), as plan, build and convert do: `rule` is the start of the message after the
    /// file name.
    static let refused: [Fixture] = [
        Fixture(rule: ".modinfo: error: module name 'lp_cdrom__cdrom.v2' contains '.'", file: "module-name.ko", base: cdromPart,
                partners: [], change: "module name `lp_cdrom__cdrom.v2` (with a '.') in both `.modinfo` and `.gnu.linkonce.this_module`") { image, _ in
            try image.rename(module: "lp_cdrom__cdrom.v2")
        },
        Fixture(rule: ".modinfo: error: module name 'lp$(id)m__cdrom' contains '$'", file: "module-name-shell.ko", base: cdromPart,
                partners: [], change: "module name `lp$(id)m__cdrom` in both `.modinfo` and `.gnu.linkonce.this_module` (the policy would run `id` as root)") { image, _ in
            try image.rename(module: "lp$(id)m__cdrom")
        },
        Fixture(rule: ".gnu.linkonce.this_module: error: module name 'lp_cdrom\\ncdrom' contains a newline", file: "module-name-newline.ko",
                base: cdromPart, partners: [], change: "`.gnu.linkonce.this_module` says `lp_cdrom\\ncdrom` (a newline), `.modinfo` still `name=lp_cdrom__cdrom`") { image, _ in
            try image.setThisModuleName("lp_cdrom\ncdrom")
        },
    ]
}

struct GeneratorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
