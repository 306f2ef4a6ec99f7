/// A relocation entry (`Elf64_Rela`, or `Elf64_Rel` with a zero addend).
///
/// Spec: ELF gABI, "Relocation"; x86-64 psABI for the types.
package struct Relocation: Sendable, Equatable {
    /// `r_offset`: where in the target section the relocation applies.
    package let offset: UInt64
    /// `ELF64_R_TYPE(r_info)`, for example 2 (`R_X86_64_PC32`) or 4 (`R_X86_64_PLT32`).
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
