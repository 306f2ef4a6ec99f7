/// A hash index from names held as byte ranges of one file to entry numbers, built without a
/// `String` per name: kallsyms has about 96,000 lines and Module.symvers 24,700, and a livepatch
/// asks about a few hundred names.
///
/// Entries are added in order 0, 1, 2, …; the entries of one bucket stay chained in that order,
/// so a lookup yields every entry of a name in the order added. Buckets can hold other names
/// (hash collisions): callers compare the bytes.
struct ByteNameIndex: Sendable {
    /// First entry of each bucket, or -1.
    private var heads: [Int32]
    /// Last entry of each bucket while building, or -1.
    private var tails: [Int32]
    /// For each entry, the next entry of the same bucket, or -1.
    private var next: [Int32] = []
    private let mask: Int

    /// An empty index sized for about `capacity` entries.
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        heads = [Int32](repeating: -1, count: size)
        tails = heads
        mask = size - 1
        next.reserveCapacity(capacity)
    }

    /// Number of entries added.
    var count: Int { next.count }

    /// Adds the next entry (number `count`) under `hash`.
    mutating func append(hash: UInt64) {
        let entry = Int32(next.count)
        let bucket = Int(truncatingIfNeeded: hash) & mask
        next.append(-1)
        let tail = tails[bucket]
        if tail < 0 { heads[bucket] = entry } else { next[Int(tail)] = entry }
        tails[bucket] = entry
    }

    /// Calls `body` with every entry added under `hash`'s bucket, in the order added.
    func forEachCandidate(hash: UInt64, _ body: (Int) -> Void) {
        var entry = heads[Int(truncatingIfNeeded: hash) & mask]
        while entry >= 0 {
            body(Int(entry))
            entry = next[Int(entry)]
        }
    }

    /// FNV-1a over `bytes`.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// FNV-1a over the UTF-8 of `name`.
    static func hash(_ name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { hash($0) }
    }

    /// True when `bytes[start..<start+length]` spells `name`.
    static func bytes(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, length: Int, equal name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard length == name.count else { return false }
        for offset in 0..<length where bytes[start + offset] != name[offset] { return false }
        return true
    }
}
