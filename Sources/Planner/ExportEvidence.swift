import ELF
import KernelWorld
import Livepatch

/// The facts `ExportOwnership` decides from, taken from the target kernel (which part can resolve
/// a symbol) and the livepatch's DWARF (which compile unit holds which part's code), and the
/// diagnostics for its decisions.
extension PlanningContext {
    func exportFacts(partCount: Int) -> ExportOwnership.Facts {
        let unitParts = rootUnits()
        let units = input.translationUnits
        return ExportOwnership.Facts(
            partCount: partCount, mainPart: mainPart,
            capableParts: { symbol in capableParts(symbol, partCount: partCount) },
            unitPart: { location in
                guard let unit = units.firstIndex(where: { unit in
                    unit.covers(section: location.section, offset: location.offset)
                        || unit.variables.contains { $0.section == location.section && $0.offset == location.offset }
                }), let parts = unitParts[unit], parts.count == 1 else { return nil }
                return parts.first
            })
    }

    /// For each compile unit, the parts whose replacement functions and callbacks it holds.
    private func rootUnits() -> [Int: Set<Int>] {
        var parts: [Int: Set<Int>] = [:]
        let used = livepatch.patch.objects.filter { object in
            (try? ObjectName(normalizing: object.name ?? "vmlinux")).map(objects.contains) ?? false
        }
        for (part, object) in used.enumerated() {
            let locations = object.functions.map(\.newFunctionLocation) + object.callbacks.map(\.location)
            for location in locations {
                for (index, unit) in input.translationUnits.enumerated()
                where unit.covers(section: location.section, offset: location.offset) {
                    parts[index, default: []].insert(part)
                }
            }
        }
        return parts
    }

    /// The parts that can apply a relocation against an external symbol, by the same rules as the
    /// classification: a klp symbol of module X only X's part; an export of module X X's part and
    /// the parts of modules depending on X; a non-exported name the parts whose module has it.
    /// Nil when every part can (vmlinux's symbols) or none can (an unresolved name).
    func capableParts(_ symbol: Symbol, partCount: Int) -> Set<Int>? {
        let all = Set(0..<partCount)
        let able: Set<Int>
        if symbol.sectionIndex == .livepatch {
            guard let parsed = KlpNames.parseSymbol(symbol.name), parsed.object != "vmlinux" else { return nil }
            able = all.filter { objects[$0].rawValue == parsed.object }
        } else if symbol.sectionIndex == .undefined {
            switch input.exports.lookup(symbol.name) {
            case .conflicting:
                return nil
            case .unique(let export):
                if export.owner.isVmlinux { return nil }
                able = all.filter { part in
                    objects[part] == export.owner
                        || (!objects[part].isVmlinux && input.dependencies[objects[part]]?.contains(export.owner) == true)
                }
            case .none:
                if input.symbolOrder[.vmlinux]?.contains(symbol.name) == true { return nil }
                able = all.filter { part in
                    !objects[part].isVmlinux && input.symbolOrder[objects[part]]?.contains(symbol.name) == true
                }
            }
        } else {
            return nil
        }
        return able.isEmpty || able == all ? nil : able
    }

    /// A note for every export the evidence placed, an error for every conflict.
    mutating func reportExportOwnership(_ ownership: Ownership) {
        for (section, decision) in ownership.exports.sorted(by: { $0.key < $1.key }) {
            let site = livepatch.sections[section].name
            let symbol = decision.symbol
            if let evidence = decision.evidence {
                let needed = evidence == .needs ? " (\(decision.needs.map { "'\($0.symbol)'" }.joined(separator: ", ")))" : ""
                note("export-owner", site, "'\(symbol)' is exported by part '\(partNames[decision.owner])': \(evidence.rawValue)\(needed)")
                continue
            }
            switch decision.conflict {
            case .needs(let needs)?:
                let list = needs.map { need in
                    "'\(need.symbol)' (\(need.parts.sorted().map { "'\(partNames[$0])'" }.joined(separator: " or ")))"
                }.joined(separator: ", ")
                fail("export-owner-conflict", site,
                     "exported '\(symbol)' needs symbols that no one part can resolve: \(list); split it into one function per part, each in the source file of the part whose symbols it uses")
            case .disagree(let first, let firstPart, let second, let secondPart)?:
                fail("export-owner-conflict", site,
                     "exported '\(symbol)' belongs to part '\(partNames[firstPart])' because \(first.rawValue), but to part '\(partNames[secondPart])' because \(second.rawValue); define it in the source file of the part that should export it (one file per patched object)")
            case .undecided(let parts)?:
                let names = parts.sorted().map { "'\(partNames[$0])'" }.joined(separator: ", ")
                fail("export-owner-undecided", site,
                     "nothing decides which part exports '\(symbol)' (candidates: \(names)): it needs no object's own symbols, and no compile unit holds one part's code alone; define it in the source file of the part that should export it (one file per patched object), or patch vmlinux too so that the main part exports it")
            case nil:
                break
            }
        }
    }
}
