/// Builds an ELF string table (`SHT_STRTAB`) the way GNU ld does: byte 0 is NUL, every name is
/// stored once, and a name that ends another one shares its bytes (`.text` inside `.rela.text`).
///
/// The layout depends only on the names given, so the same names always give the same bytes and
/// the same table size as ld's. Spec: ELF gABI, "String Table".
struct StringTableBuilder {
    /// The table: `bytes[offset(of: name)...]` is the name followed by NUL.
    let bytes: [UInt8]
    private let offsets: [[UInt8]: UInt32]

    /// `names` in any order, with repeats; the empty name is offset 0. Names must not contain NUL.
    init(_ names: some Sequence<String>) {
        var unique: [[UInt8]] = []
        var seen: Set<[UInt8]> = []
        for name in names where !name.isEmpty {
            let utf8 = Array(name.utf8)
            if seen.insert(utf8).inserted { unique.append(utf8) }
        }
        // Sorted by reversed bytes, a name that is a suffix of another comes right before a name
        // it is a suffix of; walking backwards gives each name the longest name that contains it.
        let byReversed = unique.indices.sorted { unique[$0].reversed().lexicographicallyPrecedes(unique[$1].reversed()) }
        var owner = Array(unique.indices)
        for position in byReversed.indices.reversed().dropFirst() {
            let name = unique[byReversed[position]]
            let next = unique[byReversed[position + 1]]
            if next.count >= name.count && next.suffix(name.count).elementsEqual(name) {
                owner[byReversed[position]] = owner[byReversed[position + 1]]
            }
        }
        // Names that end no other name are stored in the order first given.
        var bytes: [UInt8] = [0]
        var start: [Int: UInt32] = [:]
        for index in unique.indices where owner[index] == index {
            start[index] = UInt32(bytes.count)
            bytes += unique[index]
            bytes.append(0)
        }
        var offsets: [[UInt8]: UInt32] = [[]: 0]
        for index in unique.indices {
            let host = owner[index]
            let hostStart = start[host] ?? 0
            offsets[unique[index]] = hostStart + UInt32(unique[host].count - unique[index].count)
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    /// The offset of `name` in `bytes` (`st_name`, `sh_name`); 0 for the empty name.
    func offset(of name: String) -> UInt32 {
        offsets[Array(name.utf8)] ?? 0
    }
}
