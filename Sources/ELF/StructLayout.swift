/// The layout of one C struct as a module's own DWARF describes it (`DW_TAG_structure_type`):
/// `sizeof` and the offset and size of each member, as `gdb -batch -ex 'ptype/o struct NAME'` prints them.
///
/// Spec: DWARF 5, section 5.7 "Structure, Union, Class and Interface Type Entries".
/// Read with `StructLayout.read(path:named:)` or `ELFFile.structLayouts(named:)`.
package struct StructLayout: Sendable, Equatable {
    /// One data member (`DW_TAG_member`).
    package struct Member: Sendable, Equatable {
        /// `DW_AT_name`.
        package let name: String
        /// `DW_AT_data_member_location`: bytes from the start of the struct. For a bit-field, the
        /// offset of its storage unit (what `ptype/o` prints before the colon).
        package let offset: UInt64
        /// The size of the member's type in bytes (`dwarf_aggregate_size` of `DW_AT_type`);
        /// for a bit-field, the size of its storage unit.
        package let size: UInt64
        /// `DW_AT_bit_size` for a bit-field; nil for an ordinary member.
        package let bitSize: UInt64?

        package init(name: String, offset: UInt64, size: UInt64, bitSize: UInt64? = nil) {
            self.name = name
            self.offset = offset
            self.size = size
            self.bitSize = bitSize
        }
    }

    /// The struct tag, without `struct `.
    package let name: String
    /// `DW_AT_byte_size`: `sizeof(struct name)`.
    package let byteSize: UInt64
    /// The members in declaration order. Members of an anonymous struct or union member are listed
    /// in its place, with offsets from the start of this struct.
    package let members: [Member]

    package init(name: String, byteSize: UInt64, members: [Member]) {
        self.name = name
        self.byteSize = byteSize
        self.members = members
    }

    /// The first member with this name.
    package func member(_ name: String) -> Member? {
        members.first { $0.name == name }
    }

    /// Offset and size of each named member, by name (for a name used twice, the first).
    package var membersByName: [String: Member] {
        Dictionary(members.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
