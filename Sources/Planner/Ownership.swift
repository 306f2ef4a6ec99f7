import ELF
import Livepatch

/// Who owns each content section of the livepatch, decided by reachability from each part's roots.
///
/// Rules (issue "Foundation", §4; issue 16): what the livepatch exports belongs to exactly one part,
/// decided from evidence (`ExportOwnership`); the rest is walked from each part's roots and the
/// exports it owns: code and data used by one part belong to it; stateless code and read-only data
/// used by several parts are duplicated; writable data used by several parts is shared state (an
/// error unless the livepatch exports it). A section holding several objects (`SectionPieces`:
/// `__dyndbg`, `.data.once`, ...) is decided piece by piece, each piece following the code that
/// uses it (issue 19).
struct Ownership {
    enum Owner: Equatable {
        case part(Int)
        case duplicated(Set<Int>)
        case sharedState(Set<Int>)
        case unreachable
    }

    /// Owners by node: a section index, or a piece of a split section (`pieceNodes`).
    var owners: [Int: Owner]
    let roles: [SectionRole]
    /// Content sections that no part reaches but the module plumbing (init/exit) does, such as a
    /// helper of `module_init`: every part gets its own copy of the plumbing.
    let plumbing: Set<Int>
    /// How each exported section that is not a root got its owner, or why none was clear.
    var exports: [Int: ExportOwnership.Decision] = [:]
    /// Sections split between parts (issue 19), and the node of each one's first piece.
    var pieces: [Int: SectionPieces] = [:]
    var pieceNodes: [Int: Int] = [:]

    /// The node holding the byte at `offset` of `section`: the section itself, or its piece there
    /// (nil for a split section's bytes outside every piece).
    func node(section: Int, offset: UInt64) -> Int? {
        guard let split = pieces[section], let first = pieceNodes[section] else { return section }
        return split.piece(at: offset).map { first + $0 }
    }

    /// The parts whose copy of a section contains the bytes at a site in it (any piece of a split one).
    func partsCarrying(section: Int) -> Set<Int> {
        if let split = pieces[section], let first = pieceNodes[section] {
            return split.ranges.indices.reduce(into: Set<Int>()) { $0.formUnion(partsCarrying(node: first + $1)) }
        }
        return partsCarrying(node: section)
    }

    /// The parts whose copy holds the byte at `offset` of `section`.
    func partsCarrying(section: Int, offset: UInt64) -> Set<Int> {
        node(section: section, offset: offset).map { partsCarrying(node: $0) } ?? []
    }

    func partsCarrying(node: Int) -> Set<Int> {
        switch owners[node] ?? .unreachable {
        case .part(let part): [part]
        case .duplicated(let parts), .sharedState(let parts): parts
        case .unreachable: []
        }
    }

    /// The owner of the byte at `offset` of `section`.
    func owner(section: Int, offset: UInt64) -> Owner {
        node(section: section, offset: offset).flatMap { owners[$0] } ?? .unreachable
    }

    /// The section and piece of a node.
    func location(of node: Int) -> (section: Int, piece: Int?) {
        for (section, first) in pieceNodes where node >= first && node < first + (pieces[section]?.ranges.count ?? 0) {
            return (section, node - first)
        }
        return (node, nil)
    }

