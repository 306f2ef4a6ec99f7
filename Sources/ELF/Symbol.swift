/// A symbol table entry (`Elf64_Sym`), with its name resolved through the linked string table.
///
/// Spec: ELF gABI, "Symbol Table"; `Documentation/livepatch/module-elf-format.rst` §4 for `SHN_LIVEPATCH`.
package struct Symbol: Sendable, Equatable {
    /// Index in `.symtab` (0 is the null symbol).
    package let index: Int
    package let name: String
    /// `st_value`: for a relocatable object, the offset in its section.
    package let value: UInt64
    /// `st_size`.
    package let size: UInt64
    /// `ELF64_ST_TYPE(st_info)`.
    package let type: SymbolType
    /// `ELF64_ST_BIND(st_info)`.
    package let binding: SymbolBinding
    /// `st_other` (visibility).
    package let other: UInt8
    /// `st_shndx`.
    package let sectionIndex: SectionIndex

    /// Defined in a real section of this file (not undefined, absolute, common or livepatch).
    package var isDefinedInSection: Bool { sectionIndex.isOrdinary && sectionIndex != .undefined }

    /// A symbol as values, for readers and for tests that build synthetic inputs.
    package init(index: Int, name: String, value: UInt64, size: UInt64, type: SymbolType,
                 binding: SymbolBinding, other: UInt8 = 0, sectionIndex: SectionIndex) {
        self.index = index
        self.name = name
        self.value = value
        self.size = size
        self.type = type
        self.binding = binding
        self.other = other
        self.sectionIndex = sectionIndex
    }
}

/// The type of a symbol (`ELF64_ST_TYPE`).
package struct SymbolType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The corresponding C constant is `STT_NOTYPE`.
    package static let noType = SymbolType(rawValue: 0)
    /// The corresponding C constant is `STT_OBJECT`.
    package static let object = SymbolType(rawValue: 1)
    /// The corresponding C constant is `STT_FUNC`.
    package static let function = SymbolType(rawValue: 2)
    /// The corresponding C constant is `STT_SECTION`.
    package static let section = SymbolType(rawValue: 3)
    /// The corresponding C constant is `STT_FILE`.
    package static let file = SymbolType(rawValue: 4)
    /// The corresponding C constant is `STT_TLS`.
    package static let threadLocal = SymbolType(rawValue: 6)

    package var description: String {
        switch self {
        case .noType: "NOTYPE"
        case .object: "OBJECT"
        case .function: "FUNC"
        case .section: "SECTION"
        case .file: "FILE"
        case .threadLocal: "TLS"
        default: String(rawValue)
        }
    }
}

/// The binding of a symbol (`ELF64_ST_BIND`).
package struct SymbolBinding: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The corresponding C constant is `STB_LOCAL`.
    package static let local = SymbolBinding(rawValue: 0)
    /// The corresponding C constant is `STB_GLOBAL`.
    package static let global = SymbolBinding(rawValue: 1)
    /// The corresponding C constant is `STB_WEAK`.
    package static let weak = SymbolBinding(rawValue: 2)

    package var description: String {
        switch self {
        case .local: "LOCAL"
        case .global: "GLOBAL"
        case .weak: "WEAK"
        default: String(rawValue)
        }
    }
}

/// A symbol's section index (`st_shndx`), including the reserved values.
package struct SectionIndex: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The corresponding C constant is `SHN_UNDEF`.
    package static let undefined = SectionIndex(rawValue: 0)
    /// The corresponding C constant is `SHN_LIVEPATCH` (0xff20, include/uapi/linux/elf.h);
    /// not in glibc's `<elf.h>`.
    package static let livepatch = SectionIndex(rawValue: 0xff20)
    /// The corresponding C constant is `SHN_ABS`.
    package static let absolute = SectionIndex(rawValue: 0xfff1)
    /// The corresponding C constant is `SHN_COMMON`.
    package static let common = SectionIndex(rawValue: 0xfff2)
    /// The corresponding C constant is `SHN_XINDEX`.
    package static let extended = SectionIndex(rawValue: 0xffff)

    /// Below `SHN_LORESERVE` (0xff00): an index into the section header table (or undefined).
    package var isOrdinary: Bool { rawValue < 0xff00 }

    package var description: String {
        switch self {
        case .undefined: "UND"
        case .livepatch: "OS [0xff20]"
        case .absolute: "ABS"
        case .common: "COM"
        default: isOrdinary ? String(rawValue) : "0x" + String(rawValue, radix: 16)
        }
    }
}
