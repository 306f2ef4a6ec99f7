import CZlib

/// Decodes gzip with zlib's `inflate()` (`inflateInit2(16 + MAX_WBITS)`), every member in turn,
/// as `gzip -d` and kmod's `load_zlib()` do.
enum GzipDecoder {
    static func decode(_ input: UnsafeRawBufferPointer) throws(DecoderFailure) -> DecompressedBytes {
        var stream = z_stream()
        guard klp_inflate_init_gzip(&stream) == Z_OK else { throw .library("inflateInit2 failed") }
        defer { inflateEnd(&stream) }
        let output = DecompressedBytes(capacity: input.count * 4)
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(clamping: input.count)
        guard input.count <= Int(UInt32.max) else { throw .tooLarge }
        while true {
            guard let space = output.reserveFreeSpace(atLeast: 1 << 16) else { throw .tooLarge }
            stream.next_out = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(clamping: space.count)
            let before = stream.avail_out
            let result = inflate(&stream, Z_NO_FLUSH)
            output.commit(Int(before - stream.avail_out))
            if output.isOverLimit { throw .tooLarge }
            switch result {
            case Z_OK:
                continue
            case Z_STREAM_END:
                // another member may follow (gzip -d reads concatenated members)
                if stream.avail_in == 0 { return output }
                guard inflateReset(&stream) == Z_OK else { throw .library("inflateReset failed") }
            case Z_BUF_ERROR:
                if stream.avail_in == 0 { throw .truncated }
                continue
            case Z_DATA_ERROR:
                let message = stream.msg.map { String(cString: $0) } ?? "corrupt compressed data"
                throw .corrupt(message)
            case Z_MEM_ERROR:
                throw .library("zlib ran out of memory")
            default:
                throw .corrupt("zlib error \(result)")
            }
        }
    }
}
