import ELF
import Livepatch

/// ppc64le's `.toc` (`SectionRole.addressTable`): with the kernel's `-mcmodel=medium`, gcc reaches
/// data and function addresses through 8-byte `.toc` slots (`addis/ld rX,slot@toc@ha/@l(r2)`,
/// R_PPC64_TOC16_HA + R_PPC64_TOC16_LO_DS against the `.toc` section symbol), and each slot holds
/// an R_PPC64_ADDR64 to what it names. A slot is an indirection, not state: the code that uses it
/// reaches what the slot names, and the slot's relocation belongs to every part carrying that code.
/// Every part keeps `.toc` whole, so the offsets its code computes from `.TOC.` stay right
/// (arch/powerpc/kernel/module_64.c `my_r2()` = `.toc` + 0x8000).
struct AddressTable {
    /// The size of one slot (`.8byte`).
    static let slotSize: UInt64 = 8

    /// By `.toc` section and slot index: the content sections with a relocation to the slot.
    private let users: [Int: [UInt64: Set<Int>]]
    /// By `.toc` section and slot index: the content sections the slot's relocations name.
    private let targets: [Int: [UInt64: Set<Int>]]

    init(livepatch: LivepatchModule, roles: [SectionRole]) {
        var users: [Int: [UInt64: Set<Int>]] = [:]
        var targets: [Int: [UInt64: Set<Int>]] = [:]
        for table in livepatch.relocationSections where table.targetIndex < roles.count {
            for entry in table.entries where entry.symbolIndex > 0 && entry.symbolIndex < livepatch.symbols.count {
                let symbol = livepatch.symbols[entry.symbolIndex]
                guard symbol.isDefinedInSection else { continue }
                let section = Int(symbol.sectionIndex.rawValue)
                guard section < roles.count else { continue }
                if roles[table.targetIndex] == .addressTable {
                    if roles[section] == .content {
                        targets[table.targetIndex, default: [:]][entry.offset / Self.slotSize, default: []].insert(section)
                    }
                } else if roles[section] == .addressTable {
                    let offset = ReferenceClassifierOffsets.referenced(symbol: symbol, relocation: entry,
                                                                       architecture: livepatch.architecture)
                    users[section, default: [:]][offset / Self.slotSize, default: []].insert(table.targetIndex)
                }
            }
        }
        self.users = users
        self.targets = targets
    }

    /// Edges through slots: from each section that uses a slot to what the slot names.
    var edges: [(from: Int, to: Int)] {
        var result: [(Int, Int)] = []
        for (table, slots) in users.sorted(by: { $0.key < $1.key }) {
            for (slot, from) in slots.sorted(by: { $0.key < $1.key }) {
                for to in (targets[table]?[slot] ?? []).sorted() {
                    for user in from.sorted() where user != to { result.append((user, to)) }
                }
            }
        }
        return result
    }

    /// The parts carrying code that uses the slot holding `offset` of `table` (a `.toc` section):
    /// the parts whose copy of the slot's relocation matters.
    func parts(using table: Int, offset: UInt64, ownership: Ownership) -> Set<Int> {
        (users[table]?[offset / Self.slotSize] ?? []).reduce(into: Set<Int>()) {
            $0.formUnion(ownership.partsCarrying(section: $1))
        }
    }
}
