import CLibDW

/// Reads struct layouts from a module's own DWARF through libdwfl's offline reporting.
///
/// An ET_REL module's `.debug_*` sections are not relocated yet: a `DW_FORM_strp` or
/// `DW_FORM_strx` name is 0 plus a `.rela.debug_info` / `.rela.debug_str_offsets` addend.
/// `dwfl_report_offline` with `dwfl_offline_section_address` lets libdwfl apply those relocations
/// when `dwfl_module_getdwarf` loads the DWARF. No separate debuginfo file is looked for (not in
/// /usr/lib/debug, not through debuginfod): only the module's own DWARF counts.
///
/// Everything happens inside one call, from `dwfl_begin` to `dwfl_end`: Debian's libdw and libelf
/// are not thread-safe, so no handle outlives the call or crosses threads.
enum StructLayoutReader {
    /// Layouts of the named structs that are defined (not only declared) in the file's DWARF.
    ///
    /// A struct the DWARF does not describe is absent from the result. Two different definitions of
    /// one struct in the same file are an error: the caller cannot tell which one the code uses.
    static func read(path: String, bytes: UnsafeRawBufferPointer? = nil, named names: Set<String>) throws(ELFError) -> [String: StructLayout] {
        guard !names.isEmpty else { return [:] }
        let session = try OfflineDwarf(path: path, bytes: bytes)
        defer { withExtendedLifetime(session) {} }
        var walker = Walker(path: path, names: names)
        try walker.walkUnits(session)
        return walker.found
    }

    /// The last libdwfl error, as text.
    static func dwflMessage() -> String {
        guard let message = dwfl_errmsg(-1) else { return "unknown libdwfl error" }
        return String(cString: message)
    }

    /// The last libdw error, as text.
    static func dwarfMessage() -> String {
        guard let message = dwarf_errmsg(-1) else { return "unknown libdw error" }
        return String(cString: message)
    }

    /// Walks the top-level DIEs of every unit and collects the named struct definitions.
    private struct Walker {
        let path: String
        let names: Set<String>
        var found: [String: StructLayout] = [:]

        mutating func walkUnits(_ session: OfflineDwarf) throws(ELFError) {
            try session.forEachUnit(path: path) { (unitDie: inout Dwarf_Die) throws(ELFError) in
                try walkChildren(of: &unitDie)
            }
        }

        private mutating func walkChildren(of parent: inout Dwarf_Die) throws(ELFError) {
            var die = Dwarf_Die()
            guard dwarf_child(&parent, &die) == 0 else { return }
            while true {
                if dwarf_tag(&die) == Int32(DW_TAG_structure_type), dwarf_hasattr(&die, UInt32(DW_AT_declaration)) == 0,
                   let cName = dwarf_diename(&die), names.contains(String(cString: cName)) {
                    let layout = try structLayout(&die, name: String(cString: cName))
                    if let earlier = found[layout.name], earlier != layout {
                        throw .malformed(path, ".debug_info describes struct \(layout.name) twice, with different layouts (sizeof \(earlier.byteSize) and \(layout.byteSize))")
                    }
                    found[layout.name] = layout
                }
                var sibling = Dwarf_Die()
                let status = dwarf_siblingof(&die, &sibling)
                if status == 1 { return }
                guard status == 0 else {
                    throw .malformed(path, ".debug_info: unreadable DIE (\(dwarfMessage()))")
                }
                die = sibling
            }
        }

        private func structLayout(_ die: inout Dwarf_Die, name: String) throws(ELFError) -> StructLayout {
            let byteSize = dwarf_bytesize(&die)
            guard byteSize >= 0 else {
                throw .malformed(path, ".debug_info: struct \(name) has no DW_AT_byte_size (\(dwarfMessage()))")
            }
            var members: [StructLayout.Member] = []
            try collectMembers(of: &die, in: name, base: 0, into: &members)
            return StructLayout(name: name, byteSize: UInt64(byteSize), members: members)
        }

        /// Appends the `DW_TAG_member` children of a struct or union, lifting anonymous aggregates.
        private func collectMembers(of parent: inout Dwarf_Die, in structName: String, base: UInt64,
                                    into members: inout [StructLayout.Member]) throws(ELFError) {
            var die = Dwarf_Die()
            guard dwarf_child(&parent, &die) == 0 else { return }
            while true {
                if dwarf_tag(&die) == Int32(DW_TAG_member) {
                    try member(&die, in: structName, base: base, into: &members)
                }
                var sibling = Dwarf_Die()
                let status = dwarf_siblingof(&die, &sibling)
                if status == 1 { return }
                guard status == 0 else {
                    throw .malformed(path, ".debug_info: unreadable member of struct \(structName) (\(dwarfMessage()))")
                }
                die = sibling
            }
        }

