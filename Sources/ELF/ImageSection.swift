/// One section of an `ELFImage`: a section header (`Elf64_Shdr`) and what goes in the section.
///
/// `link` (`sh_link`) and `info` (`sh_info`) are indices into `ELFImage.sections`, as in the file:
/// a relocation section links to the symbol table and applies to the section `info` names; a symbol
/// table links to its string table. The writer computes `sh_name`, `sh_offset` and `sh_size`.
///
/// Spec: ELF gABI, "Sections"; `Documentation/livepatch/module-elf-format.rst` §3 for
/// `SHF_RELA_LIVEPATCH` sections.
package struct ImageSection: Sendable, Equatable {
    /// What a section holds. The writer encodes the tables; `bytes` are written as they are.
    package enum Contents: Sendable, Equatable {
        /// Raw bytes (`SHT_PROGBITS`, `SHT_NOTE`, or any section the image does not model).
        case bytes([UInt8])
        /// A section that takes no file space (`SHT_NOBITS`, e.g. `.bss`), `size` bytes in memory.
        case noBits(size: UInt64)
        /// The symbol table (`SHT_SYMTAB`), encoded from `ELFImage.symbols`. `link` names its
        /// `.symbolNames` string table; the writer sets `sh_info` to the index of the first
        /// non-local symbol and ignores `info`.
        case symbolTable
        /// The string table of symbol names (`.strtab`, `SHT_STRTAB`), filled by the writer.
        case symbolNames
        /// The string table of section names (`.shstrtab`, `SHT_STRTAB`, `e_shstrndx`), filled by
        /// the writer.
        case sectionNames
        /// `Elf64_Rela` entries (`SHT_RELA`). `Relocation.symbolIndex` indexes `ELFImage.symbols`;
        /// `link` must name the symbol table and `info` the section the entries apply to.
        case relocations([Relocation])
    }

    package var name: String
    /// `sh_type`.
    package var type: SectionType
    /// `sh_flags`.
    package var flags: SectionFlags
    /// `sh_addr`: 0 in a relocatable file.
    package var address: UInt64
    /// `sh_addralign`: 0 or a power of two. libelf records the alignment of the data it lays out,
    /// so a section with contents and alignment 0 is written with 1 (both mean "no constraint").
    package var alignment: UInt64
    /// `sh_entsize`: 24 for `SHT_SYMTAB` and `SHT_RELA` (sizeof `Elf64_Sym`, `Elf64_Rela`).
    package var entrySize: UInt64
    /// `sh_link`, an index into `ELFImage.sections`.
    package var link: Int
    /// `sh_info`: for a relocation section the index of its target in `ELFImage.sections`
    /// (with `SHF_INFO_LINK`); ignored for the symbol table.
    package var info: Int
    package var contents: Contents

    /// A section; `entrySize` defaults to the size of one entry for tables the image encodes
    /// (24 for `.symbolTable` and `.relocations`) and to 0 otherwise.
    package init(name: String, type: SectionType, flags: SectionFlags = [], address: UInt64 = 0,
                 alignment: UInt64 = 1, entrySize: UInt64? = nil, link: Int = 0, info: Int = 0,
                 contents: Contents) {
        self.name = name
        self.type = type
        self.flags = flags
        self.address = address
        self.alignment = alignment
        self.entrySize = entrySize ?? contents.defaultEntrySize
        self.link = link
        self.info = info
        self.contents = contents
    }

    /// Section 0 (`SHT_NULL`), which every image starts with.
    package static let null = ImageSection(name: "", type: .null, alignment: 0, contents: .bytes([]))

    /// The section's size in memory (`sh_size`) for the contents whose size the image knows
    /// before writing; `nil` for the tables the writer builds (`symbolTable`, string tables).
    package var knownSize: UInt64? {
        switch contents {
        case .bytes(let bytes): UInt64(bytes.count)
        case .noBits(let size): size
        case .relocations(let entries): UInt64(entries.count) * ELFImage.relocationEntrySize
        case .symbolTable, .symbolNames, .sectionNames: nil
        }
    }
}

extension ImageSection.Contents {
    var defaultEntrySize: UInt64 {
        switch self {
        case .symbolTable: ELFImage.symbolEntrySize
        case .relocations: ELFImage.relocationEntrySize
        case .bytes, .noBits, .symbolNames, .sectionNames: 0
        }
    }
}
