import ELF

/// One klp-convert annotation, `KLP_SYMPOS(symbol, pos)` inside `KLP_MODULE_RELOC(obj)`: a packed
/// 12-byte `struct klp_module_reloc { void *sym; u32 sympos; }` in section `.klp.module_relocs.<obj>`,
/// whose relocation names the symbol (klp-convert v7, include/uapi/linux/livepatch.h; domain notes §3.2).
///
/// klp-convert matched annotations by NAME only, so two object files of one module could not give
/// one name two positions ("Conflicting KLP_SYMPOS definition", §3.5). klp-split applies an
/// annotation only to the relocation sites in the code and variables of the translation unit it was
/// written in (`code`), found through DWARF; `code` is empty when the unit is unknown, and then the annotation
/// applies to every site.
package struct SymposAnnotation: Sendable, Equatable {
    /// The object named by the section: `vmlinux` or a module.
    package let object: String
    package let symbol: String
    package let position: Int
    /// The compilation unit that holds the annotation (`DW_AT_name`), if known.
    package let unit: String?
    /// The code and top-level variables of that unit; a site outside them is not annotated by this entry.
    package let code: [SectionRange]
    /// Where the entry is, for messages: `.klp.module_relocs.vmlinux+0xc`.
    package let location: String

    package init(object: String, symbol: String, position: Int, unit: String?, code: [SectionRange], location: String) {
        self.object = object
        self.symbol = symbol
        self.position = position
        self.unit = unit
        self.code = code
        self.location = location
    }

    /// Whether the annotation applies to a site in the code at (section, offset).
    func applies(section: Int, offset: UInt64) -> Bool {
        code.isEmpty || code.contains { $0.contains(section: section, offset: offset) }
    }

    /// The annotation as C, for messages.
    package var source: String { "KLP_MODULE_RELOC(\(object)) { KLP_SYMPOS(\(symbol), \(position)) }" }
}
