/// A relocation entry (`Elf64_Rela`, or `Elf64_Rel` with a zero addend).
///
/// Spec: ELF gABI, "Relocation"; the types are per architecture (`X86_64Relocation`, `PPC64Relocation`).
package struct Relocation: Sendable, Equatable {
    /// `r_offset`: where in the target section the relocation applies.
    package let offset: UInt64
    /// `ELF64_R_TYPE(r_info)`, for example 4 (`R_X86_64_PLT32`) or 10 (`R_PPC64_REL24`); `Architecture.relocationName(type:)` names it.
    package let type: UInt32
    /// `ELF64_R_SYM(r_info)`: index into the symbol table named by the relocation section's `sh_link`.
    package let symbolIndex: Int
    /// `r_addend`.
    package let addend: Int64

    package init(offset: UInt64, type: UInt32, symbolIndex: Int, addend: Int64) {
        self.offset = offset
        self.type = type
        self.symbolIndex = symbolIndex
        self.addend = addend
    }
}
