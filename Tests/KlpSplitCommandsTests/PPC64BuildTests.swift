import ELF
import Foundation
import Testing
import TestSupport

/// `build` and `convert` on ppc64le (Fixtures/ppc64le, the lab kernel's world): the parts carry
/// the ppc64le plumbing (module_64.c: `.stubs`, `.toc`, the loader-set `.TOC.`, `__mcount_loc`),
/// klp calls are R_PPC64_REL24 in `.klp.rela.<obj>..text…` and converted `.toc` slots
/// R_PPC64_ADDR64 in `.klp.rela.<obj>..toc`, as the lab loaded by hand (docs/ppc64le.md).
@Suite("ppc64le build and convert")
struct PPC64BuildTests {
    static let input = Repository.path("Fixtures/ppc64le/modules/lp_ppc_split.ko")

    static func scratch(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-ppc64le-\(name)-\(UUID().uuidString)").path
    }

    /// (section, offset, type name, symbol) of every relocation in the sections named `prefix…`.
    static func relocations(_ elf: ELFFile, prefix: String) throws -> [String] {
        try elf.sections.filter { $0.name.hasPrefix(prefix) }.flatMap { section in
            try elf.relocations(in: section).map { relocation in
                let type = PPC64Relocation(rawValue: relocation.type).map(\.description) ?? "\(relocation.type)"
                let symbol = elf.symbols[relocation.symbolIndex]
                let name = symbol.type == .section ? elf.sections[Int(symbol.sectionIndex.rawValue)].name : symbol.name
                return "\(section.name)+0x\(String(relocation.offset, radix: 16)) \(type) \(name)"
            }
        }
    }