    static func decide(livepatch: LivepatchModule, roles: [SectionRole], roots: [Int: Set<Int>],
                       exported: [Int: Symbol], facts: ExportOwnership.Facts,
                       pieces: [Int: SectionPieces] = [:]) -> Ownership {
        var pieceNodes: [Int: Int] = [:]
        var nextNode = roles.count
        for (section, split) in pieces.sorted(by: { $0.key < $1.key }) {
            pieceNodes[section] = nextNode
            nextNode += split.ranges.count
        }
        func node(_ section: Int, _ offset: UInt64) -> Int? {
            guard let split = pieces[section], let first = pieceNodes[section] else { return section }
            return split.piece(at: offset).map { first + $0 }
        }
        /// The content node entry `index` of `table` names, if any.
        func target(_ table: RelocationSection, _ index: Int) -> (section: Int, node: Int)? {
            let entry = table.entries[index]
            guard entry.symbolIndex < livepatch.symbols.count else { return nil }
            let symbol = livepatch.symbols[entry.symbolIndex]
            guard symbol.isDefinedInSection else { return nil }
            let section = Int(symbol.sectionIndex.rawValue)
            guard section < roles.count, roles[section] == .content else { return nil }
            let inCode = livepatch.sections[table.targetIndex].flags.contains(.executable)
            let offset = table.referencedOffset(entry: index, symbolValue: symbol.value, inCode: inCode, architecture: livepatch.architecture)
            return node(section, offset).map { (section, $0) }
        }
        // Edges from content and plumbing sections (or pieces) to content sections (or pieces),
        // through ordinary relocations.
        var edges: [Int: Set<Int>] = [:]
        for table in livepatch.relocationSections
        where roles[table.targetIndex] == .content || roles[table.targetIndex] == .infrastructure {
            for index in table.entries.indices {
                guard let from = node(table.targetIndex, table.entries[index].offset),
                      let to = target(table, index), to.node != from, to.section != table.targetIndex || pieces[to.section] != nil else { continue }
                edges[from, default: []].insert(to.node)
            }
        }
        // A special-section entry ties together what it names: the code it describes and, for example,
        // the file name string of a __bug_table entry, or the `__dyndbg` descriptor a `__jump_table`
        // entry is keyed on. Whoever carries the code needs the rest.
        for table in livepatch.relocationSections {
            guard case .special(let entrySize?) = roles[table.targetIndex], entrySize > 0 else { continue }
            let entries = Dictionary(grouping: table.entries.indices, by: { table.entries[$0].offset / entrySize })
            for (_, indices) in entries {
                let targets = indices.compactMap { target(table, $0) }
                let code = Set(targets.filter { livepatch.sections[$0.section].flags.contains(.executable) }.map(\.node))
                for from in code {
                    for to in targets where !code.contains(to.node) { edges[from, default: []].insert(to.node) }
                }
            }
        }
        for edge in AddressTable(livepatch: livepatch, roles: roles).edges {
            guard let from = node(edge.from.section, edge.from.offset), let to = node(edge.to.section, edge.to.offset),
                  from != to else { continue }
            edges[from, default: []].insert(to)
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
        var contentNodes = roles.indices.filter { roles[$0] == .content && pieces[$0] == nil }
        contentNodes += roles.count..<nextNode
        // Shared state is writable data several parts use, except pieces each part keeps a copy of.
        let writable = { (node: Int) -> Bool in
            let section = pieceNodes.first { node >= $0.value && node < $0.value + (pieces[$0.key]?.ranges.count ?? 0) }?.key ?? node
            return livepatch.sections[section].flags.contains(.write) && !(pieces[section]?.copiedPerPart ?? false)
        }
        let everyPart = Set(roots.keys)
        for index in contentNodes {
            if index >= roles.count, reachers[index] == nil, plumbing.contains(index) {
                owners[index] = writable(index) ? .sharedState(everyPart) : .duplicated(everyPart)
            } else if unplaced.contains(index) {
                owners[index] = .unreachable
            } else if let part = exportOwner[index] {
                owners[index] = .part(part)
            } else if let parts = reachers[index], !parts.isEmpty {
                if parts.count == 1, let only = parts.first {
                    owners[index] = .part(only)
                } else if writable(index) {
                    owners[index] = .sharedState(parts)
                } else {
                    owners[index] = .duplicated(parts)
                }
            } else {
                owners[index] = .unreachable
            }
        }
        var ownership = Ownership(owners: owners, roles: roles, plumbing: plumbing.filter { $0 < roles.count }, exports: decisions)
        ownership.pieces = pieces
        ownership.pieceNodes = pieceNodes
        return ownership
    }
}
