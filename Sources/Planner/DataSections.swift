import ELF
import KernelWorld
import Livepatch

/// Parts are cut along sections, so data of different parts needs sections of its own
/// (`-fdata-sections`). Without it, `.data`, `.bss` and `.rodata` hold the data of every part.
///
/// klp-split keeps one whole section per part and does not split a section by symbol, so it refuses
/// (issue 15) when a split part would carry data that is not its own:
/// - the klp structs share a section with other data: every part would get its own copy of that
///   data (writable state silently duplicated, pointers into other parts' code);
/// - a data section holding several objects is used by several parts and is writable, or has
///   relocations: each part would carry the others' objects and their pointers.
/// Read-only data without relocations may be duplicated whole; one part may carry any section whole.
/// `convert` keeps the whole module, so it needs neither.
extension PlanningContext {
    mutating func checkDataSections(_ roles: [SectionRole], _ ownership: Ownership) -> Set<Int> {
        guard objects.count > 1 else { return [] }
        let patch = livepatch.patch
        var klpStarts: Set<Location> = []
        if let location = patch.patchLocation { klpStarts.insert(location) }
        if let first = patch.objects.compactMap(\.entry).min() { klpStarts.insert(first) }
        for object in patch.objects { if let funcs = object.functionsArray { klpStarts.insert(funcs) } }
        var objectsBySection: [Int: [Symbol]] = [:]
        for symbol in livepatch.symbols where symbol.type == .object && symbol.size > 0 && symbol.isDefinedInSection {
            objectsBySection[Int(symbol.sectionIndex.rawValue), default: []].append(symbol)
        }
        let relocated = Set(livepatch.relocationSections.filter { !$0.entries.isEmpty }.map(\.targetIndex))
        var refused: Set<Int> = []
        for (section, symbols) in objectsBySection.sorted(by: { $0.key < $1.key }) where section < roles.count {
            let flags = livepatch.sections[section].flags
            guard !flags.contains(.executable), !(flags.contains(.merge) && flags.contains(.strings)) else { continue }
            let name = livepatch.sections[section].name
            if patch.source == .klpStructs && patch.metadataSections.contains(section) {
                let others = symbols.filter { !klpStarts.contains(Location(section: section, offset: $0.value)) }
                guard !others.isEmpty else { continue }
                fail("no-data-sections", name,
                     "the klp structs share this section with \(Self.list(others.map(\.name))), so every part would carry its own copy of them; rebuild the livepatch with KCFLAGS=-fdata-sections (or ccflags-y += -fdata-sections)")
                refused.insert(section)
                continue
            }
            guard roles[section] == .content, symbols.count > 1, ownership.pieces[section] == nil,
                  SectionPieces.compilerSections.contains(name) else { continue }
            let parts = ownership.partsCarrying(section: section)
            guard parts.count > 1, flags.contains(.write) || relocated.contains(section) else { continue }
            let names = parts.sorted().map { partNames[$0] }
            fail("no-data-sections", name,
                 "\(Self.list(symbols.map(\.name))) share this section and parts \(names.joined(separator: ", ")) use it, so each part would carry the others' data; rebuild the livepatch with KCFLAGS=-fdata-sections (or ccflags-y += -fdata-sections)")
            refused.insert(section)
        }
        return refused
    }

    /// Sections holding several objects that `SectionPieces` cannot split: an error when two parts
    /// use them (`unsplittable-section`), never reported as shared state. Returns those sections.
    mutating func reportUnsplittable(_ sections: [Int: SectionPieces.Unsplittable], _ ownership: Ownership) -> Set<Int> {
        var refused: Set<Int> = []
        for (section, problem) in sections.sorted(by: { $0.key < $1.key }) {
            let parts = ownership.partsCarrying(section: section)
            guard parts.count > 1 else { continue }
            let names = parts.sorted().map { partNames[$0] }
            fail("unsplittable-section", livepatch.sections[section].name,
                 "\(Self.list(problem.objects)) share this section and parts \(names.joined(separator: ", ")) use it, but klp-split cannot split it by object: \(problem.reason); give each part's objects a section of their own (__section(\".data.<name>\")), or report the section if the kernel defines it")
            refused.insert(section)
        }
        return refused
    }

    /// The kernel version the livepatch was built for (its vermagic), which fixes entry sizes.
    var targetVersion: KernelVersion? {
        livepatch.modinfo.value("vermagic").flatMap(KernelVersion.init(release:))
    }

    /// The first three names, sorted, and how many more.
    static func list(_ names: [String]) -> String {
        let sorted = Set(names).sorted()
        return sorted.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (sorted.count > 3 ? " and \(sorted.count - 3) more" : "")
    }
}
