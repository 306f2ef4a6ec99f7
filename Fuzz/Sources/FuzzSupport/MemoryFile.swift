#if canImport(Glibc)
import Glibc
#endif

/// One in-memory file (an unlinked file in /dev/shm, tmpfs) that a fuzz target rewrites with each input, so the parsers
/// are fuzzed through the same path-based entry points the commands use (`ELFFile(path:)`,
/// `ExportTable(contentsOf:)`, ...), libdwfl's DWARF reading included, without touching the disk.
public final class MemoryFile: Sendable {
    private let descriptor: Int32
    /// `/proc/self/fd/N`: a path every `open`/`fopen`/`stat` in the parsers accepts.
    public let path: String

    public init(name: String) {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(directory)/\(name).XXXXXX".utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(descriptor >= 0, "mkstemp in \(directory) failed")
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        path = "/proc/self/fd/\(descriptor)"
    }

    /// Replaces the file's contents with the `count` bytes at `start`.
    public func write(_ start: UnsafeRawPointer, _ count: Int) {
        precondition(ftruncate(descriptor, 0) == 0, "ftruncate failed")
        var written = 0
        while written < count {
            let result = pwrite(descriptor, start + written, count - written, off_t(written))
            precondition(result > 0, "pwrite failed")
            written += result
        }
    }
}

/// The input as an array, for parsers that take bytes.
public func bytes(_ start: UnsafeRawPointer, _ count: Int) -> [UInt8] {
    Array(UnsafeRawBufferPointer(start: start, count: count))
}
