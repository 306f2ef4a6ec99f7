import ELF
import KernelWorld
import Livepatch

/// A section that holds several objects of different parts and is split between them, never owned
/// whole (issue 19): each piece belongs to the parts whose code uses it.
///
/// - By entry (`entrySize` set): an array the kernel walks, such as `__dyndbg` (`struct _ddebug`);
///   a part keeps its own entries, packed (`SpecialSectionTable.descriptorTables`).
/// - By symbol (`entrySize` nil): explicit-section variables such as the `pr_warn_once` flags in
///   `.data.once` (`.data..once` since v6.7), `__read_mostly` data, any non-default data section
///   holding several symbols. The section keeps its layout; a part's copy holds only its own
///   objects' relocations.
package struct SectionPieces: Sendable, Equatable {
    /// The entry size of a table split by entry; nil for a section split by symbol.
    package let entrySize: UInt64?
    /// The pieces, ascending and disjoint.
    package let ranges: [Range<UInt64>]
    /// The symbol naming each piece, for messages.
    package let names: [String]
    /// Whether a piece several parts use is copied into each of them rather than being shared
    /// state: a dynamic debug descriptor is registered per module (each part lists its own copy in
    /// `/proc/dynamic_debug/control`), and a `pr_warn_once` flag then prints once per part.
    package var copiedPerPart = false

    /// The sections of the once-flags of include/linux/once_lite.h `DO_ONCE_LITE_IF`: `.data.once`
    /// until v6.6, `.data..once` since v6.7.
    static let onceSections: Set<String> = [".data.once", ".data..once"]

    /// The index of the piece holding `offset`, if any.
    package func piece(at offset: UInt64) -> Int? {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound <= offset { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].contains(offset) ? low : nil
    }

    /// Names the compiler gives data sections by itself; sections with several objects under these
    /// names come from a build without `-fdata-sections` (`DataSections` refuses those).
    static let compilerSections: Set<String> = [".data", ".bss", ".rodata", ".data.rel", ".data.rel.local",
                                               ".data.rel.ro", ".data.rel.ro.local", ".sdata", ".sbss"]

    /// Why a section holding several objects cannot be split by symbol.
    struct Unsplittable: Error {
        let section: Int
        let objects: [String]
        let reason: String
    }

    /// The pieces of every content section that holds several objects, and the sections that
    /// hold several objects but cannot be split.
    static func find(in livepatch: LivepatchModule, roles: [SectionRole], version: KernelVersion?)
        -> (pieces: [Int: SectionPieces], unsplittable: [Int: Unsplittable]) {
        let descriptors = SpecialSectionTable.descriptorTables(for: version)
        var objects: [Int: [Symbol]] = [:]
        for symbol in livepatch.symbols where symbol.type == .object && symbol.isDefinedInSection {
            objects[Int(symbol.sectionIndex.rawValue), default: []].append(symbol)
        }
        var pieces: [Int: SectionPieces] = [:]
        var unsplittable: [Int: Unsplittable] = [:]
        for (index, section) in livepatch.sections.enumerated() where index < roles.count && roles[index] == .content {
            let flags = section.flags
            guard !flags.contains(.executable), !(flags.contains(.merge) && flags.contains(.strings)) else { continue }
            if let size = descriptors[section.name] {
                let entrySize = section.entrySize > 0 ? section.entrySize : size
                guard section.size % entrySize == 0 else {
                    unsplittable[index] = Unsplittable(section: index, objects: (objects[index] ?? []).map(\.name),
                        reason: "its size \(section.size) is not a multiple of its entry size \(entrySize) for this kernel")
                    continue
                }
                let count = Int(section.size / entrySize)
                let byStart = Dictionary((objects[index] ?? []).map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
                let ranges = (0..<count).map { UInt64($0) * entrySize..<UInt64($0 + 1) * entrySize }
                pieces[index] = SectionPieces(entrySize: entrySize, ranges: ranges,
                                              names: ranges.map { byStart[$0.lowerBound] ?? "\(section.name)[\($0.lowerBound / entrySize)]" })
                pieces[index]?.copiedPerPart = true
                continue
            }
            let symbols = (objects[index] ?? []).filter { $0.size > 0 }.sorted { ($0.value, $0.name) < ($1.value, $1.name) }
            guard symbols.count > 1, !compilerSections.contains(section.name),
                  !livepatch.patch.metadataSections.contains(index) else { continue }
            var ranges: [Range<UInt64>] = []
            var names: [String] = []
            var problem: String?
            for symbol in symbols {
                let range = symbol.value..<(symbol.value + symbol.size)
                if let last = ranges.last, last == range { continue }  // an alias
                if let last = ranges.last, last.overlaps(range) {
                    problem = "'\(names.last ?? "")' and '\(symbol.name)' overlap"
                    break
                }
                ranges.append(range)
                names.append(symbol.name)
            }
            if problem == nil {
                var split = SectionPieces(entrySize: nil, ranges: ranges, names: names)
                split.copiedPerPart = onceSections.contains(section.name)
                problem = split.unattributed(in: livepatch, section: index)
                if problem == nil { pieces[index] = split; continue }
            }
            unsplittable[index] = Unsplittable(section: index, objects: symbols.map(\.name), reason: problem ?? "")
        }
        return (pieces, unsplittable)
    }

    /// A relocation in the section, or into it, that no piece holds; nil when there is none.
    private func unattributed(in livepatch: LivepatchModule, section: Int) -> String? {
        for table in livepatch.relocationSections {
            let inCode = table.targetIndex < livepatch.sections.count && livepatch.sections[table.targetIndex].flags.contains(.executable)
            for (position, entry) in table.entries.enumerated() {
                if table.targetIndex == section, piece(at: entry.offset) == nil {
                    return "a relocation at +0x\(String(entry.offset, radix: 16)) lies outside its objects"
                }
                guard entry.symbolIndex < livepatch.symbols.count else { continue }
                let symbol = livepatch.symbols[entry.symbolIndex]
                guard symbol.isDefinedInSection, Int(symbol.sectionIndex.rawValue) == section,
                      livepatch.sections[table.targetIndex].flags.contains(.alloc) else { continue }
                let offset = table.referencedOffset(entry: position, symbolValue: symbol.value, inCode: inCode, architecture: livepatch.architecture)
                if piece(at: offset) == nil {
                    return "\(table.section.name)+0x\(String(entry.offset, radix: 16)) points at +0x\(String(offset, radix: 16)), outside its objects"
                }
            }
        }
        return nil
    }
}
