import CZstd

/// Decodes Zstandard with libzstd's streaming API (`ZSTD_decompressStream()`), every frame in
/// turn, as `zstd -d` and kmod's `load_zstd()` do; the frame header's content size is not trusted.
enum ZstdDecoder {
    static func decode(_ input: UnsafeRawBufferPointer) throws(DecoderFailure) -> DecompressedBytes {
        guard let context = ZSTD_createDStream() else { throw .library("ZSTD_createDStream failed") }
        defer { ZSTD_freeDStream(context) }
        let initialised = ZSTD_initDStream(context)
        guard ZSTD_isError(initialised) == 0 else { throw .library(String(cString: ZSTD_getErrorName(initialised))) }
        let output = DecompressedBytes(capacity: input.count * 4)
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var pending: Int = 1
        while source.pos < source.size || pending != 0 {
            guard let space = output.reserveFreeSpace(atLeast: 1 << 16) else { throw .tooLarge }
            var target = ZSTD_outBuffer(dst: space.baseAddress, size: space.count, pos: 0)
            let consumedBefore = source.pos
            let result = ZSTD_decompressStream(context, &target, &source)
            output.commit(target.pos)
            if output.isOverLimit { throw .tooLarge }
            if ZSTD_isError(result) != 0 {
                throw .corrupt(String(cString: ZSTD_getErrorName(result)))
            }
            pending = result
            // all input consumed, a frame unfinished and no output made: the file ends early
            if source.pos == source.size, pending != 0, target.pos == 0, consumedBefore == source.pos {
                throw .truncated
            }
        }
        return output
    }
}
