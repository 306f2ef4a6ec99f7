import Decompression
import Foundation
import Testing

/// The committed Fixtures/compressed files were made from Fixtures/modules/lp_cdrom.ko with
/// kbuild's own commands (scripts/Makefile.modinst): `xz --check=crc32 --lzma2=dict=1MiB`,
/// `zstd`, `gzip -n`.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private func bytes(_ relative: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
}
private let plain = "Fixtures/modules/lp_cdrom.ko"
private let compressedFiles: [(ModuleCompression, String)] = [
    (.xz, "Fixtures/compressed/lp_cdrom.ko.xz"),
    (.zstd, "Fixtures/compressed/lp_cdrom.ko.zst"),
    (.gzip, "Fixtures/compressed/lp_cdrom.ko.gz"),
]

private func decompress(_ input: [UInt8], _ compression: ModuleCompression) -> Result<[UInt8], DecompressionError> {
    input.withUnsafeBytes { buffer in
        Result { () throws(DecompressionError) in
            let output = try Decompressor.decompress(buffer, as: compression, file: "m.ko")
            return [UInt8](UnsafeRawBufferPointer(start: output.base, count: output.count))
        }
    }
}

@Suite struct DecompressorTests {
    @Test(arguments: compressedFiles)
    func detectsAndDecodesKbuildOutput(compression: ModuleCompression, file: String) throws {
        let input = try bytes(file)
        #expect(ModuleCompression.detect(input.prefix(ModuleCompression.magicLength)) == compression)
        #expect(try decompress(input, compression).get() == bytes(plain))
    }

    @Test func plainELFIsNotCompressed() throws {
        #expect(ModuleCompression.detect(try bytes(plain).prefix(6)) == .none)
        #expect(ModuleCompression.detect([UInt8]()) == .none)
        #expect(ModuleCompression.detect([0x1F]) == .none)
    }

    @Test(arguments: compressedFiles)
    func truncatedFileIsRefused(compression: ModuleCompression, file: String) throws {
        let input = try bytes(file)
        for kept in [input.count - 1, input.count / 2, 12] {
            guard case .failure(let error) = decompress(Array(input.prefix(kept)), compression) else {
                Issue.record("\(file) cut to \(kept) bytes decompressed")
                continue
            }
            #expect(error.description.hasPrefix("m.ko: error: cannot decompress (\(compression.rawValue)): "))
            #expect(!error.description.contains("\n"))
            // xz and gzip check a CRC at the end, so a cut file is truncated or corrupt; never accepted
            #expect(error.reason.contains("truncated") || error.reason.contains("corrupt"))
        }
    }

    @Test(arguments: compressedFiles)
    func corruptedDataIsRefused(compression: ModuleCompression, file: String) throws {
        var input = try bytes(file)
        for index in stride(from: input.count / 3, to: input.count / 3 + 64, by: 1) { input[index] ^= 0x5A }
        guard case .failure(let error) = decompress(input, compression) else {
            Issue.record("corrupted \(file) decompressed")
            return
        }
        #expect(error.reason.contains("corrupt") || error.reason.contains("truncated"))
    }

    @Test(arguments: compressedFiles)
    func trailingGarbageIsRefused(compression: ModuleCompression, file: String) throws {
        let input = try bytes(file) + Array("not a stream".utf8)
        guard case .failure = decompress(input, compression) else {
            Issue.record("\(file) with trailing bytes decompressed")
            return
        }
    }

    @Test func magicAloneIsTruncated() {
        for (compression, magic) in [(ModuleCompression.xz, [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] as [UInt8]),
                                     (.zstd, [0x28, 0xB5, 0x2F, 0xFD]), (.gzip, [0x1F, 0x8B])] {
            guard case .failure(let error) = decompress(magic, compression) else {
                Issue.record("\(compression) magic alone decompressed")
                continue
            }
            #expect(error.reason.contains("truncated"), "\(compression): \(error.reason)")
        }
    }
}
