import CLibDW

/// A range of bytes in one section of a relocatable file: `start..<end` are offsets in the section.
package struct SectionRange: Sendable, Equatable, Hashable {
    /// The ELF section index.
    package let section: Int
    package let start: UInt64
    package let end: UInt64

    package init(section: Int, start: UInt64, end: UInt64) {
        self.section = section
        self.start = start
        self.end = end
    }

    package func contains(section: Int, offset: UInt64) -> Bool {
        self.section == section && offset >= start && offset < max(end, start + 1)
    }
}

/// One compilation unit of a module linked from several object files (`ld -r`): its name, the code
/// it contributed and where its top-level variables are, in section terms.
///
/// DWARF: the unit DIE's `DW_AT_low_pc`/`DW_AT_high_pc` or `DW_AT_ranges` (one range per function
/// section with -ffunction-sections), and each top-level `DW_TAG_variable` whose `DW_AT_location` is
/// a single `DW_OP_addr`.
package struct TranslationUnit: Sendable, Equatable {
    /// `DW_AT_name` of the unit, for example `/klp-split/Fixtures/src/lp_twofiles/a.c`.
    package let name: String
    /// Code (and any other addressed ranges) of the unit.
    package var code: [SectionRange] = []
    /// Top-level variables with a static address: name and start.
    package var variables: [(name: String, section: Int, offset: UInt64)] = []

    package init(name: String) { self.name = name }

    package static func == (a: TranslationUnit, b: TranslationUnit) -> Bool {
        a.name == b.name && a.code == b.code && a.variables.map { "\($0.name)@\($0.section)+\($0.offset)" }
            == b.variables.map { "\($0.name)@\($0.section)+\($0.offset)" }
    }

    /// Whether this unit's code covers a byte of a section.
    package func covers(section: Int, offset: UInt64) -> Bool {
        code.contains { $0.contains(section: section, offset: offset) }
    }
}

/// Reads the compilation units of an ET_REL module through libdwfl's offline reporting, which gives
/// every `SHF_ALLOC` section an address and applies the `.rela.debug_*` relocations; addresses are
/// mapped back to (section, offset) with `dwfl_module_relocate_address`.
///
/// Like `StructLayoutReader`, everything happens inside one call (libdw is not thread-safe).
enum TranslationUnitReader {
    static func read(path: String, bytes: UnsafeRawBufferPointer? = nil) throws(ELFError) -> [TranslationUnit] {
        let session = try OfflineDwarf(path: path, bytes: bytes)
        defer { withExtendedLifetime(session) {} }
        let module = session.module

        /// (section, offset) of an address, or nil.
        func locate(_ address: Dwarf_Addr) -> (section: Int, offset: UInt64)? {
            var relative = address
            let index = dwfl_module_relocate_address(module, &relative)
            guard index >= 0 else { return nil }
            var sectionIndex: GElf_Word = 0
            guard dwfl_module_relocation_info(module, UInt32(index), &sectionIndex) != nil else { return nil }
            return (Int(sectionIndex), relative)
        }

        var units: [TranslationUnit] = []
        try session.forEachUnit(path: path) { (unitDie: inout Dwarf_Die) throws(ELFError) in
            let name = dwarf_diename(&unitDie).map { String(cString: $0) } ?? "<unit \(units.count)>"
            var result = TranslationUnit(name: name)
            var offset: Int = 0
            var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
            while true {
                offset = Int(dwarf_ranges(&unitDie, offset, &base, &start, &end))
                if offset <= 0 { break }
                guard end > start, let located = locate(start) else { continue }
                result.code.append(SectionRange(section: located.section, start: located.offset,
                                                end: located.offset + (end - start)))
            }
            var child = Dwarf_Die()
            if dwarf_child(&unitDie, &child) == 0 {
                repeat {
                    if dwarf_tag(&child) == Int32(DW_TAG_variable), let variableName = dwarf_diename(&child) {
                        var attribute = Dwarf_Attribute()
                        var expression: UnsafeMutablePointer<Dwarf_Op>? = nil
                        var length: Int = 0
                        if dwarf_attr(&child, UInt32(DW_AT_location), &attribute) != nil,
                           dwarf_getlocation(&attribute, &expression, &length) == 0, length == 1,
                           let operation = expression?.pointee, operation.atom == UInt8(DW_OP_addr),
                           let located = locate(operation.number) {
                            result.variables.append((String(cString: variableName), located.section, located.offset))
                        }
                    }
                    var sibling = Dwarf_Die()
                    guard dwarf_siblingof(&child, &sibling) == 0 else { break }
                    child = sibling
                } while true
            }
            units.append(result)
        }
        return units
    }
}

extension ELFFile {
    /// The compilation units of this module's own DWARF; empty when it has none.
    package func translationUnits() throws(ELFError) -> [TranslationUnit] {
        guard hasDWARF else { return [] }
        return try withDecompressedBytes { (bytes) throws(ELFError) in try TranslationUnitReader.read(path: path, bytes: bytes) }
    }
}
