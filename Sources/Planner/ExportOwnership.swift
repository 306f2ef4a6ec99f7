import ELF
import Livepatch

/// Who owns each section that holds a symbol the livepatch exports (`EXPORT_SYMBOL*`), from
/// evidence (issue 16). An export lives in exactly one part; the others reach it through a normal
/// relocation, which is category C (the owner is the main part) or D (another module part).
///
/// The evidence, strongest first:
/// 1. **needs**: the code (with the private helpers only it reaches) makes a relocation that only
///    some parts can apply: a klp symbol of module X, a non-exported symbol of X, or an export of X
///    (only X's part and the parts of modules depending on X). The owner must be one of them.
/// 2. **reach**: exactly one part's replacement code reaches it.
/// 3. **unit**: the compile unit that defines it (DWARF) holds the roots of exactly one part,
///    and of no other (one source file per patched object).
/// 4. **main part**: when nothing else decides and the patch has a main part.
///
/// Two signals naming different parts, needs that no part satisfies, or no signal at all are
/// conflicts; the planner reports them with the candidates and the fix.
struct ExportOwnership {
    /// What decided the owner.
    enum Evidence: String, Equatable, Sendable {
        case root = "it is the part's replacement code"
        case needs = "it needs symbols only that part can resolve"
        case reach = "only that part reaches it"
        case unit = "its compile unit holds that part's replacement code"
        case mainPart = "nothing else decides, so the main part"
    }

    /// Why no single owner follows from the evidence.
    enum Conflict: Equatable, Sendable {
        /// The code needs symbols that no one part can resolve all of: each symbol with its parts.
        case needs([Need])
        /// Two signals name different parts.
        case disagree(Evidence, Int, Evidence, Int)
        /// Nothing decides among these parts.
        case undecided(Set<Int>)
    }

    /// A relocation of the export's code that only some parts can apply.
    struct Need: Equatable, Sendable {
        let symbol: String
        let parts: Set<Int>
    }

    /// One exported section's decision.
    struct Decision: Equatable, Sendable {
        let section: Int
        /// The exported symbol that names the section.
        let symbol: String
        /// The owner; when `conflict` is set, a stand-in so that planning can go on.
        let owner: Int
        let evidence: Evidence?
        let conflict: Conflict?
        /// The relocations that only some parts can apply.
        var needs: [Need] = []
    }

    /// The facts about parts that the evidence comes from, as functions of the livepatch's values.
    struct Facts {
        let partCount: Int
        let mainPart: Int?
        /// The parts that can apply a relocation against this symbol; nil when every part can, or
        /// when no part can (then it is an unresolved reference, not evidence).
        let capableParts: (Symbol) -> Set<Int>?
        /// The only part whose replacement code comes from the compile unit defining this location.
        let unitPart: (Location) -> Int?
    }

