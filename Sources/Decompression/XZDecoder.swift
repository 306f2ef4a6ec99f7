import CLZMA

/// Decodes `.xz` with liblzma's `lzma_stream_decoder()` (`LZMA_CONCATENATED`, no memory limit
/// beyond `DecompressedBytes.limit` on the output), as `xz -d` and kmod's `load_xz()` do.
enum XZDecoder {
    static func decode(_ input: UnsafeRawBufferPointer) throws(DecoderFailure) -> DecompressedBytes {
        var stream = lzma_stream()
        guard lzma_stream_decoder(&stream, UInt64.max, klp_lzma_concatenated) == LZMA_OK else {
            throw .library("lzma_stream_decoder failed")
        }
        defer { lzma_end(&stream) }
        let output = DecompressedBytes(capacity: input.count * 4)
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        while true {
            guard let space = output.reserveFreeSpace(atLeast: 1 << 16) else { throw .tooLarge }
            stream.next_out = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = space.count
            // every input byte is already in next_in, so LZMA_FINISH from the start
            let result = lzma_code(&stream, LZMA_FINISH)
            output.commit(space.count - stream.avail_out)
            if output.isOverLimit { throw .tooLarge }
            switch result {
            case LZMA_OK: continue
            case LZMA_STREAM_END: return output
            case LZMA_BUF_ERROR: throw .truncated
            case LZMA_FORMAT_ERROR: throw .corrupt("not an .xz stream")
            case LZMA_OPTIONS_ERROR: throw .corrupt("unsupported .xz options")
            case LZMA_DATA_ERROR: throw .corrupt("corrupt compressed data")
            case LZMA_MEM_ERROR: throw .library("liblzma ran out of memory")
            default: throw .corrupt("liblzma error \(result.rawValue)")
            }
        }
    }
}
