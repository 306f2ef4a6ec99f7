/// A section header (`Elf64_Shdr`), with its name resolved through `.shstrtab`.
///
/// Spec: ELF gABI, "Sections".
package struct Section: Sendable, Equatable {
    /// Index in the section header table (0 is the null section).
    package let index: Int
    package let name: String
    /// `sh_type`.
    package let type: SectionType
    /// `sh_flags`.
    package let flags: SectionFlags
    /// `sh_addr`.
    package let address: UInt64
    /// `sh_offset`.
    package let fileOffset: UInt64
    /// `sh_size`.
    package let size: UInt64
    /// `sh_link`: for a symbol or relocation section, the section it uses (string table / symbol table).
    package let link: Int
    /// `sh_info`: for a relocation section, the index of the section it applies to.
    package let info: Int
    /// `sh_addralign`.
    package let alignment: UInt64
    /// `sh_entsize`: the size of one entry for table sections, 0 otherwise.
    package let entrySize: UInt64

    package var isRelocationSection: Bool { type == .rela || type == .rel }
}

/// The type of a section (`sh_type`).
package struct SectionType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The corresponding C constant is `SHT_NULL`.
    package static let null = SectionType(rawValue: 0)
    /// The corresponding C constant is `SHT_PROGBITS`.
    package static let programBits = SectionType(rawValue: 1)
    /// The corresponding C constant is `SHT_SYMTAB`.
    package static let symbolTable = SectionType(rawValue: 2)
    /// The corresponding C constant is `SHT_STRTAB`.
    package static let stringTable = SectionType(rawValue: 3)
    /// The corresponding C constant is `SHT_RELA`.
    package static let rela = SectionType(rawValue: 4)
    /// The corresponding C constant is `SHT_NOTE`.
    package static let note = SectionType(rawValue: 7)
    /// The corresponding C constant is `SHT_NOBITS`.
    package static let noBits = SectionType(rawValue: 8)
    /// The corresponding C constant is `SHT_REL`.
    package static let rel = SectionType(rawValue: 9)
    /// The corresponding C constant is `SHT_GROUP`.
    package static let group = SectionType(rawValue: 17)
    /// The corresponding C constant is `SHT_SYMTAB_SHNDX`.
    package static let symbolTableIndices = SectionType(rawValue: 18)

    package var description: String {
        switch self {
        case .null: "NULL"
        case .programBits: "PROGBITS"
        case .symbolTable: "SYMTAB"
        case .stringTable: "STRTAB"
        case .rela: "RELA"
        case .note: "NOTE"
        case .noBits: "NOBITS"
        case .rel: "REL"
        case .group: "GROUP"
        case .symbolTableIndices: "SYMTAB_SHNDX"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// Section flags (`sh_flags`).
package struct SectionFlags: OptionSet, Hashable, Sendable {
    package let rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The corresponding C constant is `SHF_WRITE`.
    package static let write = SectionFlags(rawValue: 0x1)
    /// The corresponding C constant is `SHF_ALLOC`.
    package static let alloc = SectionFlags(rawValue: 0x2)
    /// The corresponding C constant is `SHF_EXECINSTR`.
    package static let executable = SectionFlags(rawValue: 0x4)
    /// The corresponding C constant is `SHF_MERGE`.
    package static let merge = SectionFlags(rawValue: 0x10)
    /// The corresponding C constant is `SHF_STRINGS`.
    package static let strings = SectionFlags(rawValue: 0x20)
    /// The corresponding C constant is `SHF_INFO_LINK`.
    package static let infoLink = SectionFlags(rawValue: 0x40)
    /// The corresponding C constant is `SHF_GROUP`.
    package static let group = SectionFlags(rawValue: 0x200)
    /// The corresponding C constant is `SHF_RELA_LIVEPATCH` (0x00100000, include/uapi/linux/elf.h);
    /// not in glibc's `<elf.h>`.
    package static let relaLivepatch = SectionFlags(rawValue: 0x0010_0000)
    /// The corresponding C constant is `SHF_RO_AFTER_INIT` (0x00200000, include/uapi/linux/elf.h).
    package static let readOnlyAfterInit = SectionFlags(rawValue: 0x0020_0000)
}

extension Section {
    /// A section header as values, for tests that build synthetic inputs (no file behind it).
    package init(index: Int, name: String, type: SectionType, flags: SectionFlags, size: UInt64 = 0,
                 link: Int = 0, info: Int = 0, alignment: UInt64 = 1, entrySize: UInt64 = 0) {
        self.init(index: index, name: name, type: type, flags: flags, address: 0, fileOffset: 0, size: size,
                  link: link, info: info, alignment: alignment, entrySize: entrySize)
    }
}
