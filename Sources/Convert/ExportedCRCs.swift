import ELF

/// The CRCs a module exports its symbols with: `__kcrctab[_gpl][i]` belongs to `__ksymtab[_gpl][i]`,
/// whose entry the local symbol `__ksymtab_<name>` marks (include/linux/export-internal.h, v6.1:
/// `struct kernel_symbol` is 12 bytes, a CRC 4 bytes).
struct ExportedCRCs {
    let crcs: [String: UInt32]

    static let tables = [("__ksymtab", "__kcrctab"), ("__ksymtab_gpl", "__kcrctab_gpl")]

    init(image: ELFImage) {
        var crcs: [String: UInt32] = [:]
        for (symbolTable, crcTable) in Self.tables {
            guard let symbols = image.sections.firstIndex(where: { $0.name == symbolTable }),
                  let crcSection = image.sections.first(where: { $0.name == crcTable }),
                  case .bytes(let bytes) = crcSection.contents else { continue }
            for symbol in image.symbols where symbol.name.hasPrefix("__ksymtab_") && Int(symbol.section.rawValue) == symbols
                && symbol.section.isOrdinary {
                let index = Int(symbol.value / 12) * 4
                guard index + 4 <= bytes.count else { continue }
                let crc = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[index + $1]) << (8 * UInt32($1)) }
                crcs[String(symbol.name.dropFirst("__ksymtab_".count))] = crc
            }
        }
        self.crcs = crcs
    }
}
