import ELF
import Foundation
import Planner
import Testing

/// The livepatch ELF rules every module klp-split writes must follow
/// (Documentation/livepatch/module-elf-format.rst; kernel/livepatch/core.c).
enum LivepatchFormat {
    static func expectConformant(_ path: String, moduleName: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let elf = try ELFFile(path: path)
        for section in elf.sections where section.name.hasPrefix(".klp.rela.") {
            #expect(section.type == .rela, sourceLocation: sourceLocation)
            #expect(section.flags.isSuperset(of: [.alloc, .infoLink, .relaLivepatch]), "\(section.name)", sourceLocation: sourceLocation)
            #expect(section.link == elf.symbolTableIndex, sourceLocation: sourceLocation)
            let patched = section.name.dropFirst(".klp.rela.".count).drop { $0 != "." }.dropFirst()
            #expect(elf.sections[section.info].name == String(patched), "\(section.name)", sourceLocation: sourceLocation)
            let object = try #require(KlpNames.parseRelocationSection(section.name), sourceLocation: sourceLocation)
            for relocation in try elf.relocations(in: section) {
                let symbol = elf.symbols[relocation.symbolIndex]
                #expect(symbol.sectionIndex == .livepatch, "\(symbol.name) in \(section.name)", sourceLocation: sourceLocation)
                let parsed = try #require(KlpNames.parseSymbol(symbol.name), sourceLocation: sourceLocation)
                #expect((object == "vmlinux") == (parsed.object == "vmlinux"), "\(symbol.name) in \(section.name)", sourceLocation: sourceLocation)
            }
        }
        for symbol in elf.symbols where symbol.sectionIndex == .livepatch {
            #expect(KlpNames.parseSymbol(symbol.name) != nil, "\(symbol.name)", sourceLocation: sourceLocation)
        }
        for section in elf.sections where section.isRelocationSection && !section.flags.contains(.relaLivepatch) {
            for relocation in try elf.relocations(in: section) {
                #expect(elf.symbols[relocation.symbolIndex].sectionIndex != .livepatch,
                        "ordinary relocation in \(section.name) uses \(elf.symbols[relocation.symbolIndex].name)", sourceLocation: sourceLocation)
            }
        }
        let locals = elf.symbols.prefix { $0.binding == .local }.count
        #expect(elf.symbols.dropFirst(locals).allSatisfy { $0.binding != .local }, "a local after a global", sourceLocation: sourceLocation)
        let modinfo = String(decoding: try elf.contents(of: try #require(elf.section(named: ".modinfo"), sourceLocation: sourceLocation)), as: UTF8.self)
        #expect(modinfo.contains("name=\(moduleName)\0"), sourceLocation: sourceLocation)
        #expect(modinfo.contains("livepatch=Y\0"), sourceLocation: sourceLocation)
        let thisModule = try elf.contents(of: try #require(elf.section(named: ".gnu.linkonce.this_module"), sourceLocation: sourceLocation))
        #expect(String(decoding: thisModule[24..<80].prefix { $0 != 0 }, as: UTF8.self) == moduleName, sourceLocation: sourceLocation)
    }
}
