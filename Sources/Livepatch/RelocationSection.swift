import ELF

/// A relocation section with its entries and the section they apply to (`sh_info`).
package struct RelocationSection: Sendable {
    package let section: Section
    /// The section the relocations patch (`sh_info`).
    package let targetIndex: Int
    package let entries: [Relocation]
    /// For PC-relative relocations in code: the immediate bytes after the displacement
    /// (`RipRelativeOperand`), by entry index; absent means none.
    package var immediateSizes: [Int: UInt64] = [:]

    package init(section: Section, targetIndex: Int, entries: [Relocation]) {
        self.section = section
        self.targetIndex = targetIndex
        self.entries = entries
    }

    /// The offset, in the section of `symbol`, of the byte entry `index` names: symbol + addend,
    /// plus the distance from the field to the end of its instruction for PC-relative relocations
    /// in code (`Architecture.referencedOffsetBias(type:)`: on x86-64 R_X86_64_PC32 2, PLT32 4,
    /// GOTPCREL 9, GOTPCRELX 41, REX_GOTPCRELX 42; none on ppc64le).
    package func referencedOffset(entry index: Int, symbolValue: UInt64, inCode: Bool,
                                  architecture: Architecture = .x86_64) -> UInt64 {
        let entry = entries[index]
        var offset = Int64(bitPattern: symbolValue) &+ entry.addend
        let bias = architecture.referencedOffsetBias(type: entry.type)
        if inCode, bias != 0 { offset &+= bias &+ Int64(immediateSizes[index] ?? 0) }
        return UInt64(max(0, offset))
    }
}
