import ELF

/// The compile units of a livepatch that exports symbols, which `plan` and `build` use to decide
/// which part exports what when each part's code comes from its own source file (issue 16).
enum LivepatchUnits {
    /// None when the livepatch exports nothing, has no DWARF, or its DWARF cannot be read: the
    /// compile unit is one signal among several, and without it the others decide.
    static func read(elf: ELFFile) -> [TranslationUnit] {
        guard elf.sections.contains(where: { $0.name.hasPrefix("__ksymtab") }) else { return [] }
        return (try? elf.translationUnits()) ?? []
    }
}
