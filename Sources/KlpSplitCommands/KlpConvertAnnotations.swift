import Convert
import ELF
import Planner

/// klp-convert's `KLP_MODULE_RELOC`/`KLP_SYMPOS` annotations (`.klp.module_relocs.<obj>`) of a
/// livepatch, which `plan`, `build` and `convert` all honour.
enum KlpConvertAnnotations {
    /// The annotations, each tied to its translation unit through the module's DWARF; none when the
    /// module has no `.klp.module_relocs.*` section.
    static func read(elf: ELFFile, image: ELFImage? = nil, file: String) throws -> [SymposAnnotation] {
        guard elf.sections.contains(where: { $0.name.hasPrefix(".klp.module_relocs.") }) else { return [] }
        return try AnnotationReader.read(image: try image ?? ELFImage(reading: elf), units: try elf.translationUnits(), file: file)
    }
}
