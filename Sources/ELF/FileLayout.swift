/// Where an image's sections sit in its file: each section's `sh_offset` and the section header
/// table's `e_shoff`, as read from the input.
///
/// `ELFWriter` keeps this layout (libelf's `ELF_F_LAYOUT`) when it still fits the image it writes,
/// so a module read and written back unchanged has the same offsets, and `readelf -S` shows the
/// same table. When it does not fit (sections added, removed or grown), the writer lets libelf
/// lay the file out.
///
/// Spec: ELF gABI, "ELF Header" (`e_shoff`), "Sections" (`sh_offset`); libelf(3) `elf_flagelf`.
package struct FileLayout: Sendable, Equatable {
    /// `sh_offset` of each section, by section index (index 0 is the null section).
    package var sectionOffsets: [UInt64]
    /// `e_shoff`.
    package var sectionHeaderOffset: UInt64

    package init(sectionOffsets: [UInt64], sectionHeaderOffset: UInt64) {
        self.sectionOffsets = sectionOffsets
        self.sectionHeaderOffset = sectionHeaderOffset
    }

    /// Whether sections of these file sizes (`nil` for a section that takes no file space,
    /// `SHT_NOBITS`) and alignments fit this layout: one offset per section, every section with
    /// file bytes aligned and clear of the ELF header (64 bytes), the section header table (64
    /// bytes per entry, 8-aligned) and every other section.
    func fits(fileSizes: [UInt64?], alignments: [UInt64]) -> Bool {
        guard sectionOffsets.count == fileSizes.count, sectionHeaderOffset % 8 == 0 else { return false }
        let (tableSize, overflow) = UInt64(fileSizes.count).multipliedReportingOverflow(by: 64)
        guard !overflow, sectionHeaderOffset <= UInt64.max - tableSize else { return false }
        var occupied: [Range<UInt64>] = [0..<64, sectionHeaderOffset..<(sectionHeaderOffset + tableSize)]
        for index in fileSizes.indices.dropFirst() {
            guard let size = fileSizes[index], size > 0 else { continue }
            let offset = sectionOffsets[index]
            guard offset % max(alignments[index], 1) == 0, offset <= UInt64.max - size else { return false }
            occupied.append(offset..<(offset + size))
        }
        occupied.sort { $0.lowerBound < $1.lowerBound }
        return !zip(occupied, occupied.dropFirst()).contains { $0.upperBound > $1.lowerBound }
    }
}
