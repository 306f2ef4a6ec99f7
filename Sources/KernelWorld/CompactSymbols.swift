/// The symbols of one object as byte ranges of the bytes they were read from, in counting order:
/// the `SymbolOrder` storage for a /proc/kallsyms dump and for a module's `.symtab`, which builds a
/// `String` only for the names asked about instead of one per symbol.
struct CompactSymbols: Sendable {
    /// One symbol: where its name is in `bytes`, its address, its type letter and, for a module,
    /// where it is in the `.ko`.
    struct Entry: Sendable {
        let nameStart: Int32
        let nameLength: Int32
        let address: UInt64
        let type: UInt8
        /// `STB_LOCAL` for a .ko; for a listing, what its type letter says (`SymbolListing.isLocal`).
        let isLocal: Bool
        /// For a .ko: the index in `.symtab`; -1 for a listing.
        let symbolIndex: Int32
        /// For a .ko: the index in `sectionNames` of the symbol's section; -1 for none.
        let section: Int32

        /// An entry of a listing (kallsyms, System.map): no symbol index, no section.
        init(nameStart: Int32, nameLength: Int32, address: UInt64, type: UInt8) {
            // SymbolListing.isLocal(_:) on the letter's byte: lowercase, not u, v or w.
            let isLocal = type >= UInt8(ascii: "a") && type <= UInt8(ascii: "z")
                && type != UInt8(ascii: "u") && type != UInt8(ascii: "v") && type != UInt8(ascii: "w")
            self.init(nameStart: nameStart, nameLength: nameLength, address: address, type: type,
                      isLocal: isLocal, symbolIndex: -1, section: -1)
        }

        init(nameStart: Int32, nameLength: Int32, address: UInt64, type: UInt8, isLocal: Bool,
             symbolIndex: Int32, section: Int32) {
            self.nameStart = nameStart
            self.nameLength = nameLength
            self.address = address
            self.type = type
            self.isLocal = isLocal
            self.symbolIndex = symbolIndex
            self.section = section
        }
    }

    /// The bytes the names are in (the listing, or the module's `.strtab`).
    let bytes: [UInt8]
    /// The symbols in counting order.
    let entries: [Entry]
    /// The section names `Entry.section` indexes (a module's section headers; empty for a listing).
    let sectionNames: [String]
    /// Entry numbers by name.
    private let index: ByteNameIndex

    /// `entries` must already be in counting order.
    init(bytes: [UInt8], entries: [Entry], sectionNames: [String] = []) {
        self.init(bytes: bytes, entries: entries, sectionNames: sectionNames,
                  hashes: entries.map { Self.hash(of: $0, in: bytes) })
    }

    /// `hashes[i]` must be `hash(of: entries[i], in: bytes)` (so two orders over the same names
    /// hash each name once).
    init(bytes: [UInt8], entries: [Entry], sectionNames: [String], hashes: [UInt64]) {
        self.bytes = bytes
        self.entries = entries
        self.sectionNames = sectionNames
        index = ByteNameIndex(hashes: hashes)
    }

    /// The `ByteNameIndex` hash of an entry's name.
    static func hash(of entry: Entry, in bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { all in
            ByteNameIndex.hash(UnsafeBufferPointer(rebasing: all[Int(entry.nameStart)..<Int(entry.nameStart + entry.nameLength)]))
        }
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

    /// The name of the section of `entry`, if it has one.
    func sectionName(of entry: Entry) -> String? {
        entry.section >= 0 ? sectionNames[Int(entry.section)] : nil
    }
}
