import ELF

/// A relocation section with its entries and the section they apply to (`sh_info`).
package struct RelocationSection: Sendable {
    package let section: Section
    /// The section the relocations patch (`sh_info`).
    package let targetIndex: Int
    package let entries: [Relocation]

    package init(section: Section, targetIndex: Int, entries: [Relocation]) {
        self.section = section
        self.targetIndex = targetIndex
        self.entries = entries
    }
}
