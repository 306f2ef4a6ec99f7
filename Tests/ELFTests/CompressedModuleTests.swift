import ELF
import Decompression
import Foundation
import Testing

/// Compressed and signed modules, read as distros ship them.
@Suite("ELFFile reads compressed and signed modules")
struct CompressedModuleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static let plain = path("Fixtures/modules/lp_cdrom.ko")
    static let compressed: [(String, ModuleCompression)] = [
        ("Fixtures/compressed/lp_cdrom.ko.xz", .xz),
        ("Fixtures/compressed/lp_cdrom.ko.zst", .zstd),
        ("Fixtures/compressed/lp_cdrom.ko.gz", .gzip),
    ]

    /// A new directory for one test; the caller removes it.
    static func temporaryDirectory(_ tag: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-\(tag)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("a compressed module reads as the same sections, symbols, relocations and contents",
          arguments: compressed)
    func sameAsPlain(file: String, compression: ModuleCompression) throws {
        let reference = try ELFFile(path: Self.plain)
        let packed = try ELFFile(path: Self.path(file))
        #expect(reference.compression == .none)
        #expect(packed.compression == compression)
        #expect(packed.sections == reference.sections)
        #expect(packed.symbols == reference.symbols)
        for section in reference.sections where section.type == .rela {
            #expect(try packed.relocations(in: section) == reference.relocations(in: section))
        }
        for section in reference.sections where section.type != .noBits && section.type != .null {
            #expect(try packed.contents(of: section) == reference.contents(of: section))
        }
        #expect(packed.signature == .unsigned)
    }

    @Test("a file name does not decide: a .ko.xz that is plain ELF is read as ELF")
    func magicNotName() throws {
        let directory = try Self.temporaryDirectory("magic")
        defer { try? FileManager.default.removeItem(at: directory) }
        let renamed = directory.appendingPathComponent("lp_cdrom.ko.xz").path
        try FileManager.default.copyItem(atPath: Self.plain, toPath: renamed)
        #expect(try ELFFile(path: renamed).compression == .none)
    }

    @Test("a truncated .ko.xz is one line naming the file and the reason")
    func truncated() throws {
        let directory = try Self.temporaryDirectory("cut")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cut = directory.appendingPathComponent("cut.ko.xz").path
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path("Fixtures/compressed/lp_cdrom.ko.xz")))
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: cut))
        #expect {
            _ = try ELFFile(path: cut)
        } throws: { error in
            guard let error = error as? ELFError else { return false }
            return error.kind == .undecodable && error.description.hasPrefix("\(cut): error: cannot decompress (xz): ")
                && !error.description.contains("\n")
        }
    }

    @Test("Debian's signed cdrom.ko: the trailer is read and the ELF data ends where it starts")
    func debianSignature() throws {
        let cdrom = Self.path("Fixtures/world/lib/modules/6.1.0-56-amd64/kernel/drivers/cdrom/cdrom.ko")
        let file = try ELFFile(path: cdrom)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: cdrom)[.size] as? Int)
        guard case .signed(let signatureLength, let moduleLength) = file.signature else {
            Issue.record("cdrom.ko read as \(file.signature)")
            return
        }
        #expect(moduleLength + signatureLength + ModuleSignatureTrailer.tailLength == size)
        // the section header table is the last thing kbuild's linker writes before sign-file appends
        #expect(file.sectionHeaderOffset + UInt64(file.sections.count * 64) <= UInt64(moduleLength))
    }

    /// `mod_check_sig()` rules, on synthetic trailers.
    @Test("malformed trailers", arguments: [
        ([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 16] as [UInt8], "id_type 1"),
        ([1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 16], "non-zero algo"),
        ([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0], "sig_len 0"),
        ([0, 0, 2, 0, 0, 0, 0, 0, 0x7f, 0, 0, 0], "larger than"),
    ])
    func malformedTrailer(header: [UInt8], expected: String) {
        let file = [UInt8](repeating: 0xAA, count: 100) + header + ModuleSignatureTrailer.magic
        guard case .malformed(let reason) = ModuleSignatureTrailer.read(tail: file.suffix(40), fileLength: file.count) else {
            Issue.record("accepted \(header)")
            return
        }
        #expect(reason.contains(expected), "\(reason)")
    }

    @Test("a well-formed synthetic trailer and an unsigned file")
    func wellFormedTrailer() {
        let file = [UInt8](repeating: 0xAA, count: 100) + [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 16] + ModuleSignatureTrailer.magic
        #expect(ModuleSignatureTrailer.read(tail: file.suffix(40), fileLength: file.count)
                == .signed(signatureLength: 16, moduleLength: 84))
        #expect(ModuleSignatureTrailer.read(tail: [UInt8](repeating: 0, count: 40), fileLength: 1000) == .unsigned)
        #expect(ModuleSignatureTrailer.read(tail: ModuleSignatureTrailer.magic, fileLength: 28)
                != .unsigned)
    }
}
