import ELF

/// The ppc64le calls (`bl`, R_PPC64_REL24) that cannot become calls into another module: the
/// module loader sends such a call through a `.stubs` trampoline that saves r2, and rewrites the
/// instruction after the `bl` into `ld r2,24(r1)` to restore it, which it does only over a nop
/// (arch/powerpc/kernel/module_64.c `restore_r2()`: "Expected nop after call, got %08x", the load
/// fails with ENOEXEC). gcc emits that nop only after calls to functions outside the translation
/// unit; a call to a static function of the same unit has none. Tail calls (`b`) are not checked
/// by the loader (`instr_is_relative_link_branch()` of the instruction before).
package enum PPC64CallSites {
    /// `nop` (`ori 0,0,0`), arch/powerpc/include/asm/ppc-opcode.h `PPC_RAW_NOP()`.
    static let nop: UInt32 = 0x6000_0000
    /// `ld r2,24(r1)`, `PPC_INST_LD_TOC` (ELFv2 `R2_STACK_OFFSET` 24), which a reload leaves behind.
    static let restoreTOC: UInt32 = 0xe841_0018

    /// `bl target`: primary opcode 18 with AA = 0 and LK = 1.
    static func isRelativeLinkBranch(_ word: UInt32) -> Bool { word >> 26 == 18 && word & 3 == 1 }

    /// The locations of every REL24 `bl` in `relocationSections` not followed by a nop (or an
    /// already restored `ld r2,24(r1)`); `contents` gives a section's bytes (little-endian words).
    package static func callsWithoutNop(relocationSections: [RelocationSection],
                                contents: (Int) throws -> [UInt8]) rethrows -> Set<Location> {
        var found: Set<Location> = []
        for table in relocationSections {
            let calls = table.entries.filter { $0.type == PPC64Relocation.rel24.rawValue }
            guard !calls.isEmpty else { continue }
            let bytes = try contents(table.targetIndex)
            for call in calls {
                let at = Int(call.offset)
                guard at >= 0, at + 8 <= bytes.count else {
                    found.insert(Location(section: table.targetIndex, offset: call.offset))
                    continue
                }
                let instruction = word(bytes, at), next = word(bytes, at + 4)
                if isRelativeLinkBranch(instruction) && next != nop && next != restoreTOC {
                    found.insert(Location(section: table.targetIndex, offset: call.offset))
                }
            }
        }
        return found
    }

    private static func word(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
