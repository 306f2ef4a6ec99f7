#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a line-oriented text file (Module.symvers, /proc/kallsyms, System.map), walked
/// line by line without building a `String` per line.
///
/// `name` is how messages refer to the file: the path exactly as the caller gave it.
package struct TextFile: Sendable {
    let name: String
    let bytes: [UInt8]

    /// The whole file at `path` as text (bytes that are not UTF-8 become U+FFFD), for a small
    /// file such as a modprobe.d policy.
    package static func text(contentsOf path: String, displayName: String? = nil) throws(KernelWorldError) -> String {
        String(decoding: try TextFile(contentsOf: path, displayName: displayName).bytes, as: UTF8.self)
    }

    /// Text given directly, for tests and for callers that already hold the contents.
    init(name: String, text: String) {
        self.name = name
        bytes = Array(text.utf8)
    }

    /// Reads the whole file at `path` with `fopen`/`fread`; `displayName` (default: `path`) is how
    /// messages name it.
    init(contentsOf path: String, displayName: String? = nil) throws(KernelWorldError) {
        name = displayName ?? path
        guard let stream = fopen(path, "rb") else {
            throw .unreadableFile(name, reason: String(cString: strerror(errno)))
        }
        defer { fclose(stream) }
        // A regular file is read with one fread into an array of its size (the kernel's
        // Module.symvers is 1.3 MB, a kallsyms dump 4 MB); /proc files report size 0 and
        // anything that changed size in between takes the chunked loop below.
        var status = stat()
        if fstat(fileno(stream), &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0,
           status.st_size < Int.max / 2 {
            let size = Int(status.st_size)
            var complete = false
            let hugePages = size >= TextFile.hugePageSize / 2
            let capacity = size + 1 + (hugePages ? TextFile.hugePageSize : 0)
            let whole = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                if hugePages { TextFile.adviseHugePages(buffer) }
                count = fread(buffer.baseAddress, 1, size + 1, stream)
                complete = count == size && feof(stream) != 0
            }
            if complete {
                bytes = whole
                return
            }
            if ferror(stream) != 0 {
                throw .unreadableFile(name, reason: String(cString: strerror(errno)))
            }
            rewind(stream)
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, stream) }
            if count > 0 { result.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count {
                if ferror(stream) != 0 {
                    throw .unreadableFile(name, reason: String(cString: strerror(errno)))
                }
                break
            }
        }
        bytes = result
    }

    /// The size of a transparent huge page on x86-64 (`HPAGE_PMD_SIZE`).
    static let hugePageSize = 2 << 20

    /// Asks for transparent huge pages (`madvise(MADV_HUGEPAGE)`) on the whole 2 MB blocks inside
    /// `buffer`. A fresh process filling a 4 MB kallsyms dump page by page takes about 1,000 zeroing
    /// page faults and as many page frees at exit, more than the copy itself; a 2 MB page takes one
    /// (docs/performance.md). The caller allocates 2 MB more than it fills, so the file's bytes
    /// after the first 2 MB boundary lie in whole blocks. Only advice: the kernel may ignore it
    /// (`transparent_hugepage/enabled` set to `never`), and nothing else changes.
    static func adviseHugePages(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress else { return }
        let start = (UInt(bitPattern: base) + UInt(hugePageSize) - 1) & ~UInt(hugePageSize - 1)
        let end = (UInt(bitPattern: base) + UInt(buffer.count)) & ~UInt(hugePageSize - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, Int(end - start), MADV_HUGEPAGE)
    }

    /// True when the file holds nothing but white space.
    var isBlank: Bool {
        !bytes.contains { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
    }

    /// Calls `body` with each line's 1-based number and its bytes (without the `\n`).
    /// A final line without `\n` is passed too; an empty last line after the final `\n` is not.
    func forEachLine(_ body: (_ number: Int, _ line: ArraySlice<UInt8>) throws(KernelWorldError) -> Void) throws(KernelWorldError) {
        var start = bytes.startIndex
        var number = 0
        while start < bytes.endIndex {
            number += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            try body(number, bytes[start..<end])
            start = end + 1
        }
    }
}

extension ArraySlice<UInt8> {
    /// The fields between `separator` bytes, empty fields kept (`a\t\tb` has three).
    func fields(separatedBy separator: UInt8) -> [ArraySlice<UInt8>] {
        split(separator: separator, omittingEmptySubsequences: false)
    }

    /// The bytes as a `String` (invalid UTF-8 is repaired, never trapped on).
    var string: String { String(decoding: self, as: UTF8.self) }

    /// The line without a trailing `\r` (files edited on Windows).
    var withoutCarriageReturn: ArraySlice<UInt8> {
        last == UInt8(ascii: "\r") ? dropLast() : self
    }

    /// True when the line holds nothing but spaces and tabs.
    var isBlank: Bool {
        allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    /// Parses hexadecimal digits, with an optional `0x`; nil if empty, not hex, or wider than 64 bits.
    var hexadecimalValue: UInt64? {
        var digits = self
        if digits.count >= 2, digits.first == UInt8(ascii: "0"),
           digits.dropFirst().first == UInt8(ascii: "x") || digits.dropFirst().first == UInt8(ascii: "X") {
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
