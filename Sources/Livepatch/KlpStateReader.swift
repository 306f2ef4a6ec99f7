import ELF

/// Reads the ids of the `klp_state` array a `struct klp_patch` points to (`klp_patch.states`).
///
/// Kernel: include/linux/livepatch.h `struct klp_state { unsigned long id; unsigned int version;
/// void *data; }` (24 bytes on x86-64) and `struct klp_patch { struct module *mod; struct
/// klp_object *objs; struct klp_state *states; ... }` (`states` at offset 16 in 6.1 and 6.12);
/// kernel/livepatch/state.c `klp_for_each_state()` walks the array until an id of 0.
package enum KlpStateReader {
    /// `offsetof(struct klp_patch, states)` on x86-64.
    static let statesOffset: UInt64 = 16
    /// `sizeof(struct klp_state)` on x86-64.
    static let stateSize = 24
    /// More states than this are not a real patch; the walk stops.
    static let limit = 256

    /// The state ids of the patch in `elf`, in array order; empty when it declares none or the
    /// array cannot be followed (klp-build metadata has no `states`).
    package static func ids(in elf: ELFFile, patch: KlpPatch) throws(ELFError) -> [UInt64] {
        guard patch.hasStates, let location = patch.patchLocation else { return [] }
        for table in elf.sections where table.type == .rela && table.info == location.section {
            for relocation in try elf.relocations(in: table) where relocation.offset == location.offset + statesOffset {
                guard relocation.symbolIndex < elf.symbols.count else { return [] }
                let symbol = elf.symbols[relocation.symbolIndex]
                guard symbol.sectionIndex.isOrdinary, symbol.sectionIndex != .undefined,
                      Int(symbol.sectionIndex.rawValue) < elf.sections.count else { return [] }
                let section = elf.sections[Int(symbol.sectionIndex.rawValue)]
                guard section.type == .programBits else { return [] }
                let start = Int64(bitPattern: symbol.value) &+ relocation.addend
                guard start >= 0 else { return [] }
                return ids(in: try elf.contents(of: section), from: Int(start))
            }
        }
        return []
    }

    /// The ids of the array at `start` in `bytes`, up to the terminating id 0.
    package static func ids(in bytes: [UInt8], from start: Int) -> [UInt64] {
        var result: [UInt64] = []
        var offset = start
        while offset + 8 <= bytes.count, result.count < limit {
            var id: UInt64 = 0
            for index in 0..<8 { id |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
            if id == 0 { break }
            result.append(id)
            offset += stateSize
        }
        return result
    }
}
