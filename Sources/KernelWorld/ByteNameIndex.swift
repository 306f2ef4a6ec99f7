/// A hash index from names held as byte ranges of one file to entry numbers, built without a
/// `String` per name: kallsyms has about 96,000 lines and Module.symvers 24,700, and a livepatch
/// asks about a few hundred names.
///
/// Entries are numbered 0, 1, 2, … in the order given; the entries of one bucket are chained in that order,
/// so a lookup yields every entry of a name in the order added. Buckets can hold other names
/// (hash collisions): callers compare the bytes.
struct ByteNameIndex: Sendable {
    /// First entry of each bucket, or -1.
    private let heads: [Int32]
    /// For each entry, the next entry of the same bucket, or -1.
    private let next: [Int32]
    private let mask: Int

    /// The index of entries 0, 1, 2, … with these name hashes.
    init(hashes: [UInt64]) {
        var size = 16
        while size < hashes.count * 2 { size <<= 1 }
        let mask = size - 1
        var heads = [Int32](repeating: -1, count: size)
        var tails = heads
        var next = [Int32](repeating: -1, count: hashes.count)
        heads.withUnsafeMutableBufferPointer { heads in
            tails.withUnsafeMutableBufferPointer { tails in
                next.withUnsafeMutableBufferPointer { next in
                    for (entry, hash) in hashes.enumerated() {
                        let bucket = Int(truncatingIfNeeded: hash) & mask
                        let tail = tails[bucket]
                        if tail < 0 { heads[bucket] = Int32(entry) } else { next[Int(tail)] = Int32(entry) }
                        tails[bucket] = Int32(entry)
                    }
                }
            }
        }
        self.heads = heads
        self.next = next
        self.mask = mask
    }

    /// Number of entries.
    var count: Int { next.count }

    /// Calls `body` with every entry added under `hash`'s bucket, in the order added.
    func forEachCandidate(hash: UInt64, _ body: (Int) -> Void) {
        var entry = heads[Int(truncatingIfNeeded: hash) & mask]
        while entry >= 0 {
            body(Int(entry))
            entry = next[Int(entry)]
        }
    }

    /// A hash of `bytes` that reads them 8 at a time (little-endian words, the last one
    /// zero-padded, the length mixed in first): one multiply per word instead of one per byte as
    /// in FNV-1a, and every output bit depends on every input byte (`bucket` takes the low bits).
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return mix(hash) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = mix(hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < bytes.count {
            var word: UInt64 = 0
            for shift in 0..<(bytes.count - offset) {
                word |= UInt64(bytes[offset + shift]) << UInt64(shift * 8)
            }
            hash = mix(hash ^ word)
        }
        return hash
    }

    /// One multiply-xorshift round (the 64-bit finaliser of MurmurHash3's constants).
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var value = value &* 0xff51_afd7_ed55_8ccd
        value ^= value >> 33
        return value
    }

    /// `hash(_:)` of the UTF-8 of `name`.
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
