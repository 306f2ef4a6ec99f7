import ELF

/// A livepatch kernel module read into values: its ELF tables, `.modinfo`, `__versions` and the
/// patch it describes. Nothing here refers back to the file, so it can cross threads and feed the Planner.
package struct LivepatchModule: Sendable {
    /// The file name as given on the command line (used in diagnostics).
    package let file: String
    /// The processor and ABI the module is built for (`ELFFile.architecture`).
    package let architecture: Architecture
    /// The module name: `.modinfo name=`, else `struct module.name`, else the file name without
    /// `.ko` and with `-` as `_`; always a valid kbuild name (`InputNames.moduleName`).
    package let name: String
    package let modinfo: ModuleInfo
    package let versions: [ModuleVersion]
    /// `__version_ext_crcs`/`__version_ext_names` (`ExtendedVersions`); nil when the module has none.
    package var extendedVersions: [ModuleVersion]? = nil
    /// ppc64le: the `bl` calls (R_PPC64_REL24) with no nop after them, which cannot become calls
    /// into another module (`PPC64CallSites`); empty on x86-64.
    package var callsWithoutNop: Set<Location> = []
    package let sections: [Section]
    package let symbols: [Symbol]
    package let relocationSections: [RelocationSection]
    package let patch: KlpPatch
    /// By section index: the indices in `symbols` of the section's FUNC and OBJECT symbols, in
    /// `.symtab` order, so `symbolCovering(_:)` looks at one section's symbols, not all of them
    /// for every relocation.
    private let functionsAndObjectsBySection: [Int: [Int]]

    package init(file: String, name: String, modinfo: ModuleInfo, versions: [ModuleVersion], sections: [Section],
                 symbols: [Symbol], relocationSections: [RelocationSection], patch: KlpPatch,
                 architecture: Architecture = .x86_64) {
        self.file = file
        self.architecture = architecture
        self.name = name
        self.modinfo = modinfo
        self.versions = versions
        self.sections = sections
        self.symbols = symbols
        self.relocationSections = relocationSections
        self.patch = patch
        var bySection: [Int: [Int]] = [:]
        for (index, symbol) in symbols.enumerated()
        where (symbol.type == .function || symbol.type == .object) && symbol.sectionIndex.isOrdinary {
            bySection[Int(symbol.sectionIndex.rawValue), default: []].append(index)
        }
        functionsAndObjectsBySection = bySection
    }

    /// The symbol that best names a location: the defined FUNC/OBJECT symbol covering it, else the section.
    package func describe(_ location: Location) -> String {
        let section = sections[location.section]
        if let symbol = symbolCovering(location) {
            let delta = location.offset - symbol.value
            return delta == 0 ? symbol.name : "\(symbol.name)+0x\(String(delta, radix: 16))"
        }
        return "\(section.name)+0x\(String(location.offset, radix: 16))"
    }

    /// The defined function or object symbol whose extent covers a location.
    package func symbolCovering(_ location: Location) -> Symbol? {
        for index in functionsAndObjectsBySection[location.section] ?? [] {
            let symbol = symbols[index]
            if symbol.value <= location.offset && location.offset < symbol.value + max(symbol.size, 1) {
                return symbol
            }
        }
        return nil
    }
}