    /// Decides every exported section that is not a part's root. `edges` are the ordinary
    /// relocations between content sections; `rootOwner` maps each root to its part.
    static func decide(livepatch: LivepatchModule, exported: [Int: Symbol], edges: [Int: Set<Int>],
                       rootOwner: [Int: Int], roots: [Int: Set<Int>], facts: Facts) -> [Int: Decision] {
        let pending = exported.keys.filter { rootOwner[$0] == nil }.sorted()
        guard !pending.isEmpty else { return [:] }
        let exportedSet = Set(exported.keys)

        // The code each export brings along: itself and the helpers reached through it, up to a
        // root or another export. Its relocations are the export's needs; the exports it reaches
        // are reached by its owner.
        var closure: [Int: Set<Int>] = [:]
        var calls: [Int: Set<Int>] = [:]
        for section in exportedSet {
            var seen: Set<Int> = [section]
            var queue = [section]
            while let next = queue.popLast() {
                for target in edges[next] ?? [] where !seen.contains(target) {
                    if exportedSet.contains(target) { calls[section, default: []].insert(target); continue }
                    if rootOwner[target] != nil { continue }
                    seen.insert(target)
                    queue.append(target)
                }
            }
            closure[section] = seen
        }
        // Parts whose own code (roots and non-exported helpers) reaches each export.
        var direct: [Int: Set<Int>] = [:]
        for (part, sections) in roots {
            var seen = sections
            var queue = Array(sections)
            while let next = queue.popLast() {
                for target in edges[next] ?? [] where !seen.contains(target) {
                    if let other = rootOwner[target], other != part { continue }
                    seen.insert(target)
                    if exportedSet.contains(target) && rootOwner[target] == nil {
                        direct[target, default: []].insert(part)
                        continue
                    }
                    queue.append(target)
                }
            }
        }
        var needs: [Int: [Need]] = [:]
        for section in pending {
            var list: [Need] = []
            for table in livepatch.relocationSections where closure[section]?.contains(table.targetIndex) ?? false {
                for entry in table.entries where entry.symbolIndex > 0 && entry.symbolIndex < livepatch.symbols.count {
                    let symbol = livepatch.symbols[entry.symbolIndex]
                    guard !symbol.isDefinedInSection, let parts = facts.capableParts(symbol),
                          !list.contains(where: { $0.symbol == symbol.name }) else { continue }
                    list.append(Need(symbol: symbol.name, parts: parts))
                }
            }
            needs[section] = list
        }

        var decisions: [Int: Decision] = [:]
        var owners: [Int: Int] = rootOwner.filter { exportedSet.contains($0.key) }
        var undecided = pending
        while !undecided.isEmpty {
            // An export reached from another export waits for that one's owner, unless they wait
            // for each other (then what is known decides).
            let ready = undecided.filter { section in
                !undecided.contains { $0 != section && calls[$0]?.contains(section) == true }
            }
            for section in ready.isEmpty ? [undecided[0]] : ready {
                var reach = direct[section] ?? []
                for (caller, targets) in calls where targets.contains(section) {
                    if let owner = owners[caller] { reach.insert(owner) }
                }
                let symbol = exported[section]?.name ?? livepatch.sections[section].name
                let location = Location(section: section, offset: exported[section]?.value ?? 0)
                let decision = decideOne(section: section, symbol: symbol, needs: needs[section] ?? [], reach: reach,
                                         unit: facts.unitPart(location), facts: facts)
                decisions[section] = decision
                owners[section] = decision.owner
                undecided.removeAll { $0 == section }
            }
        }
        return decisions
    }

    static func decideOne(section: Int, symbol: String, needs: [Need], reach: Set<Int>, unit: Int?,
                          facts: Facts) -> Decision {
        func decided(_ owner: Int, _ evidence: Evidence) -> Decision {
            Decision(section: section, symbol: symbol, owner: owner, evidence: evidence, conflict: nil, needs: needs)
        }
        func conflict(_ owner: Int, _ conflict: Conflict) -> Decision {
            Decision(section: section, symbol: symbol, owner: owner, evidence: nil, conflict: conflict, needs: needs)
        }
        var candidates = Set(0..<facts.partCount)
        for need in needs { candidates.formIntersection(need.parts) }
        if !needs.isEmpty {
            if candidates.isEmpty {
                return conflict(needs.flatMap(\.parts).min() ?? 0, .needs(needs))
            }
            if candidates.count == 1, let owner = candidates.first {
                if let unit, unit != owner { return conflict(owner, .disagree(.needs, owner, .unit, unit)) }
                return decided(owner, .needs)
            }
        }
        let reached = reach.intersection(candidates)
        if reached.count == 1, let owner = reached.first {
            if let unit, unit != owner { return conflict(owner, .disagree(.reach, owner, .unit, unit)) }
            return decided(owner, .reach)
        }
        if let unit, candidates.contains(unit) { return decided(unit, .unit) }
        if let main = facts.mainPart, candidates.contains(main) { return decided(main, .mainPart) }
        let among = reached.isEmpty ? candidates : reached
        return conflict(among.min() ?? 0, .undecided(among))
    }
}
