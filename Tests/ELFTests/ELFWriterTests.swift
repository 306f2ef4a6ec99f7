@testable import ELF
import Foundation
import Testing

/// Writing ELF images through libelf, checked with binutils' `readelf` on real kernel modules.
@Suite("ELFWriter writes relocatable ELF files")
struct ELFWriterTests {
    /// Every built livepatch fixture and every module of the Debian 6.1.0-56-amd64 world, relative
    /// to the repository root.
    static let modules: [String] = WriterFixtures.modules

    @Test("a module read into an image and written unchanged shows the same readelf -W -S -s -r and -h, file offsets included",
          arguments: modules)
    func roundTripMatchesReadelf(module: String) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let input = WriterFixtures.path(module)
        let output = directory.path + "/out.ko"
        try ELFWriter.write(try ELFImage(reading: try ELFFile(path: input)), to: output, inputs: [input])
        let expected = try WriterFixtures.readelf(input)
        let actual = try WriterFixtures.readelf(output)
        #expect(actual.count > 10)
        let sections = WriterFixtures.lineDiff(expected, actual)
        #expect(sections.isEmpty, "\(module), readelf -W -S -s -r:\n\(sections)")
        let header = WriterFixtures.lineDiff(try WriterFixtures.readelfHeader(input), try WriterFixtures.readelfHeader(output))
        #expect(header.isEmpty, "\(module), readelf -h:\n\(header)")
    }

    @Test("the image read back from a written module equals the image that was written", arguments: modules)
    func roundTripImage(module: String) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let image = try ELFImage(reading: try ELFFile(path: WriterFixtures.path(module)))
        try ELFWriter.write(image, to: directory.path + "/out.ko")
        let reread = try ELFImage(reading: try ELFFile(path: directory.path + "/out.ko"))
        #expect(reread.sections.map(\.name) == image.sections.map(\.name))
        for (written, read) in zip(image.sections, reread.sections) {
            #expect(written == read, "\(module): section \(written.name) differs")
        }
        #expect(reread.symbols == image.symbols)
        #expect(reread == image)
    }

    @Test("writing the same image twice gives identical bytes", arguments: modules)
    func deterministic(module: String) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let image = try ELFImage(reading: try ELFFile(path: WriterFixtures.path(module)))
        try ELFWriter.write(image, to: directory.path + "/first.ko")
        try ELFWriter.write(image, to: directory.path + "/second.ko")
        let first = try #require(FileManager.default.contents(atPath: directory.path + "/first.ko"))
        let second = try #require(FileManager.default.contents(atPath: directory.path + "/second.ko"))
        #expect(first == second)
        #expect(try directory.entries() == ["first.ko", "second.ko"])
    }

    @Test("a hand-built livepatch image has an AIo .klp.rela section and an OS [0xff20] .klp.sym symbol")
    func livepatchSectionAndSymbol() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let output = directory.path + "/livepatch_cdrom.ko"
        try ELFWriter.write(WriterFixtures.livepatchImage(), to: output)

        let dump = try WriterFixtures.readelf(output).joined(separator: "\n")
        #expect(dump.contains(#/\] \.klp\.rela\.cdrom\.\.text +RELA +0{16} [0-9a-f]{6} 000018 18 AIo  4   1  8/#))
        #expect(dump.contains(#/\] \.text +PROGBITS +0{16} [0-9a-f]{6} 000010 00  AX  0   0 16/#))
        #expect(dump.contains(#/\d: 0{16} +0 NOTYPE +GLOBAL DEFAULT OS \[0xff20\] \.klp\.sym\.cdrom\.cdrom_check_events,0/#))
        #expect(dump.contains(#/0{15}4 +0{7}30{7}2 R_X86_64_PC32 +0{16} \.klp\.sym\.cdrom\.cdrom_check_events,0 - 4/#))
        #expect(dump.contains("Symbol table '.symtab' contains 4 entries:"))

        let file = try ELFFile(path: output)
        let symtab = try #require(file.section(named: ".symtab"))
        #expect(symtab.info == 3, "sh_info is the index of the first non-local symbol")
        let klpRela = try #require(file.section(named: ".klp.rela.cdrom..text"))
        #expect(klpRela.flags == [.alloc, .infoLink, .relaLivepatch])
        #expect(try file.relocations(in: klpRela) == [Relocation(offset: 4, type: 2, symbolIndex: 3, addend: -4)])
        #expect(file.symbols[3].sectionIndex == .livepatch)
        #expect(file.sections[file.sectionNamesIndex].name == ".shstrtab")
    }

    @Test("an image that breaks a rule throws before anything is written", arguments: InvalidImage.allCases)
    func invalidImageWritesNothing(_ broken: InvalidImage) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let output = directory.path + "/out.ko"
        do {
            try ELFWriter.write(broken.image, to: output)
            Issue.record("\(broken) was written")
        } catch {
            #expect(error.kind == .invalidImage)
            #expect(error.description.hasPrefix(output + ": error: "))
            #expect(error.description.contains(broken.expectedMessage), "\(error.description)")
        }
        #expect(try directory.entries().isEmpty)
    }

    @Test("every problem of an image is listed, naming its section or symbol")
    func listsEveryProblem() {
        var image = WriterFixtures.livepatchImage()
        image.sections[1].link = 99
        image.symbols.append(ImageSymbol(name: "late_local"))
        let messages = image.problems(file: "out.ko").map(\.description)
        #expect(messages == [
            "out.ko: error: section [1] .text sh_link 99 is out of range (the image has 7 sections); no file written",
            "out.ko: error: symbol 4 'late_local' is LOCAL but follows GLOBAL symbol 3 '.klp.sym.cdrom.cdrom_check_events,0'; order all local symbols before the others; no file written",
        ])
    }

    @Test("a failed write leaves an existing output as it was")
    func failedWriteKeepsOldOutput() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let output = directory.path + "/out.ko"
        try Data("old".utf8).write(to: URL(fileURLWithPath: output))
        #expect(throws: ELFError.self) { try ELFWriter.write(InvalidImage.localAfterGlobal.image, to: output) }
        #expect(FileManager.default.contents(atPath: output) == Data("old".utf8))
        try ELFWriter.write(WriterFixtures.livepatchImage(), to: output)
        #expect(try ELFFile(path: output).section(named: ".klp.rela.cdrom..text") != nil)
        #expect(try directory.entries() == ["out.ko"])
    }

    @Test("a directory that cannot be written to gives an error and no file")
    func unwritableDirectory() throws {
        // Root may write into a mode-0555 directory, so as root use sysfs, which refuses new files.
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let target = geteuid() == 0 ? "/sys" : directory.path
        if geteuid() != 0 { #expect(chmod(directory.path, 0o555) == 0) }
        let before = try FileManager.default.contentsOfDirectory(atPath: target)
        do {
            try ELFWriter.write(WriterFixtures.livepatchImage(), to: target + "/out.ko")
            Issue.record("wrote into \(target)")
        } catch {
            #expect(error.kind == .writeFailed)
            #expect(error.description.hasPrefix(target + "/out.ko: error: cannot write: cannot create a temporary file in \(target): "))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == before)
    }

    @Test("a rename that fails after the file was written removes the temporary file")
    func failedRenameRemovesTemporaryFile() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let output = directory.path + "/out.ko"
        try FileManager.default.createDirectory(atPath: output + "/occupied", withIntermediateDirectories: true)
        do {
            try ELFWriter.write(WriterFixtures.livepatchImage(), to: output)
            Issue.record("renamed over a directory")
        } catch {
            #expect(error.kind == .writeFailed)
            #expect(error.description.contains("cannot rename the temporary file into place"))
        }
        #expect(try directory.entries() == ["out.ko"])
    }

    @Test("writing over an input is refused, however the path is spelled", arguments: ["same", "dot", "hardlink"])
    func refusesToOverwriteInput(spelling: String) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let input = directory.path + "/lp_cdrom.ko"
        try FileManager.default.copyItem(atPath: WriterFixtures.path("Fixtures/modules/lp_cdrom.ko"), toPath: input)
        let original = try #require(FileManager.default.contents(atPath: input))
        let output = switch spelling {
        case "dot": directory.path + "/./lp_cdrom.ko"
        case "hardlink": directory.path + "/linked.ko"
        default: input
        }
        if spelling == "hardlink" { try FileManager.default.linkItem(atPath: input, toPath: output) }
        let image = try ELFImage(reading: try ELFFile(path: input))
        do {
            try ELFWriter.write(image, to: output, inputs: [input])
            Issue.record("overwrote the input through \(output)")
        } catch {
            #expect(error.kind == .overwritesInput)
            #expect(error.description == "\(output): error: the output is the same file as the input \(input) (same device and inode); choose another output path so the input stays intact")
        }
        #expect(FileManager.default.contents(atPath: input) == original)
        #expect(try directory.entries().allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("symbols and relocations are encoded as little-endian Elf64_Sym and Elf64_Rela")
    func tableEncoding() {
        let names = StringTableBuilder(["", ".klp.sym.vmlinux.snprintf,0"])
        let symbol = ImageSymbol(name: ".klp.sym.vmlinux.snprintf,0", value: 0x1122, size: 0x33, type: .function,
                                 binding: .weak, other: 2, section: .livepatch)
        #expect(TableEncoding.symbolTable([.null, symbol], names: names) == Array(repeating: 0, count: 24) + [
            1, 0, 0, 0, 0x22, 2, 0x20, 0xff,
            0x22, 0x11, 0, 0, 0, 0, 0, 0,
            0x33, 0, 0, 0, 0, 0, 0, 0,
        ])
        #expect(TableEncoding.relocations([Relocation(offset: 0x1c, type: 4, symbolIndex: 0x49, addend: -4)]) == [
            0x1c, 0, 0, 0, 0, 0, 0, 0,
            4, 0, 0, 0, 0x49, 0, 0, 0,
            0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ])
    }

    @Test("string tables store each name once and share the ends of longer names")
    func stringTableSharesSuffixes() {
        let table = StringTableBuilder(["", ".text", ".rela.text", ".text", ".data", "text", ".rela.data"])
        #expect(table.bytes == Array("\0.rela.text\0.rela.data\0".utf8))
        #expect(table.offset(of: "") == 0)
        #expect(table.offset(of: ".rela.text") == 1)
        #expect(table.offset(of: ".text") == 6)
        #expect(table.offset(of: "text") == 7)
        #expect(table.offset(of: ".data") == 17)
        #expect(table.offset(of: ".rela.data") == 12)
    }
}

