#if canImport(Glibc)
import Glibc
#endif

/// The structural checks `ELFFile` makes when it opens a file, beyond what libelf checks.
///
/// libelf accepts section headers whose data overlaps other sections, the ELF header or the
/// section header table, and relocation sections whose `sh_info` names no section; the kernel's
/// module loader (`elf_validity_check()`, kernel/module/main.c) refuses the first. Each problem is
/// an `ELFError.malformed` naming the section.
extension ELFFile {
    /// Throws the first layout problem: a section's file bytes outside the file or overlapping
    /// the ELF header, the section header table or another section; a relocation section whose
    /// `sh_info` is not a section index.
    static func checkLayout(_ sections: [Section], fileSize: UInt64, sectionHeaderOffset: UInt64,
                            path: String) throws(ELFError) {
        let headerTable = sectionHeaderOffset..<(sectionHeaderOffset + 64 * UInt64(sections.count))
        var occupied: [(range: Range<UInt64>, name: String)] = [(0..<64, "the ELF header"),
                                                               (headerTable, "the section header table")]
        for section in sections.dropFirst() where section.type != .noBits && section.size > 0 {
            let name = "section [\(section.index)] \(section.name)"
            guard section.fileOffset <= fileSize, section.size <= fileSize - section.fileOffset else {
                throw .malformed(path, "\(name) (offset 0x\(String(section.fileOffset, radix: 16)), size 0x\(String(section.size, radix: 16))) extends past the end of the file (0x\(String(fileSize, radix: 16)) bytes)")
            }
            occupied.append((section.fileOffset..<(section.fileOffset + section.size), name))
        }
        occupied.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        for (previous, next) in zip(occupied, occupied.dropFirst()) where previous.range.overlaps(next.range) {
            throw .malformed(path, "\(next.name) overlaps \(previous.name) in the file (offsets 0x\(String(next.range.lowerBound, radix: 16)) and 0x\(String(previous.range.lowerBound, radix: 16))..0x\(String(previous.range.upperBound, radix: 16)))")
        }
        for section in sections where section.isRelocationSection {
            guard section.info > 0, section.info < sections.count, section.info != section.index else {
                throw .malformed(path, "relocation section [\(section.index)] \(section.name) sh_info \(section.info) names no section to relocate (the file has \(sections.count))")
            }
        }
    }
}
