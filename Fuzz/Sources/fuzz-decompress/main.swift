import Decompression
import ELF
import FuzzSupport

private let file = MemoryFile(name: "fuzz-decompress")

/// Arbitrary bytes as a compressed module: each decoder (liblzma, libzstd, zlib) on the raw bytes,
/// then `ELFFile(path:)`, which picks the decoder by magic number and hands the output to libelf
/// and, through a memory file, to libdwfl. Errors are expected; crashes, hangs, sanitizer reports
/// and outputs past `DecompressedBytes.limit` are not.
///
/// Differential: what `ELFFile` reads from a compressed input must be what it reads from the
/// decompressed bytes written out plainly (same sections and symbols).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecompress(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    for compression in ModuleCompression.allCases where compression != .none {
        if let output = try? Decompressor.decompress(input, as: compression, file: "fuzz.ko") {
            precondition(output.count <= DecompressedBytes.limit, "\(compression) output past the limit")
        }
    }
    file.write(start, count)
    guard let packed = try? ELFFile(path: file.path), packed.compression != .none else { return 0 }
    _ = try? packed.structLayouts(named: ["klp_patch", "klp_object", "klp_func"])
    guard let output = try? Decompressor.decompress(input, as: packed.compression, file: "fuzz.ko") else {
        fatalError("ELFFile read a \(packed.compression) file that Decompressor refuses")
    }
    file.write(output.base, output.count)
    guard let plain = try? ELFFile(path: file.path) else {
        fatalError("the decompressed bytes of a readable \(packed.compression) file are not readable as plain ELF")
    }
    precondition(plain.sections == packed.sections && plain.symbols == packed.symbols,
                 "a compressed module and its decompressed bytes read differently")
    return 0
}
