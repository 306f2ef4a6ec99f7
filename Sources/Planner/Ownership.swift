import ELF
import Livepatch

/// Who owns each content section of the livepatch, decided by reachability from each part's roots.
///
/// Rules (issue "Foundation", §4; issue 16): what the livepatch exports belongs to exactly one part,
/// decided from evidence (`ExportOwnership`); the rest is walked from each part's roots and the
/// exports it owns: code and data used by one part belong to it; stateless code and read-only data
/// used by several parts are duplicated; writable data used by several parts is shared state (an
/// error unless the livepatch exports it).
struct Ownership {
    enum Owner: Equatable {
        case part(Int)
        case duplicated(Set<Int>)
        case sharedState(Set<Int>)
        case unreachable
    }

    var owners: [Int: Owner]
    let roles: [SectionRole]
    /// Content sections that no part reaches but the module plumbing (init/exit) does, such as a
    /// helper of `module_init`: every part gets its own copy of the plumbing.
    let plumbing: Set<Int>
    /// How each exported section that is not a root got its owner, or why none was clear.
    var exports: [Int: ExportOwnership.Decision] = [:]

    /// The parts whose copy of a section contains the bytes at a site in it.
    func partsCarrying(section: Int) -> Set<Int> {
        switch owners[section] ?? .unreachable {
        case .part(let part): [part]
        case .duplicated(let parts), .sharedState(let parts): parts
        case .unreachable: []
        }
    }

    static func decide(livepatch: LivepatchModule, roles: [SectionRole], roots: [Int: Set<Int>],
                       exported: [Int: Symbol], facts: ExportOwnership.Facts) -> Ownership {
        // Edges from content and plumbing sections to content sections, through ordinary relocations.
        var edges: [Int: Set<Int>] = [:]
        for table in livepatch.relocationSections
        where roles[table.targetIndex] == .content || roles[table.targetIndex] == .infrastructure {
            for entry in table.entries where entry.symbolIndex < livepatch.symbols.count {
                let symbol = livepatch.symbols[entry.symbolIndex]
                guard symbol.isDefinedInSection else { continue }
                let target = Int(symbol.sectionIndex.rawValue)
                if target < roles.count, roles[target] == .content, target != table.targetIndex {
                    edges[table.targetIndex, default: []].insert(target)
                }
            }
        }
        // A special-section entry ties together what it names: the code it describes and, for example,
        // the file name string of a __bug_table entry. Whoever carries the code needs the rest.
        for table in livepatch.relocationSections {
            guard case .special(let entrySize?) = roles[table.targetIndex], entrySize > 0 else { continue }
            let entries = Dictionary(grouping: table.entries, by: { $0.offset / entrySize })
            for (_, relocations) in entries {
                let targets = relocations.compactMap { entry -> Int? in
                    guard entry.symbolIndex < livepatch.symbols.count else { return nil }
                    let symbol = livepatch.symbols[entry.symbolIndex]
                    guard symbol.isDefinedInSection else { return nil }
                    let target = Int(symbol.sectionIndex.rawValue)
                    return target < roles.count && roles[target] == .content ? target : nil
                }
                let code = targets.filter { livepatch.sections[$0].flags.contains(.executable) }
                for from in code {
                    for to in targets where to != from && !code.contains(to) { edges[from, default: []].insert(to) }
                }
            }
        }
        // A section that is the root of one part only (a callback given to several objects is the
        // root of each of their parts, and duplicated like a shared helper).
        var rootOwner: [Int: Int] = [:]
        var sharedRoots: Set<Int> = []
        for (part, sections) in roots {
            for section in sections {
                if let other = rootOwner[section], other != part { sharedRoots.insert(section) }
                rootOwner[section] = part
            }
        }
        for section in sharedRoots { rootOwner[section] = nil }

        let decisions = ExportOwnership.decide(livepatch: livepatch, exported: exported, edges: edges,
                                               rootOwner: rootOwner, roots: roots, facts: facts)
        var exportOwner = rootOwner.filter { exported[$0.key] != nil }
        // An export whose needs no one part satisfies goes nowhere (the conflict is the error).
        var unplaced: Set<Int> = []
        for (section, decision) in decisions {
            if case .needs? = decision.conflict { unplaced.insert(section) } else { exportOwner[section] = decision.owner }
        }
        var starts = roots
        for (section, part) in exportOwner where rootOwner[section] == nil { starts[part, default: []].insert(section) }

        // Each part's walk stops at another part's root and at an export another part owns.
        var reachers: [Int: Set<Int>] = [:]
        for (part, sections) in starts.sorted(by: { $0.key < $1.key }) {
            var queue = Array(sections).sorted()
            var seen = Set(queue)
            while let section = queue.popLast() {
                reachers[section, default: []].insert(part)
                for next in (edges[section] ?? []).sorted() where !seen.contains(next) {
                    if let other = rootOwner[next], other != part { continue }
                    if let other = exportOwner[next], other != part { continue }
                    if unplaced.contains(next) { continue }
                    seen.insert(next)
                    queue.append(next)
                }
            }
        }
        var plumbing: Set<Int> = []
        var pending = roles.indices.filter { roles[$0] == .infrastructure }
        while let section = pending.popLast() {
            for next in edges[section] ?? [] where reachers[next] == nil && rootOwner[next] == nil && !plumbing.contains(next) {
                plumbing.insert(next)
                pending.append(next)
            }
        }
        var owners: [Int: Owner] = [:]
        for (index, role) in roles.enumerated() where role == .content {
            if unplaced.contains(index) {
                owners[index] = .unreachable
            } else if let part = exportOwner[index] {
                owners[index] = .part(part)
            } else if let parts = reachers[index], !parts.isEmpty {
                if parts.count == 1, let only = parts.first {
                    owners[index] = .part(only)
                } else if livepatch.sections[index].flags.contains(.write) {
                    owners[index] = .sharedState(parts)
                } else {
                    owners[index] = .duplicated(parts)
                }
            } else {
                owners[index] = .unreachable
            }
        }
        return Ownership(owners: owners, roles: roles, plumbing: plumbing, exports: decisions)
    }
}
