import ELF

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

/// The extended modversions tables of a module (CONFIG_EXTENDED_MODVERSIONS, 6.14 and later):
/// `__version_ext_crcs`, one little-endian u32 CRC per imported symbol, and `__version_ext_names`,
/// the names NUL-terminated one after another, index-aligned with the CRCs. Unlike `__versions`
/// they hold names of any length.
///
/// modpost writes them (torvalds/linux scripts/mod/modpost.c `add_extended_versions()`, Matthew
/// Maurer, "modpost: Produce extended MODVERSIONS information", 6.14) into `<mod>.mod.c` as
/// `static const u32 ____version_ext_crcs[] __used __section("__version_ext_crcs") = { 0x..., };`
/// and `static const char ____version_ext_names[] __used __section("__version_ext_names") = "a\0" "b\0";`,
/// so the names end with one more NUL (the string literal's own). The loader
/// (kernel/module/main.c `elf_validity_cache_index_versions()`) requires both sections or neither
/// ("extended version crc+name presence does not match") and a name for every CRC ("more extended
/// version crcs than names"); bytes after the last needed name are ignored. `check_version()`
/// (kernel/module/version.c): "If we have extended version info, rely on it" — `__versions` is
/// then not consulted at all.
package enum ExtendedVersions {
    /// The section of CRCs (`u32` each, aligned to 4).
    package static let crcSection = "__version_ext_crcs"
    /// The section of NUL-terminated names (aligned to 1).
    package static let nameSection = "__version_ext_names"

    /// The entries, or a sentence saying why the tables do not fit together (the loader's rule).
    package static func parse(crcs: [UInt8], names: [UInt8]) -> Result<[ModuleVersion], ExtendedVersionsProblem> {
        guard crcs.count % 4 == 0 else {
            return .failure(ExtendedVersionsProblem(section: crcSection, detail: "size \(crcs.count) is not a multiple of 4 (u32 CRCs)"))
        }
        var result: [ModuleVersion] = []
        var start = 0
        for index in 0..<(crcs.count / 4) {
            guard let end = names[start...].firstIndex(of: 0) else {
                return .failure(ExtendedVersionsProblem(section: nameSection,
                    detail: "\(index) NUL-terminated names for \(crcs.count / 4) CRCs in \(crcSection) (the kernel refuses: \"more extended version crcs than names\")"))
            }
            var crc: UInt32 = 0
            for byte in 0..<4 { crc |= UInt32(crcs[index * 4 + byte]) << (8 * UInt32(byte)) }
            result.append(ModuleVersion(crc: crc, symbol: String(decoding: names[start..<end], as: UTF8.self)))
            start = end + 1
        }
        return .success(result)
    }

    /// The tables of `elf`: nil when it has neither section (no CONFIG_EXTENDED_MODVERSIONS).
    package static func read(_ elf: ELFFile) throws(ELFError) -> Result<[ModuleVersion], ExtendedVersionsProblem>? {
        let crcs = elf.section(named: crcSection), names = elf.section(named: nameSection)
        switch (crcs, names) {
        case (nil, nil):
            return nil
        case (let crcs?, let names?):
            return parse(crcs: try elf.contents(of: crcs), names: try elf.contents(of: names))
        default:
            let missing = crcs == nil ? crcSection : nameSection
            return .failure(ExtendedVersionsProblem(section: missing,
                detail: "missing while \(crcs == nil ? nameSection : crcSection) is present (the kernel refuses: \"extended version crc+name presence does not match\")"))
        }
    }

    /// The two sections' bytes, as modpost lays them out (names end with the extra NUL).
    package static func encode(_ versions: [ModuleVersion]) -> (crcs: [UInt8], names: [UInt8]) {
        var crcs: [UInt8] = []
        var names: [UInt8] = []
        for version in versions {
            for byte in 0..<4 { crcs.append(UInt8(truncatingIfNeeded: version.crc >> (8 * UInt32(byte)))) }
            names += Array(version.symbol.utf8) + [0]
        }
        return (crcs, names + [0])
    }
}

/// Why a module's extended modversions tables cannot be read: the section and a sentence.
package struct ExtendedVersionsProblem: Error, Sendable {
    package let section: String
    package let detail: String
}
