import ELF
import Foundation
import KernelWorld
import Planner
import Testing
import TestSupport

/// `klp-split convert` on the real fixtures: one module, every non-exported reference and every
/// module export a klp relocation, the module's code and objects kept whole.
@Suite("klp-split convert keeps one module and converts its references")
struct ConvertTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-convert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func convert(_ fixture: String, to name: String? = nil, extra: [String] = [], world: [String]? = nil) throws -> (ProcessResult, String) {
        let output = "\(directory)/\(name ?? fixture).ko"
        let result = try runProcess(Repository.executable,
                                    ["convert", Repository.fixture(fixture)] + (world ?? ["-b", Repository.world]) + ["-o", output] + extra)
        return (result, output)
    }

    /// `section+0xoffset -> symbol name` of every klp relocation.
    func klpRelocations(_ path: String) throws -> [String: String] {
        let elf = try ELFFile(path: path)
        var result: [String: String] = [:]
        for section in elf.sections where section.flags.contains(.relaLivepatch) {
            for relocation in try elf.relocations(in: section) {
                result["\(elf.sections[section.info].name)+0x\(String(relocation.offset, radix: 16))"] = elf.symbols[relocation.symbolIndex].name
            }
        }
        return result
    }

    @Test("lp_cdrom becomes one module whose cdrom export and statics are klp relocations, with no trace of cdrom")
    func cdrom() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (result, output) = try convert("lp_cdrom")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("7 klp relocation(s) (7 in .klp.rela.cdrom.*)"))
        try LivepatchFormat.expectConformant(output, moduleName: "lp_cdrom")
        let klp = try klpRelocations(output)
        #expect(klp[".text.livepatch_cdrom_sysctl_info+0x75"] == ".klp.sym.cdrom.cdrom_check_events,0")
        #expect(klp[".text.livepatch_cdrom_sysctl_info+0x116"] == ".klp.sym.cdrom.cdrom_check_events,0")
        #expect(klp[".text.livepatch_cdrom_sysctl_info+0x49"] == ".klp.sym.cdrom.cdrom_mutex,0")
        #expect(Set(klp.values) == [".klp.sym.cdrom.cdrom_check_events,0", ".klp.sym.cdrom.cdrom_mutex,0",
                                    ".klp.sym.cdrom.cdrom_sysctl_settings,0"])
        let elf = try ELFFile(path: output)
        #expect(!elf.symbols.contains { $0.sectionIndex == .undefined && $0.name.hasPrefix("cdrom_") })
        let versions = try elf.contents(of: try #require(elf.section(named: "__versions")))
        #expect(!String(decoding: versions, as: UTF8.self).contains("cdrom_check_events"))
        let modinfo = String(decoding: try elf.contents(of: try #require(elf.section(named: ".modinfo"))), as: UTF8.self)
        #expect(modinfo.contains("depends=\0"))
        // every loaded section of the input is still there; DWARF is gone
        let input = try ELFFile(path: Repository.fixture("lp_cdrom"))
        let loaded = input.sections.filter { $0.flags.contains(.alloc) && !$0.isRelocationSection }.map(\.name)
        #expect(Set(loaded).isSubset(of: Set(elf.sections.map(\.name))))
        #expect(!elf.sections.contains { $0.name.hasPrefix(".debug") })
    }

    @Test("converting twice gives byte-identical modules", arguments: ["lp_cdrom", "lp_twofiles", "lp_vmlinux"])
    func deterministic(fixture: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, one) = try convert(fixture)
        let (second, two) = try convert(fixture, to: "\(fixture)-again")
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        #expect(FileManager.default.contents(atPath: one) == FileManager.default.contents(atPath: two))
        try LivepatchFormat.expectConformant(one, moduleName: fixture)
    }

    @Test("converting a converted module changes nothing", arguments: ["lp_cdrom", "lp_twofiles", "lp_split"])
    func idempotent(fixture: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, once) = try convert(fixture, extra: ["--sympos", "ucode_path=2"])
        #expect(first.status == 0, "\(first.stderr)")
        let twice = "\(directory)/\(fixture)-twice.ko"
        let second = try runProcess(Repository.executable, ["convert", once, "-b", Repository.world, "-o", twice])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(FileManager.default.contents(atPath: once) == FileManager.default.contents(atPath: twice))
    }

    @Test("each translation unit's KLP_SYMPOS annotation applies to its own references to the shared name")
    func annotationsPerTranslationUnit() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (result, output) = try convert("lp_twofiles")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("annotation-unused"), "\(result.stderr)")
        let klp = try klpRelocations(output)
        #expect(klp[".text.livepatch_twofiles_cmdline_proc_show+0x1f"] == ".klp.sym.vmlinux.ucode_path,1")
        #expect(klp[".text.lp_twofiles_b_show+0x9"] == ".klp.sym.vmlinux.ucode_path,2")
        // b.c's pointer table (data) is covered by b.c's annotation too
        #expect(klp[".data.lp_twofiles_b_table+0x0"] == ".klp.sym.vmlinux.ucode_path,2")
        // the annotations are gone: their section, its relocations and the arrays' symbols
        let elf = try ELFFile(path: output)
        #expect(!elf.sections.contains { $0.name.contains("klp.module_relocs") })
        #expect(!elf.symbols.contains { $0.name.hasPrefix("lp_twofiles_") && $0.name.hasSuffix("_relocs") })
        #expect(!elf.symbols.contains { $0.name == "ucode_path" })
        try LivepatchFormat.expectConformant(output, moduleName: "lp_twofiles")
    }

    @Test("--sympos FUNCTION:SYMBOL=N overrides the annotation for the references in that function only")
    func functionScopedSympos() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (result, output) = try convert("lp_twofiles", extra: ["--sympos", "lp_twofiles_b_show:ucode_path=1"])
        #expect(result.status == 0, "\(result.stderr)")
        let klp = try klpRelocations(output)
        #expect(klp[".text.livepatch_twofiles_cmdline_proc_show+0x1f"] == ".klp.sym.vmlinux.ucode_path,1")
        #expect(klp[".text.lp_twofiles_b_show+0x9"] == ".klp.sym.vmlinux.ucode_path,1")
        // the table is data, outside the function: b.c's annotation still applies there
        #expect(klp[".data.lp_twofiles_b_table+0x0"] == ".klp.sym.vmlinux.ucode_path,2")
        #expect(!result.stderr.contains("applies to no reference"), "\(result.stderr)")
    }

    @Test("an annotation that no reference uses is a warning naming it and its translation unit")
    func unusedAnnotation() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (result, output) = try convert("lp_twofiles", extra: ["--sympos", "ucode_path=2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains(".klp.module_relocs.vmlinux+0x0: warning: KLP_MODULE_RELOC(vmlinux) { KLP_SYMPOS(ucode_path, 1) } in a.c applies to no reference"))
        #expect(result.stderr.contains(".klp.module_relocs.vmlinux+0xc: warning: KLP_MODULE_RELOC(vmlinux) { KLP_SYMPOS(ucode_path, 2) } in b.c applies to no reference"))
        #expect(Set(try klpRelocations(output).values.filter { $0.contains("ucode_path") }) == [".klp.sym.vmlinux.ucode_path,2"])
    }

    @Test("the converted modules pass klp-split check (errors only; the 6.1 reload hazard is a warning)",
          arguments: ["lp_cdrom", "lp_twofiles", "lp_split"])
    func passesCheck(fixture: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (result, output) = try convert(fixture, extra: fixture == "lp_split" ? ["--sympos", "ucode_path=2"] : [])
        #expect(result.status == 0, "\(result.stderr)")
        let check = try runProcess(Repository.executable, ["check", output, "-b", Repository.world])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect((check.stdout + check.stderr).contains("0 error(s)"))
    }

    @Test("an ambiguous name is refused with a ready-to-paste annotation and --sympos flag; nothing is written")
    func ambiguous() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (result, output) = try convert("lp_ambiguous")
        #expect(result.status == 2)
        #expect(result.stderr.contains("KLP_MODULE_RELOC(vmlinux) { KLP_SYMPOS(driver_override_show, 1) |"), "\(result.stderr)")
        #expect(result.stderr.contains("--sympos livepatch_ambiguous_cmdline_proc_show:driver_override_show=N"), "\(result.stderr)")
        #expect(result.stderr.contains("no module written"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("a helper shared by two objects whose reference resolves differently for each is refused (shared-site)")
    func sharedSite() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (result, output) = try convert("lp_sharedsite")
        #expect(result.status == 2)
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors.count == 2, "\(result.stderr)")
        #expect(errors.first?.contains(".text.lp_sharedsite_locked+0x8: error: 'cdrom_mutex' is used in lp_sharedsite_locked+0x8") == true,
                "\(result.stderr)")
        #expect(result.stderr.contains("for cdrom: .klp.sym.cdrom.cdrom_mutex,0 in .klp.rela.cdrom..text.lp_sharedsite_locked"))
        #expect(result.stderr.contains("for sr_mod: unresolved"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("the output may not be the input")
    func refusesInputAsOutput() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = "\(directory)/lp_cdrom.ko"
        try FileManager.default.copyItem(atPath: Repository.fixture("lp_cdrom"), toPath: copy)
        let before = FileManager.default.contents(atPath: copy)
        let result = try runProcess(Repository.executable, ["convert", copy, "-b", Repository.world, "-o", copy])
        #expect(result.status == 1)
        #expect(result.stderr.contains("same file as the input"), "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: copy) == before)
    }

    @Test("a multi-object livepatch stays one module: every object's klp relocations in its own sections, references between objects internal")
    func multiObject() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (result, output) = try convert("lp_split", extra: ["--sympos", "ucode_path=2"])
        #expect(result.status == 0, "\(result.stderr)")
        try LivepatchFormat.expectConformant(output, moduleName: "lp_split")
        let elf = try ELFFile(path: output)
        let objects = Set(elf.sections.compactMap { KlpNames.parseRelocationSection($0.name) })
        #expect(objects == ["vmlinux", "cdrom", "sr_mod"])
        let klp = try klpRelocations(output)
        #expect(klp.values.contains(".klp.sym.vmlinux.ucode_path,2"))
        #expect(klp.values.contains(".klp.sym.cdrom.init_cdrom_command,0"))
        // the sr_mod replacement calls the cdrom replacement inside the module: no import, no klp relocation
        #expect(!elf.symbols.contains { $0.sectionIndex == .undefined && $0.name == "livepatch_split_cdrom_check_events" })
        #expect(!klp.values.contains { $0.contains("livepatch_split") })
    }

    @Test("symbols.klp written by 'symbols' reads back with kallsyms and .ko positions")
    func symbolsRoundTrip() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/symbols.klp"
        let result = try runProcess(Repository.executable, ["symbols", "-b", Repository.world, "-o", file])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("klp-convert-symbol-data.0.1\n*vmlinux\n"))
        let headers = text.split(separator: "\n").filter { $0.hasPrefix("*") }
        #expect(headers == ["*vmlinux", "*cdrom", "*fat", "*scsi_common", "*scsi_mod", "*sr_mod", "*vfat"])
        let parsed = try SymbolsKlp(contentsOf: file)
        let kallsyms = try KallsymsTable(contentsOf: Repository.path("Fixtures/world/proc/kallsyms")).vmlinux
        let vmlinux = try #require(parsed.symbolOrder(of: .vmlinux))
        #expect(vmlinux.countingOrderNames == kallsyms.countingOrderNames)
        #expect(vmlinux.occurrences(of: "ucode_path").map(\.position) == [1, 2])
        let cdromKo = try ModuleSymbolOrder(moduleAt: Repository.path("Fixtures/world/lib/modules/6.1.0-56-amd64/kernel/drivers/cdrom/cdrom.ko")).loaded
        let cdrom = try #require(parsed.symbolOrder(of: try ObjectName(normalizing: "cdrom")))
        #expect(cdrom.countingOrderNames == cdromKo.countingOrderNames)
        // the same conversion with the file as the symbol order gives the same bytes
        let (viaWorld, one) = try convert("lp_cdrom")
        let (viaFile, two) = try convert("lp_cdrom", to: "lp_cdrom-file", extra: ["--symbols-klp", file])
        #expect(viaWorld.status == 0 && viaFile.status == 0, "\(viaFile.stderr)")
        #expect(FileManager.default.contents(atPath: one) == FileManager.default.contents(atPath: two))
        // and alone (exports from its __ksymtab_ names, as klp-convert did)
        let (alone, three) = try convert("lp_twofiles", to: "lp_twofiles-file", world: ["--symbols-klp", file])
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(try klpRelocations(three)[".text.lp_twofiles_b_show+0x9"] == ".klp.sym.vmlinux.ucode_path,2")
    }

    @Test("a malformed symbols.klp is one error naming file:line", arguments: [
        ("klp-convert-symbol-data.0.2\n*vmlinux\nfoo\n", 1),
        ("klp-convert-symbol-data.0.1\nfoo\n*vmlinux\n", 2),
        ("klp-convert-symbol-data.0.1\n*vmlinux\nfoo\n\nbar\n", 4),
    ])
    func malformedSymbolsKlp(text: String, line: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/bad.klp"
        #expect(FileManager.default.createFile(atPath: file, contents: Data(text.utf8)))
        let (result, output) = try convert("lp_twofiles", world: ["--symbols-klp", file])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("bad.klp:\(line): error: "), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
