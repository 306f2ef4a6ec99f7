/// Word-at-a-time helpers for the fast path that scans kallsyms dumps
/// (`KallsymsTable.scan`): eight bytes per step where a byte-by-byte loop
/// spent most of the time of `plan` and `check` after start-up.
enum ByteScanning {
    /// The value of each hex digit byte (`0`-`9`, `a`-`f`, `A`-`F`), 0xff for every other byte.
    static let hexValues: [UInt8] = (0...255).map { byte -> UInt8 in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(byte) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(byte) - UInt8(ascii: "A") + 10
        default: 0xff
        }
    }

    /// The high bit of each byte of `word` (little-endian: byte 0 is the lowest) that is below
    /// 0x20, a DEL (0x7f) or not ASCII; exact per byte (no carries cross bytes), so each set bit
    /// names one such byte. Module.symvers's tabs and line ends are among them.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let lows: UInt64 = 0x7f7f_7f7f_7f7f_7f7f
        let highs: UInt64 = 0x8080_8080_8080_8080
        // (byte & 0x7f) + 0x60 has its high bit set exactly when byte & 0x7f >= 0x20.
        let atLeastSpace = (word & lows) &+ 0x6060_6060_6060_6060
        // A DEL is a zero byte of word ^ 0x7f7f…: (x & 0x7f) + 0x7f sets the high bit unless x is 0.
        let delete = word ^ lows
        let notDelete = ((delete & lows) &+ lows) | delete
        return (~atLeastSpace | ~notDelete | word) & highs
    }

    /// The first position at or after `start` whose 8-byte word could hold a byte below `limit`
    /// (at most 128), a DEL (0x7f) or a non-ASCII byte; the words before it hold none. The
    /// caller walks on byte by byte from there.
    @inline(__always)
    static func skipPlainWords(_ bytes: UnsafeRawBufferPointer, from start: Int, limit: UInt8) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below = ones &* UInt64(limit)
        let delete = ones &* 0x7f
        var position = start
        while position + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            // "Determine if a word has a byte less than n" (Bit Twiddling Hacks): exact as to
            // whether one exists, for n <= 128; a DEL is a zero byte of word ^ 0x7f7f…
            let lessThanLimit = (word &- below) & ~word & highs
            let xorDelete = word ^ delete
            let isDelete = (xorDelete &- ones) & ~xorDelete & highs
            if (lessThanLimit | isDelete | (word & highs)) != 0 { break }
            position += 8
        }
        return position
    }
}
