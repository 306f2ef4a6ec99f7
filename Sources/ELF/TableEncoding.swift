/// The bytes of each section as they go into the file: ELF64 little-endian, whatever the host.
///
/// The writer hands these to libelf as `ELF_T_BYTE` data, so libelf copies them unchanged.
/// Spec: ELF gABI, "Symbol Table" (`Elf64_Sym`) and "Relocation" (`Elf64_Rela`).
enum TableEncoding {
    /// The file bytes of a section other than `.noBits`.
    static func bytes(of section: ImageSection, in image: ELFImage, sectionNames: StringTableBuilder,
                      symbolNames: StringTableBuilder) -> [UInt8] {
        switch section.contents {
        case .bytes(let bytes): bytes
        case .noBits: []
        case .symbolTable: symbolTable(image.symbols, names: symbolNames)
        case .symbolNames: symbolNames.bytes
        case .sectionNames: sectionNames.bytes
        case .relocations(let entries): relocations(entries)
        }
    }

    /// `Elf64_Sym` entries: `st_name` (4), `st_info` (1), `st_other` (1), `st_shndx` (2),
    /// `st_value` (8), `st_size` (8).
    static func symbolTable(_ symbols: [ImageSymbol], names: StringTableBuilder) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(symbols.count * Int(ELFImage.symbolEntrySize))
        for symbol in symbols {
            append(names.offset(of: symbol.name), to: &bytes)
            // ELF64_ST_INFO(bind, type)
            bytes.append(symbol.binding.rawValue << 4 | symbol.type.rawValue & 0xf)
            bytes.append(symbol.other)
            append(symbol.section.rawValue, to: &bytes)
            append(symbol.value, to: &bytes)
            append(symbol.size, to: &bytes)
        }
        return bytes
    }

    /// `Elf64_Rela` entries: `r_offset` (8), `r_info` (8), `r_addend` (8).
    static func relocations(_ entries: [Relocation]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * Int(ELFImage.relocationEntrySize))
        for relocation in entries {
            append(relocation.offset, to: &bytes)
            // ELF64_R_INFO(sym, type); validation keeps the symbol index within 32 bits' worth of symbols.
            append(UInt64(truncatingIfNeeded: relocation.symbolIndex) << 32 | UInt64(relocation.type), to: &bytes)
            append(UInt64(bitPattern: relocation.addend), to: &bytes)
        }
        return bytes
    }

    private static func append<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
