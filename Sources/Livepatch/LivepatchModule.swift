import ELF

/// A livepatch kernel module read into values: its ELF tables, `.modinfo`, `__versions` and the
/// patch it describes. Nothing here refers back to the file, so it can cross threads and feed the Planner.
package struct LivepatchModule: Sendable {
    /// The file name as given on the command line (used in diagnostics).
    package let file: String
    /// The module name: `.modinfo name=`, else the file name without `.ko`.
    package let name: String
    package let modinfo: ModuleInfo
    package let versions: [ModuleVersion]
    package let sections: [Section]
    package let symbols: [Symbol]
    package let relocationSections: [RelocationSection]
    package let patch: KlpPatch

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
        symbols.first {
            ($0.type == .function || $0.type == .object) && Int($0.sectionIndex.rawValue) == location.section
                && $0.sectionIndex.isOrdinary && $0.value <= location.offset
                && (location.offset < $0.value + max($0.size, 1))
        }
    }
}