/// Images that break one rule each, with a piece of the message the writer must give.
enum InvalidImage: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case localAfterGlobal
    case badLink
    case symbolIndexOutOfRange
    case relocationOutsideTarget
    case livepatchFlagsMissing
    case livepatchFlagOnProgramBits
    case symbolSectionOutOfRange
    case tableBytesNotWholeEntries

    var testDescription: String { rawValue }

    var image: ELFImage {
        var image = WriterFixtures.livepatchImage()
        switch self {
        case .localAfterGlobal:
            image.symbols.append(ImageSymbol(name: "late_local", type: .function, section: SectionIndex(rawValue: 1)))
        case .badLink:
            image.sections[2].link = 7
        case .symbolIndexOutOfRange:
            image.sections[2].contents = .relocations([Relocation(offset: 4, type: 2, symbolIndex: 9, addend: -4)])
        case .relocationOutsideTarget:
            image.sections[2].contents = .relocations([Relocation(offset: 14, type: 2, symbolIndex: 3, addend: -4)])
        case .livepatchFlagsMissing:
            image.sections[2].flags = [.alloc, .relaLivepatch]
        case .livepatchFlagOnProgramBits:
            image.sections[1].flags = [.alloc, .executable, .infoLink, .relaLivepatch]
        case .symbolSectionOutOfRange:
            image.symbols[1].section = SectionIndex(rawValue: 12)
        case .tableBytesNotWholeEntries:
            image.sections.insert(ImageSection(name: ".rela.odd", type: .rela, entrySize: 24, link: 5, info: 1,
                                               contents: .bytes([1, 2, 3, 4, 5])), at: 4)
            image.sections[2].link = 5
            image.sections[5].link = 6
        }
        return image
    }

    var expectedMessage: String {
        switch self {
        case .localAfterGlobal:
            "symbol 4 'late_local' is LOCAL but follows GLOBAL symbol 3 '.klp.sym.cdrom.cdrom_check_events,0'"
        case .badLink: "section [2] .klp.rela.cdrom..text sh_link 7 is out of range (the image has 7 sections)"
        case .symbolIndexOutOfRange: "section [2] .klp.rela.cdrom..text entry 0 names symbol 9, but the image has 4 symbols"
        case .relocationOutsideTarget:
            "section [2] .klp.rela.cdrom..text entry 0 at offset 0xe (4 bytes) lies outside section [1] .text of size 0x10"
        case .livepatchFlagsMissing: "section [2] .klp.rela.cdrom..text has SHF_RELA_LIVEPATCH without SHF_ALLOC|SHF_INFO_LINK"
        case .livepatchFlagOnProgramBits:
            "section [1] .text has SHF_RELA_LIVEPATCH but type PROGBITS; livepatch relocation sections are SHT_RELA"
        case .symbolSectionOutOfRange: "symbol 1 '' is defined in section 12, but the image has 7 sections"
        case .tableBytesNotWholeEntries: "section [4] .rela.odd size 5 is not a multiple of its sh_entsize 24"
        }
    }
}
