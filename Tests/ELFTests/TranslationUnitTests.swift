import Foundation
import Testing
@testable import ELF

/// Compilation units of a module linked from two object files (Fixtures/src/lp_twofiles).
@Suite("translation units from DWARF")
struct TranslationUnitTests {
    static let twoFiles = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/modules/lp_twofiles.ko").path

    @Test("each unit of lp_twofiles covers its own code and names its annotation array")
    func twoUnits() throws {
        let elf = try ELFFile(path: Self.twoFiles)
        let units = try elf.translationUnits()
        let a = try #require(units.first { $0.name.hasSuffix("/a.c") })
        let b = try #require(units.first { $0.name.hasSuffix("/b.c") })
        let aText = try #require(elf.section(named: ".text.livepatch_twofiles_cmdline_proc_show"))
        let bText = try #require(elf.section(named: ".text.lp_twofiles_b_show"))
        #expect(a.covers(section: aText.index, offset: 0x1f))
        #expect(!a.covers(section: bText.index, offset: 0x9))
        #expect(b.covers(section: bText.index, offset: 0x9))
        let relocs = try #require(elf.section(named: ".klp.module_relocs.vmlinux"))
        #expect(a.variables.contains { $0.name == "lp_twofiles_a_relocs" && $0.section == relocs.index && $0.offset == 0 })
        #expect(b.variables.contains { $0.name == "lp_twofiles_b_relocs" && $0.section == relocs.index && $0.offset == 12 })
    }
}
