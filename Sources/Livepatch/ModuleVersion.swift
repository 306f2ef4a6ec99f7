/// One entry of a module's `__versions` table: the CRC it expects for an imported symbol.
///
/// Kernel: include/linux/module.h `struct modversion_info { unsigned long crc; char name[MODULE_NAME_LEN]; }`,
/// 64 bytes on 64-bit.
package struct ModuleVersion: Sendable, Equatable {
    package let crc: UInt32
    package let symbol: String

    package init(crc: UInt32, symbol: String) {
        self.crc = crc
        self.symbol = symbol
    }

    /// `sizeof(struct modversion_info)` on 64-bit (8 + MODULE_NAME_LEN 56).
    package static let entrySize = 64

    /// Parses a `__versions` section; nil when its size is not a multiple of the entry size.
    package static func parse(_ bytes: [UInt8]) -> [ModuleVersion]? {
        guard bytes.count % entrySize == 0 else { return nil }
        var result: [ModuleVersion] = []
        for start in stride(from: 0, to: bytes.count, by: entrySize) {
            var crc: UInt64 = 0
            for i in 0..<8 { crc |= UInt64(bytes[start + i]) << (8 * UInt64(i)) }
            let nameBytes = bytes[(start + 8)..<(start + entrySize)].prefix { $0 != 0 }
            result.append(ModuleVersion(crc: UInt32(truncatingIfNeeded: crc),
                                        symbol: String(decoding: nameBytes, as: UTF8.self)))
        }
        return result
    }
}
