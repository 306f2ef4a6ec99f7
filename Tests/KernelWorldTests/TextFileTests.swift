#if canImport(Glibc)
import Glibc
#endif
@testable import KernelWorld
import Testing

/// `TextFile(contentsOf:)` reads a regular file with one `fread`; from 1 MB on into a buffer 2 MB
/// larger with `MADV_HUGEPAGE` on its whole 2 MB blocks. The bytes must be the file's, whatever
/// the size and wherever the blocks fall.
@Suite("TextFile reads files whole")
struct TextFileTests {
    @Test("files around the huge-page sizes read back byte for byte",
          arguments: [0, 1, 4095, (1 << 20) - 1, 1 << 20, (2 << 20) + 3, (4 << 20) + 1])
    func sizes(size: Int) throws {
        var template = Array("/tmp/klp-split-textfile-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        let path = String(cString: template.map { UInt8(bitPattern: $0) })
        defer { unlink(path) }
        // Lines of a kallsyms-like shape with a changing byte, so a shifted or lost block shows.
        var bytes = [UInt8](repeating: 0, count: size)
        for index in bytes.indices { bytes[index] = index % 61 == 60 ? 10 : UInt8(33 + (index / 61 + index) % 90) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        #expect(written == size)
        let file = try TextFile(contentsOf: path, displayName: "t")
        #expect(file.bytes.count == size)
        #expect(file.bytes == bytes)
        #expect(file.name == "t")
    }
}
