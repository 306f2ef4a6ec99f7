@testable import ELF
import Foundation
import Testing
import TestSupport

@Suite("file layout kept by the writer")
struct FileLayoutTests {
    private let layout = FileLayout(sectionOffsets: [0, 0x40, 0x80, 0x100], sectionHeaderOffset: 0x200)

    @Test("sections that still fit keep their offsets; NOBITS and empty sections never collide")
    func fits() {
        #expect(layout.fits(fileSizes: [0, 0x40, 0x80, nil], alignments: [0, 16, 64, 4096]))
        #expect(layout.fits(fileSizes: [0, 0, 0x10, 0x100], alignments: [0, 1, 1, 1]))
    }

    @Test("a grown, misaligned or overlapping section, a changed count or a clashing header table does not fit")
    func doesNotFit() {
        #expect(!layout.fits(fileSizes: [0, 0x41, 0x80, 0x100], alignments: [0, 1, 1, 1]), "grown into the next")
        #expect(!layout.fits(fileSizes: [0, 0x40, 0x80, 0x101], alignments: [0, 1, 1, 1]), "grown into the header table")
        #expect(!layout.fits(fileSizes: [0, 0x40, 0x80, 0x10], alignments: [0, 1, 0x100, 1]), "misaligned")
        #expect(!layout.fits(fileSizes: [0, 0x40, 0x80], alignments: [0, 1, 1]), "one section fewer")
        let overHeader = FileLayout(sectionOffsets: [0, 0x20], sectionHeaderOffset: 0x200)
        #expect(!overHeader.fits(fileSizes: [0, 0x10], alignments: [0, 1]), "over the ELF header")
    }

    @Test("an image with a section added is laid out by libelf and reads back with the new section")
    func addedSectionFallsBack() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let input = Repository.path("Fixtures/modules/lp_cdrom.ko")
        var image = try ELFImage(reading: try ELFFile(path: input))
        image.sections.append(ImageSection(name: ".data.added", type: .programBits, alignment: 4,
                                           contents: .bytes(Array(repeating: 0x5a, count: 4096))))
        try ELFWriter.write(image, to: directory.path + "/out.ko")
        let reread = try ELFFile(path: directory.path + "/out.ko")
        let added = try #require(reread.section(named: ".data.added"))
        #expect(try reread.contents(of: added) == Array(repeating: 0x5a, count: 4096))
        #expect(reread.sections.count == image.sections.count)
    }
}
