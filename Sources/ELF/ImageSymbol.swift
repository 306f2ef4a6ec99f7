/// One symbol of an `ELFImage` (`Elf64_Sym`). The writer puts `name` into the symbol string table.
///
/// Spec: ELF gABI, "Symbol Table"; `Documentation/livepatch/module-elf-format.rst` §4 for
/// `SHN_LIVEPATCH` symbols such as `.klp.sym.vmlinux.snprintf,0`.
package struct ImageSymbol: Sendable, Equatable {
    package var name: String
    /// `st_value`: for a relocatable file, the offset in its section.
    package var value: UInt64
    /// `st_size`.
    package var size: UInt64
    /// `ELF64_ST_TYPE(st_info)`.
    package var type: SymbolType
    /// `ELF64_ST_BIND(st_info)`.
    package var binding: SymbolBinding
    /// `st_other` (visibility).
    package var other: UInt8
    /// `st_shndx`: an ordinary value indexes `ELFImage.sections`; the reserved values
    /// (`.undefined`, `.absolute`, `.common`, `.livepatch`) are written as they are.
    package var section: SectionIndex

    package init(name: String, value: UInt64 = 0, size: UInt64 = 0, type: SymbolType = .noType,
                 binding: SymbolBinding = .local, other: UInt8 = 0, section: SectionIndex = .undefined) {
        self.name = name
        self.value = value
        self.size = size
        self.type = type
        self.binding = binding
        self.other = other
        self.section = section
    }

    /// Symbol 0, the null symbol, which every symbol table starts with.
    package static let null = ImageSymbol(name: "")
}