    /// What every ppc64le module klp-split writes keeps: `.stubs` (module_64.c
    /// `module_frob_arch_sections()`: "doesn't contain .stubs"), `.toc`, `__mcount_loc`, the
    /// undefined `.TOC.` the loader sets; and no TOC-relative relocation in any `.klp.rela`.
    static func expectPPC64Plumbing(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let elf = try ELFFile(path: path)
        for name in [".stubs", ".toc", "__mcount_loc"] {
            #expect(elf.section(named: name) != nil, "\(path) lacks \(name)", sourceLocation: sourceLocation)
        }
        #expect(elf.symbols.contains { $0.name == ".TOC." && $0.sectionIndex == .undefined }, sourceLocation: sourceLocation)
        for section in elf.sections where section.name.hasPrefix(".klp.rela.") {
            for relocation in try elf.relocations(in: section) {
                #expect(PPC64Relocation(rawValue: relocation.type)?.isTOCRelative == false, "\(section.name)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("build splits lp_ppc_split into a vmlinux part and a vfat part with REL24 and .toc klp relocations; check passes both; a rebuild is byte-identical")
    func buildSplit() throws {
        let first = Self.scratch("build-a"), second = Self.scratch("build-b")
        defer { for path in [first, second] { try? FileManager.default.removeItem(atPath: path) } }
        for output in [first, second] {
            let result = try runProcess(Repository.executable, ["build", Self.input] + PPC64PlanTests.worldArguments + ["-o", output])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let names = ["lp_ppc_split.ko", "lp_ppc_split__vfat.ko", "lp_ppc_split.conf", "load-order"]
        #expect(try FileManager.default.contentsOfDirectory(atPath: first).sorted() == names.sorted())
        for name in names {
            #expect(FileManager.default.contents(atPath: "\(first)/\(name)") == FileManager.default.contents(atPath: "\(second)/\(name)"), "\(name)")
        }
        let main = "\(first)/lp_ppc_split.ko", vfat = "\(first)/lp_ppc_split__vfat.ko"
        try LivepatchFormat.expectConformant(main, moduleName: "lp_ppc_split")
        try LivepatchFormat.expectConformant(vfat, moduleName: "lp_ppc_split__vfat")
        try Self.expectPPC64Plumbing(main)
        try Self.expectPPC64Plumbing(vfat)

        let vfatELF = try ELFFile(path: vfat)
        #expect(try Self.relocations(vfatELF, prefix: ".klp.rela.") == [
            ".klp.rela.vfat..text.lp_ppc_split_vfat_get_tree+0x19c REL24 .klp.sym.vfat.vfat_fill_super,0",
            ".klp.rela.vfat..toc+0x10 ADDR64 .klp.sym.fat.fat_fill_super,0",
            ".klp.rela.vfat..toc+0x18 ADDR64 .klp.sym.vfat.vfat_fill_super,0",
        ])
        // The vmlinux part keeps .toc whole but only the relocations of the slots its code uses:
        // none names vfat's strings, vfat or fat.
        let mainELF = try ELFFile(path: main)
        #expect(try Self.relocations(mainELF, prefix: ".klp.rela.").isEmpty)
        #expect(try Self.relocations(mainELF, prefix: ".rela.toc") == [
            ".rela.toc+0x0 ADDR64 .data.rel.patch",
            ".rela.toc+0x30 ADDR64 .rodata.lp_ppc_split_cmdline_proc_show.str1.8",
            ".rela.toc+0x38 ADDR64 .rodata.lp_ppc_split_cmdline_proc_show.str1.8",
        ])
        #expect(try Self.relocations(vfatELF, prefix: ".rela.toc").count == 4)
        #expect(!mainELF.symbols.contains { $0.name.contains("fill_super") })

        // The policy: no remove rules (ppc64 overwrites klp targets when vfat comes back: no x86
        // reload hazard), and the .stubs limit told; check reads it back.
        let policy = try String(contentsOfFile: "\(first)/lp_ppc_split.conf", encoding: .utf8)
        #expect(policy.contains("# No reload hazard on ppc64: the loader overwrites a part's klp relocation targets when its\n"))
        #expect(!policy.split(separator: "\n").contains { $0.hasPrefix("remove ") })
        #expect(policy.contains("install vfat /sbin/modprobe --ignore-install vfat"))
        let check = try runProcess(Repository.executable, ["check", main, vfat, "\(first)/lp_ppc_split.conf"] + PPC64PlanTests.worldArguments)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("0 error(s), 1 warning(s) in 2 module(s)"), "\(check.stdout)")
        #expect((check.stdout + check.stderr).contains("lp_ppc_split__vfat.ko: .klp.rela.vfat..text.lp_ppc_split_vfat_get_tree: warning: this module has klp calls into vfat"), "\(check.stdout)\(check.stderr)")
    }

    @Test("convert turns lp_ppc_split's vfat and fat references into klp relocations; check passes it")
    func convertWhole() throws {
        let directory = Self.scratch("convert")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = "\(directory)/lp_ppc_split.ko"
        let result = try runProcess(Repository.executable, ["convert", Self.input] + PPC64PlanTests.worldArguments + ["-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        try LivepatchFormat.expectConformant(output, moduleName: "lp_ppc_split")
        try Self.expectPPC64Plumbing(output)
        #expect(try Self.relocations(try ELFFile(path: output), prefix: ".klp.rela.") == [
            ".klp.rela.vfat..text.lp_ppc_split_vfat_get_tree+0x19c REL24 .klp.sym.vfat.vfat_fill_super,0",
            ".klp.rela.vfat..toc+0x10 ADDR64 .klp.sym.fat.fat_fill_super,0",
            ".klp.rela.vfat..toc+0x18 ADDR64 .klp.sym.vfat.vfat_fill_super,0",
        ])
        let check = try runProcess(Repository.executable, ["check", output] + PPC64PlanTests.worldArguments)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test("build refuses the ppc64le rule fixtures (exit 2) and writes nothing", arguments: ["lp_ppc_nonop", "lp_ppc_toc16"])
    func buildRefusesRuleFixtures(fixture: String) throws {
        let output = Self.scratch(fixture)
        let result = try runProcess(Repository.executable,
                                    ["build", Repository.path("Fixtures/ppc64le/modules/\(fixture).ko")] + PPC64PlanTests.worldArguments + ["-o", output])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(fixture).ko: error: the plan has"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
