/// The symbols of one object as byte ranges of the listing they were read from, in counting
/// order: the `SymbolOrder` storage for a /proc/kallsyms dump, which builds a `String` only for
/// the names asked about instead of one per line.
struct CompactSymbols: Sendable {
    /// One symbol: where its name is in `bytes`, its address and its type letter.
    struct Entry: Sendable {
        let nameStart: Int32
        let nameLength: Int32
        let address: UInt64
        let type: UInt8
    }

    /// The listing's bytes.
    let bytes: [UInt8]
    /// The symbols in counting order.
    let entries: [Entry]
    /// Entry numbers by name.
    private let index: ByteNameIndex

    /// `entries` must already be in counting order.
    init(bytes: [UInt8], entries: [Entry]) {
        var hashes: [UInt64] = []
        hashes.reserveCapacity(entries.count)
        bytes.withUnsafeBufferPointer { all in
            for entry in entries {
                hashes.append(ByteNameIndex.hash(UnsafeBufferPointer(rebasing: all[Int(entry.nameStart)..<Int(entry.nameStart + entry.nameLength)])))
            }
        }
        let index = ByteNameIndex(hashes: hashes)
        self.bytes = bytes
        self.entries = entries
        self.index = index
    }

    /// The entries named `name`, in counting order.
    func entries(named name: String) -> [Entry] {
        var found: [Entry] = []
        var name = name
        name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { all in
                index.forEachCandidate(hash: ByteNameIndex.hash(wanted)) { number in
                    let entry = entries[number]
                    if ByteNameIndex.bytes(all, start: Int(entry.nameStart), length: Int(entry.nameLength), equal: wanted) {
                        found.append(entry)
                    }
                }
            }
        }
        return found
    }

    /// The name of `entry` (invalid UTF-8 repaired, as the full parse does).
    func name(of entry: Entry) -> String {
        String(decoding: bytes[Int(entry.nameStart)..<Int(entry.nameStart + entry.nameLength)], as: UTF8.self)
    }
}
