import ELF
import Foundation
import Testing

/// Reading real kernel modules through libelf.
@Suite("ELFFile reads real kernel modules")
struct ELFFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let cdrom = root.appendingPathComponent(
        "Fixtures/world/lib/modules/6.1.0-56-amd64/kernel/drivers/cdrom/cdrom.ko").path
    static let livepatch = root.appendingPathComponent("Fixtures/modules/lp_cdrom.ko").path

    @Test("cdrom.ko has the sections, symbols and relocations readelf shows")
    func readsCdrom() throws {
        let file = try ELFFile(path: Self.cdrom)
        #expect(file.fileType == ELFFile.relocatable)
        #expect(file.machine == ELFFile.x86_64)
        #expect(file.sections[0].type == .null)
        let symtab = try #require(file.section(named: ".symtab"))
        #expect(file.symbols.count == Int(symtab.size / 24))
        let export = try #require(file.symbols.first { $0.name == "cdrom_check_events" })
        #expect(export.type == .function)
        #expect(export.binding == .global)
        #expect(export.isDefinedInSection)
        let rela = try #require(file.sections.first { $0.name == ".rela.text" || $0.name.hasPrefix(".rela.text") })
        let relocations = try file.relocations(in: rela)
        #expect(relocations.count == Int(rela.size / 24))
        #expect(relocations.allSatisfy { $0.symbolIndex < file.symbols.count })
    }

    @Test("the livepatch fixture's .modinfo contains livepatch=Y")
    func readsModinfo() throws {
        let file = try ELFFile(path: Self.livepatch)
        let modinfo = try #require(file.section(named: ".modinfo"))
        let text = String(decoding: try file.contents(of: modinfo), as: UTF8.self)
        #expect(text.contains("livepatch=Y"))
    }

    @Test("a text file is not ELF")
    func notELF() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-elf-\(getpid()).ko").path
        try "hello\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ELFError.self) { try ELFFile(path: path) }
        do {
            _ = try ELFFile(path: path)
        } catch {
            #expect(error.kind == .notELF)
            #expect(error.description.hasPrefix(path + ": error: not an ELF file"))
        }
    }

    @Test("a directory and a missing file are refused as unreadable")
    func unreadable() {
        for path in [FileManager.default.temporaryDirectory.path, "/nonexistent/lp.ko"] {
            do {
                _ = try ELFFile(path: path)
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.kind == .unreadable)
            }
        }
    }

    @Test("a truncated module is refused, not crashed on")
    func truncated() throws {
        let bytes = try #require(FileManager.default.contents(atPath: Self.livepatch))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(getpid()).ko").path
        #expect(FileManager.default.createFile(atPath: path, contents: bytes.prefix(bytes.count / 2)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ELFError.self) {
            let file = try ELFFile(path: path)
            for section in file.sections where section.isRelocationSection { _ = try file.relocations(in: section) }
        }
    }
}
