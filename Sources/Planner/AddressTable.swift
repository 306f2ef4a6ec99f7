import ELF
import Livepatch

/// ppc64le's `.toc` (`SectionRole.addressTable`): with the kernel's `-mcmodel=medium`, gcc reaches
/// data and function addresses through 8-byte `.toc` slots (`addis/ld rX,slot@toc@ha/@l(r2)`,
/// R_PPC64_TOC16_HA + R_PPC64_TOC16_LO_DS against the `.toc` section symbol), and each slot holds
/// an R_PPC64_ADDR64 to what it names. A slot is an indirection, not state: the code that uses it
/// reaches what the slot names, and the slot's relocation belongs to every part carrying that code.
/// Every part keeps `.toc` whole, so the offsets its code computes from `.TOC.` stay right
/// (arch/powerpc/kernel/module_64.c `my_r2()` = `.toc` + 0x8000).
package struct AddressTable {
    /// The size of one slot (`.8byte`).
    package static let slotSize: UInt64 = 8

    /// A byte of a content section: where a slot is used from, or what a slot names.
    struct Site: Hashable {
        let section: Int
        let offset: UInt64
    }

    /// By `.toc` section and slot index: the sites with a relocation to the slot.
    private let users: [Int: [UInt64: Set<Site>]]
    /// By `.toc` section and slot index: the content sites the slot's relocations name.
    private let targets: [Int: [UInt64: Set<Site>]]

    init(livepatch: LivepatchModule, roles: [SectionRole]) {
        var users: [Int: [UInt64: Set<Site>]] = [:]
        var targets: [Int: [UInt64: Set<Site>]] = [:]
        for table in livepatch.relocationSections where table.targetIndex < roles.count {
            for entry in table.entries where entry.symbolIndex > 0 && entry.symbolIndex < livepatch.symbols.count {
                let symbol = livepatch.symbols[entry.symbolIndex]
                guard symbol.isDefinedInSection else { continue }
                let section = Int(symbol.sectionIndex.rawValue)
                guard section < roles.count else { continue }
                let offset = livepatch.architecture.referencedOffset(symbolValue: symbol.value, relocation: entry)
                if roles[table.targetIndex] == .addressTable {
                    if roles[section] == .content {
                        targets[table.targetIndex, default: [:]][entry.offset / Self.slotSize, default: []]
                            .insert(Site(section: section, offset: offset))
                    }
                } else if roles[section] == .addressTable {
                    users[section, default: [:]][offset / Self.slotSize, default: []]
                        .insert(Site(section: table.targetIndex, offset: entry.offset))
                }
            }
        }
        self.users = users
        self.targets = targets
    }

    /// Edges through slots: from each site that uses a slot to what the slot names.
    var edges: [(from: Site, to: Site)] {
        var result: [(Site, Site)] = []
        for (table, slots) in users.sorted(by: { $0.key < $1.key }) {
            for (slot, from) in slots.sorted(by: { $0.key < $1.key }) {
                let named = (targets[table]?[slot] ?? []).sorted { ($0.section, $0.offset) < ($1.section, $1.offset) }
                for user in from.sorted(by: { ($0.section, $0.offset) < ($1.section, $1.offset) }) {
                    for to in named where to.section != user.section { result.append((user, to)) }
                }
            }
        }
        return result
    }

    /// The parts carrying code that uses the slot holding `offset` of `table` (a `.toc` section):
    /// the parts whose copy of the slot's relocation matters.
    func parts(using table: Int, offset: UInt64, ownership: Ownership) -> Set<Int> {
        (users[table]?[offset / Self.slotSize] ?? []).reduce(into: Set<Int>()) {
            $0.formUnion(ownership.partsCarrying(section: $1.section, offset: $1.offset))
        }
    }
}
