/// Decompresses a whole module file in memory with the format's own library: liblzma for `.xz`,
/// libzstd for `.zst`, zlib for `.gz`. Never runs a program.
package enum Decompressor {
    /// The decompressed bytes of `input`, which is in `compression` (not `.none`). `file` names
    /// the file in the error.
    package static func decompress(_ input: UnsafeRawBufferPointer, as compression: ModuleCompression,
                                   file: String) throws(DecompressionError) -> DecompressedBytes {
        do {
            switch compression {
            case .none: preconditionFailure("Decompressor.decompress called for an uncompressed file")
            case .xz: return try XZDecoder.decode(input)
            case .zstd: return try ZstdDecoder.decode(input)
            case .gzip: return try GzipDecoder.decode(input)
            }
        } catch {
            throw DecompressionError(file: file, compression: compression, reason: error.reason)
        }
    }
}
