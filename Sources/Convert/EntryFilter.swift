/// Which fixed-size entries of a table section a part keeps, and where kept bytes move.
///
/// Used for special sections (`__bug_table`, `__ex_table`, `.orc_unwind_ip`, ...), for the export
/// tables (`__ksymtab*` with their `__kcrctab*`), and for the klp objects array. Entries keep their
/// order; a kept entry moves down over the dropped ones.
struct EntryFilter {
    let entrySize: UInt64
    /// Indices of the kept entries, ascending.
    let kept: [Int]
    /// Old entry index → new entry index.
    private let newIndex: [Int: Int]

    init(entrySize: UInt64, kept: [Int]) {
        self.entrySize = entrySize
        self.kept = kept.sorted()
        var map: [Int: Int] = [:]
        for (new, old) in self.kept.enumerated() { map[old] = new }
        newIndex = map
    }

    /// Where a byte at `offset` moves, or nil when its entry is dropped.
    func newOffset(_ offset: UInt64) -> UInt64? {
        let index = Int(offset / entrySize)
        guard let new = newIndex[index] else { return nil }
        return UInt64(new) * entrySize + offset % entrySize
    }

    /// The kept entries' bytes, in order.
    func apply(to bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(kept.count * Int(entrySize))
        for index in kept {
            let start = index * Int(entrySize)
            let end = min(start + Int(entrySize), bytes.count)
            if start < end { result += bytes[start..<end] }
        }
        return result
    }
}