        private func member(_ die: inout Dwarf_Die, in structName: String, base: UInt64,
                            into members: inout [StructLayout.Member]) throws(ELFError) {
            let name = dwarf_diename(&die).map { String(cString: $0) }
            var typeAttribute = Dwarf_Attribute()
            var type = Dwarf_Die()
            guard dwarf_attr_integrate(&die, UInt32(DW_AT_type), &typeAttribute) != nil,
                  dwarf_formref_die(&typeAttribute, &type) != nil else {
                throw .malformed(path, ".debug_info: member \(name ?? "(anonymous)") of struct \(structName) has no type (\(dwarfMessage()))")
            }
            var size: Dwarf_Word = 0
            guard dwarf_aggregate_size(&type, &size) == 0 else {
                throw .malformed(path, ".debug_info: member \(name ?? "(anonymous)") of struct \(structName) has a type of unknown size (\(dwarfMessage()))")
            }
            let bitSize = try unsigned(&die, DW_AT_bit_size, member: name, in: structName)
            var offset: UInt64
            if let location = try memberLocation(&die, member: name, in: structName) {
                offset = location
            } else if let bitOffset = try unsigned(&die, DW_AT_data_bit_offset, member: name, in: structName) {
                // A DWARF 4+ bit-field: report the storage unit that holds it, as gdb does.
                offset = size > 0 ? bitOffset / (8 * size) * size : bitOffset / 8
            } else {
                offset = 0 // a union member
            }
            offset += base
            guard let name else {
                // An anonymous struct or union member: its members belong to the enclosing struct.
                var aggregate = Dwarf_Die()
                guard dwarf_peel_type(&type, &aggregate) == 0 else { return }
                let tag = dwarf_tag(&aggregate)
                if tag == Int32(DW_TAG_structure_type) || tag == Int32(DW_TAG_union_type) {
                    try collectMembers(of: &aggregate, in: structName, base: offset, into: &members)
                }
                return
            }
            members.append(StructLayout.Member(name: name, offset: offset, size: UInt64(size), bitSize: bitSize))
        }

        /// `DW_AT_data_member_location`: a constant, or (DWARF 2/3) a `DW_OP_plus_uconst` expression.
        private func memberLocation(_ die: inout Dwarf_Die, member: String?, in structName: String) throws(ELFError) -> UInt64? {
            var attribute = Dwarf_Attribute()
            guard dwarf_attr(&die, UInt32(DW_AT_data_member_location), &attribute) != nil else { return nil }
            var value: Dwarf_Word = 0
            if dwarf_formudata(&attribute, &value) == 0 { return value }
            var operations: UnsafeMutablePointer<Dwarf_Op>? = nil
            var count = 0
            if dwarf_getlocation(&attribute, &operations, &count) == 0, count == 1, let operations,
               operations[0].atom == UInt8(DW_OP_plus_uconst) {
                return operations[0].number
            }
            throw .malformed(path, ".debug_info: member \(member ?? "(anonymous)") of struct \(structName) has a DW_AT_data_member_location that is not a constant offset")
        }

        private func unsigned(_ die: inout Dwarf_Die, _ name: Int, member: String?, in structName: String) throws(ELFError) -> UInt64? {
            var attribute = Dwarf_Attribute()
            guard dwarf_attr(&die, UInt32(name), &attribute) != nil else { return nil }
            var value: Dwarf_Word = 0
            guard dwarf_formudata(&attribute, &value) == 0 else {
                throw .malformed(path, ".debug_info: member \(member ?? "(anonymous)") of struct \(structName) has an unreadable attribute 0x\(String(name, radix: 16)) (\(dwarfMessage()))")
            }
            return value
        }
    }
}

extension StructLayout {
    /// Reads the layout of one struct from the DWARF of the file at `path`.
    ///
    /// - Returns: nil when the file has no DWARF (`.debug_info`) or the DWARF defines no such struct.
    /// - Throws: `ELFError` when the file is not a readable x86-64 ELF file or its DWARF is broken.
    package static func read(path: String, named name: String) throws(ELFError) -> StructLayout? {
        try read(path: path, named: [name])[name]
    }

    /// Reads the layouts of several structs in one pass over the DWARF of the file at `path`.
    ///
    /// - Returns: the structs the DWARF defines, by name; empty when the file has no DWARF.
    package static func read(path: String, named names: [String]) throws(ELFError) -> [String: StructLayout] {
        try ELFFile(path: path).structLayouts(named: names)
    }
}

extension ELFFile {
    /// Whether the file carries DWARF of its own (a `.debug_info` section, or the old `.zdebug_info`).
    package var hasDWARF: Bool {
        sections.contains { ($0.name == ".debug_info" || $0.name == ".zdebug_info") && $0.size > 0 && $0.type != .noBits }
    }

    /// Reads the layouts of the named structs from this file's own DWARF.
    ///
    /// - Returns: the structs the DWARF defines, by name; empty when the file has no DWARF.
    package func structLayouts(named names: [String]) throws(ELFError) -> [String: StructLayout] {
        guard hasDWARF else { return [:] }
        return try withDecompressedBytes { (bytes) throws(ELFError) in
            try StructLayoutReader.read(path: path, bytes: bytes, named: Set(names))
        }
    }
}
