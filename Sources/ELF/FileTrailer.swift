#if canImport(Glibc)
import Glibc
#endif

/// Appends bytes computed from a file's whole contents to the end of that open file: how
/// `ELFWriter` adds a module signature to the bytes libelf wrote, before the file is renamed into
/// place.
enum FileTrailer {
    static func append(_ trailer: ELFWriter.Trailer, to descriptor: Int32, path: String) throws(ELFError) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .writeFailed(path, String(cString: strerror(errno))) }
        var contents = [UInt8](repeating: 0, count: Int(status.st_size))
        var done = 0
        while done < contents.count {
            let count = contents.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { pread(descriptor, $0 + done, buffer.count - done, off_t(done)) } ?? -1
            }
            guard count > 0 else { throw .writeFailed(path, "cannot read back the written module: \(String(cString: strerror(errno)))") }
            done += count
        }
        let appended = try trailer(contents)
        var written = 0
        while written < appended.count {
            let count = appended.withUnsafeBytes { buffer in
                buffer.baseAddress.map { pwrite(descriptor, $0 + written, buffer.count - written, off_t(contents.count + written)) } ?? -1
            }
            guard count > 0 else { throw .writeFailed(path, String(cString: strerror(errno))) }
            written += count
        }
    }
}
