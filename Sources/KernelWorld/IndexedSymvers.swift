#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Module.symvers file kept as bytes with its lines indexed by symbol name: the `ExportTable`
/// storage that builds an `Export` only for the symbols asked about (a livepatch asks about a
/// few hundred of the kernel's 24,700).
///
/// Only for files every line of which is in the exact form modpost writes (`0x` and up to 8 hex
/// digits, an ASCII symbol, an owner path whose last part needs no normalising beyond `-` → `_`, a known
/// `EXPORT_SYMBOL*` in the fourth column); `init` returns nil for anything else, and the general
/// parse then gives the same table or the same error.
struct IndexedSymvers: Sendable {
    /// One line: its bytes in the file, its 1-based number, where its symbol name is.
    private struct Line: Sendable {
        let start: Int32
        let end: Int32
        let number: Int32
        let symbolStart: Int32
        let symbolLength: Int32
    }

    private let file: TextFile
    private let lines: [Line]
    private let index: ByteNameIndex

    /// The export kinds as bytes.
    private static let kinds = ExportKind.allCases.map { Array($0.rawValue.utf8) }

    /// True when `bytes` spell one of `ExportKind`'s raw values (`EXPORT_SYMBOL`, `EXPORT_SYMBOL_GPL`, …).
    private static func isExportKind(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Every kind starts with EXPORT_ and has at least 13 bytes; compare lengths before bytes.
        guard bytes.count >= 13, bytes[0] == UInt8(ascii: "E") else { return false }
        for kind in kinds where kind.count == bytes.count {
            let equal = kind.withUnsafeBufferPointer { kindBytes in
                guard let left = kindBytes.baseAddress, let right = bytes.baseAddress else { return false }
                return memcmp(left, right, bytes.count) == 0
            }
            if equal { return true }
        }
        return false
    }

    init?(file: TextFile) {
        var lines: [Line] = []
        lines.reserveCapacity(file.bytes.count / 48)
        var hashes: [UInt64] = []
        hashes.reserveCapacity(file.bytes.count / 48)
        let scanned = file.bytes.withUnsafeBufferPointer { all -> Bool in
            let end = all.count
            let raw = UnsafeRawBufferPointer(all)
            guard end < Int(Int32.max) else { return false }
            var position = 0
            var number: Int32 = 0
            while position < end {
                number += 1
                let lineStart = position
                // Up to 5 tab-separated fields; a sixth, a control byte or non-ASCII is not the fast path.
                var fields: (Int, Int, Int, Int, Int, Int) = (lineStart, 0, 0, 0, 0, 0)
                var count = 1
                var lineEnd = end
                scanning: while position < end {
                    // Eight bytes at a time: the exact positions of the bytes below 0x20, DEL and
                    // non-ASCII in the word (ByteScanning.specialBytes), then each of those in order.
                    var special: UInt64
                    let word: UInt64
                    if position + 8 <= end {
                        word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                        special = ByteScanning.specialBytes(word)
                    } else {
                        var tail: UInt64 = 0
                        for offset in 0..<(end - position) { tail |= UInt64(all[position + offset]) << (8 * offset) }
                        // Bytes past the end read as a newline: the line ends with the file.
                        for offset in (end - position)..<8 { tail |= UInt64(UInt8(ascii: "\n")) << (8 * offset) }
                        word = tail
                        special = ByteScanning.specialBytes(word)
                    }
                    while special != 0 {
                        let shift = special.trailingZeroBitCount &- 7
                        let at = position + shift / 8
                        let byte = UInt8(truncatingIfNeeded: word >> UInt64(shift))
                        if byte == UInt8(ascii: "\n") {
                            lineEnd = min(at, end)
                            position = lineEnd
                            break scanning
                        }
                        guard byte == UInt8(ascii: "\t") else { return false }
                        switch count {
                        case 1: fields.1 = at + 1
                        case 2: fields.2 = at + 1
                        case 3: fields.3 = at + 1
                        case 4: fields.4 = at + 1
                        default: return false
                        }
                        count += 1
                        special &= special &- 1
                    }
                    position += 8
                }
                position = min(position, end)
                lineEnd = min(lineEnd, position)
                guard count == 4 || count == 5 else { return false }
                let crcEnd = fields.1 - 1, symbolEnd = fields.2 - 1, ownerEnd = fields.3 - 1
                let kindEnd = count == 5 ? fields.4 - 1 : lineEnd
                // CRC: 0x and 1 to 8 hex digits
                guard crcEnd - lineStart >= 3, crcEnd - lineStart <= 10, all[lineStart] == UInt8(ascii: "0"),
                      all[lineStart + 1] == UInt8(ascii: "x") else { return false }
                for offset in (lineStart + 2)..<crcEnd {
                    let byte = all[offset]
                    guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                        || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte) else { return false }
                }
                // symbol: not empty, no space
                guard symbolEnd > fields.1 else { return false }
                for offset in fields.1..<symbolEnd where all[offset] == UInt8(ascii: " ") { return false }
                // owner: a path (drivers/cdrom/cdrom) without space or '.', its last part 1 to 55 bytes of [A-Za-z0-9_-]
                var nameStart = fields.2
                for offset in fields.2..<ownerEnd {
                    let byte = all[offset]
                    guard byte != UInt8(ascii: " "), byte != UInt8(ascii: ".") else { return false }
                    if byte == UInt8(ascii: "/") { nameStart = offset + 1 }
                }
                guard ownerEnd > nameStart, ownerEnd - nameStart <= ObjectName.maximumLength else { return false }
                for offset in nameStart..<ownerEnd where all[offset] >= 0x80 || !ObjectName.isNameByte[Int(all[offset])] {
                    return false
                }
                // the export macro in the fourth column
                guard Self.isExportKind(UnsafeBufferPointer(rebasing: all[fields.3..<kindEnd])) else { return false }
                let symbol = UnsafeBufferPointer(rebasing: all[fields.1..<symbolEnd])
                hashes.append(ByteNameIndex.hash(symbol))
                lines.append(Line(start: Int32(lineStart), end: Int32(lineEnd), number: number,
                                  symbolStart: Int32(fields.1), symbolLength: Int32(symbolEnd - fields.1)))
                position += 1
            }
            return true
        }
        guard scanned, !lines.isEmpty else { return nil }
        self.file = file
        self.lines = lines
        index = ByteNameIndex(hashes: hashes)
    }

    /// Number of lines (exports).
    var count: Int { lines.count }

    /// Every line for `symbol`, in file order.
    func exports(of symbol: String) -> [Export] {
        var found: [Export] = []
        var symbol = symbol
        symbol.withUTF8 { wanted in
            file.bytes.withUnsafeBufferPointer { all in
                index.forEachCandidate(hash: ByteNameIndex.hash(wanted)) { number in
                    let line = lines[number]
                    if ByteNameIndex.bytes(all, start: Int(line.symbolStart), length: Int(line.symbolLength), equal: wanted) {
                        found.append(export(line))
                    }
                }
            }
        }
        return found
    }

    /// Every line, in file order.
    var allExports: [Export] { lines.map(export) }

    /// The line parsed as the general path parses it (it cannot fail: `init` checked the line).
    private func export(_ line: Line) -> Export {
        do {
            return try ExportTable.parse(file.bytes[Int(line.start)..<Int(line.end)], file: file.name, number: Int(line.number))
        } catch {
            preconditionFailure("\(file.name):\(line.number): a line the fast path accepted does not parse: \(error)")
        }
    }
}
