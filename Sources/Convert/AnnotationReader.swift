import ELF
import Planner

/// Reads klp-convert's annotations: every `.klp.module_relocs.<obj>` section is an array of packed
/// 12-byte `struct klp_module_reloc { void *sym; u32 sympos; }` (klp-convert v7,
/// include/uapi/linux/livepatch.h), and entry i's symbol is named by the relocation at offset 12·i.
///
/// Each entry is tied to the compilation unit whose top-level variable (the annotation array) starts
/// at or before it in the section (DWARF, `TranslationUnit.variables`), and so to that unit's code
/// and to its other top-level variables (their extent is the `st_size` of the symbol at their
/// address), so a pointer table of the unit is covered too. Without DWARF the entry applies to
/// every site of its name, as in klp-convert.
package enum AnnotationReader {
    /// Size of `struct klp_module_reloc` (packed: 8-byte pointer + u32).
    static let entrySize = 12
    static let prefix = ".klp.module_relocs."

    package static func read(image: ELFImage, units: [TranslationUnit], file: String) throws(ConvertError) -> [SymposAnnotation] {
        var annotations: [SymposAnnotation] = []
        for (index, section) in image.sections.enumerated() where section.name.hasPrefix(prefix) {
            let object = String(section.name.dropFirst(prefix.count))
            guard case .bytes(let bytes) = section.contents else { continue }
            guard bytes.count % entrySize == 0 else {
                throw .unsupportedSection(file, section.name, "size \(bytes.count) is not a multiple of 12 (struct klp_module_reloc); rebuild with klp-convert's KLP_MODULE_RELOC()/KLP_SYMPOS() macros")
            }
            var relocations: [UInt64: Relocation] = [:]
            for table in image.sections where table.info == index {
                guard case .relocations(let entries) = table.contents else { continue }
                for entry in entries { relocations[entry.offset] = entry }
            }
            let arrays = units.flatMap { unit in
                unit.variables.filter { $0.section == index }.map { (offset: $0.offset, unit: unit) }
            }.sorted { $0.offset < $1.offset }
            for start in stride(from: 0, to: bytes.count, by: entrySize) {
                let location = "\(section.name)+0x\(String(start, radix: 16))"
                guard let relocation = relocations[UInt64(start)], relocation.symbolIndex > 0,
                      relocation.symbolIndex < image.symbols.count else {
                    throw .unsupportedSection(file, location, "annotation entry without a relocation naming its symbol (klp-convert: \"Couldn't find rela for annotated symbol\")")
                }
                let sympos = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[start + 8 + $1]) << (8 * UInt32($1)) }
                let owner = arrays.last { $0.offset <= UInt64(start) }?.unit
                annotations.append(SymposAnnotation(
                    object: object, symbol: image.symbols[relocation.symbolIndex].name, position: Int(sympos),
                    unit: owner.map { String($0.name.split(separator: "/").last ?? Substring($0.name)) },
                    code: owner.map { ranges(of: $0, image: image) } ?? [], location: location))
            }
        }
        return annotations
    }

    /// A unit's code, and its top-level variables outside the annotation sections.
    static func ranges(of unit: TranslationUnit, image: ELFImage) -> [SectionRange] {
        var ranges = unit.code
        for variable in unit.variables where variable.section < image.sections.count
            && !image.sections[variable.section].name.hasPrefix(prefix) {
            let size = image.symbols.first {
                $0.section.isOrdinary && Int($0.section.rawValue) == variable.section && $0.value == variable.offset
                    && $0.type == .object && $0.size > 0
            }?.size
            if let size { ranges.append(SectionRange(section: variable.section, start: variable.offset, end: variable.offset + size)) }
        }
        return ranges
    }
}
