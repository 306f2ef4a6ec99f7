/// `.symtab` as fixed-size records whose names are byte ranges of a copy of the linked string
/// table: what `ELFFile(path:decodingSymbols: false)` reads instead of one `Symbol` (and one
/// `String`) per entry. The full Debian world has about 640,000 module symbols, and the kernel
/// world layer asks about a few hundred names.
///
/// Spec: ELF gABI, "Symbol Table" (`Elf64_Sym`) and "String Table".
package struct PackedSymbolTable: Sendable {
    /// One `Elf64_Sym`, its name as a range of `strings`.
    package struct Entry: Sendable {
        /// Where the name starts in `strings` (`st_name`).
        package let nameStart: Int32
        /// The name's length in bytes, without its NUL.
        package let nameLength: Int32
        /// `st_value`.
        package let value: UInt64
        /// `st_info`: type in the low 4 bits, binding in the high 4.
        package let info: UInt8
        /// `st_shndx`.
        package let sectionIndex: SectionIndex

        /// `ELF64_ST_TYPE(st_info)`.
        package var type: SymbolType { SymbolType(rawValue: info & 0xf) }
        /// `ELF64_ST_BIND(st_info)`.
        package var binding: SymbolBinding { SymbolBinding(rawValue: info >> 4) }
    }

    /// The bytes of the linked string table (`.strtab`).
    package let strings: [UInt8]
    /// Every entry in file order; `entries[0]` is the null symbol.
    package let entries: [Entry]

    /// The name of `entries[index]` (invalid UTF-8 repaired, as `Symbol.name` does).
    package func name(at index: Int) -> String {
        let entry = entries[index]
        return String(decoding: strings[Int(entry.nameStart)..<Int(entry.nameStart + entry.nameLength)], as: UTF8.self)
    }
}
