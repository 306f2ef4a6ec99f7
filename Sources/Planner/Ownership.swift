import ELF
import Livepatch

/// Who owns each content section of the livepatch, decided by reachability from each part's roots.
///
/// Rules (issue "Foundation", §4): code and data used by one part belong to it; stateless code and
/// read-only data used by several parts are duplicated; writable data used by several parts is shared
/// state (an error unless the livepatch exports it, which makes it the main part's).
struct Ownership {
    enum Owner: Equatable {
        case part(Int)
        case duplicated(Set<Int>)
        case sharedState(Set<Int>)
        case unreachable
    }

    let owners: [Int: Owner]
    let roles: [SectionRole]

    /// The parts whose copy of a section contains the bytes at a site in it.
    func partsCarrying(section: Int) -> Set<Int> {
        switch owners[section] ?? .unreachable {
        case .part(let part): [part]
        case .duplicated(let parts), .sharedState(let parts): parts
        case .unreachable: []
        }
    }

    static func decide(livepatch: LivepatchModule, roles: [SectionRole], roots: [Int: Set<Int>],
                       exportedSections: Set<Int>, mainPart: Int?) -> Ownership {
        // Content-to-content edges through ordinary relocations.
        var edges: [Int: Set<Int>] = [:]
        for table in livepatch.relocationSections where roles[table.targetIndex] == .content {
            for entry in table.entries where entry.symbolIndex < livepatch.symbols.count {
                let symbol = livepatch.symbols[entry.symbolIndex]
                guard symbol.isDefinedInSection else { continue }
                let target = Int(symbol.sectionIndex.rawValue)
                if target < roles.count, roles[target] == .content, target != table.targetIndex {
                    edges[table.targetIndex, default: []].insert(target)
                }
            }
        }
        var rootOwner: [Int: Int] = [:]
        for (part, sections) in roots { for section in sections { rootOwner[section] = part } }

        var reachers: [Int: Set<Int>] = [:]
        for (part, sections) in roots.sorted(by: { $0.key < $1.key }) {
            var queue = Array(sections).sorted()
            var seen = Set(queue)
            while let section = queue.popLast() {
                reachers[section, default: []].insert(part)
                for next in (edges[section] ?? []).sorted() where !seen.contains(next) {
                    if let other = rootOwner[next], other != part { continue }
                    if exportedSections.contains(next), let mainPart, part != mainPart { continue }
                    seen.insert(next)
                    queue.append(next)
                }
            }
        }
        var owners: [Int: Owner] = [:]
        for (index, role) in roles.enumerated() where role == .content {
            if let part = rootOwner[index] {
                owners[index] = .part(part)
            } else if exportedSections.contains(index), let mainPart {
                owners[index] = .part(mainPart)
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
        return Ownership(owners: owners, roles: roles)
    }
}
