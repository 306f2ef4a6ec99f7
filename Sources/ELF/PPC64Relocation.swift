/// The 64-bit PowerPC relocation types klp-split meets in ELFv2 kernel modules, with their C names
/// and numbers from arch/powerpc/include/uapi/asm/elf.h (Debian linux-source-6.12, 6.12.118); the
/// module loader that applies them is arch/powerpc/kernel/module_64.c `apply_relocate_add()`.
package enum PPC64Relocation: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0, addr32 = 1, addr24 = 2, addr16 = 3, addr16Lo = 4, addr16Hi = 5, addr16Ha = 6
    case addr14 = 7, rel24 = 10, rel14 = 11, rel32 = 26, addr64 = 38, addr16Higher = 39
    case addr16Highera = 40, addr16Highest = 41, addr16Highesta = 42, uaddr64 = 43, rel64 = 44
    case toc16 = 47, toc16Lo = 48, toc16Hi = 49, toc16Ha = 50, toc = 51, toc16DS = 63, toc16LoDS = 64
    case tocsave = 109, rel24NoTOC = 116, entry = 118, pcrel34 = 132, gotPCRel34 = 133
    case rel16 = 249, rel16Lo = 250, rel16Hi = 251, rel16Ha = 252

    /// The C name without `R_PPC64_`.
    package var description: String {
        switch self {
        case .none: "NONE"
        case .addr32: "ADDR32"
        case .addr24: "ADDR24"
        case .addr16: "ADDR16"
        case .addr16Lo: "ADDR16_LO"
        case .addr16Hi: "ADDR16_HI"
        case .addr16Ha: "ADDR16_HA"
        case .addr14: "ADDR14"
        case .rel24: "REL24"
        case .rel14: "REL14"
        case .rel32: "REL32"
        case .addr64: "ADDR64"
        case .addr16Higher: "ADDR16_HIGHER"
        case .addr16Highera: "ADDR16_HIGHERA"
        case .addr16Highest: "ADDR16_HIGHEST"
        case .addr16Highesta: "ADDR16_HIGHESTA"
        case .uaddr64: "UADDR64"
        case .rel64: "REL64"
        case .toc16: "TOC16"
        case .toc16Lo: "TOC16_LO"
        case .toc16Hi: "TOC16_HI"
        case .toc16Ha: "TOC16_HA"
        case .toc: "TOC"
        case .toc16DS: "TOC16_DS"
        case .toc16LoDS: "TOC16_LO_DS"
        case .tocsave: "TOCSAVE"
        case .rel24NoTOC: "REL24_NOTOC"
        case .entry: "ENTRY"
        case .pcrel34: "PCREL34"
        case .gotPCRel34: "GOT_PCREL34"
        case .rel16: "REL16"
        case .rel16Lo: "REL16_LO"
        case .rel16Hi: "REL16_HI"
        case .rel16Ha: "REL16_HA"
        }
    }

    /// How many bytes the relocation patches: doubleword64 8, word32/low24 4 (the instruction
    /// word), half16 2 (elf.h's comments); `R_PPC64_ENTRY` rewrites the two-instruction global
    /// entry (`ld r2,..(r12); add r2,r2,r12`) and `PCREL34` a prefixed instruction, 8 each
    /// (module_64.c); `TOCSAVE` only marks a nop, 4.
    var fieldSize: UInt64 {
        switch self {
        case .none: 0
        case .addr64, .uaddr64, .rel64, .toc, .entry, .pcrel34, .gotPCRel34: 8
        case .addr32, .addr24, .addr14, .rel24, .rel14, .rel32, .tocsave, .rel24NoTOC: 4
        case .addr16, .addr16Lo, .addr16Hi, .addr16Ha, .addr16Higher, .addr16Highera, .addr16Highest,
             .addr16Highesta, .toc16, .toc16Lo, .toc16Hi, .toc16Ha, .toc16DS, .toc16LoDS,
             .rel16, .rel16Lo, .rel16Hi, .rel16Ha: 2
        }
    }

    /// The TOC-relative types: module_64.c computes them against the *loading* module's TOC
    /// (`my_r2()` = `.toc` + 0x8000), and `TOC16_HA`/`TOC16_LO` have no range check, so one that
    /// names a symbol of another object would be silently wrong in a `.klp.rela` section.
    package var isTOCRelative: Bool {
        switch self {
        case .toc16, .toc16Lo, .toc16Hi, .toc16Ha, .toc16DS, .toc16LoDS: true
        default: false
        }
    }

    /// Calls that module_64.c sends through a `.stubs` trampoline when the symbol is undefined
    /// (`R_PPC_REL24`: `stub_for_addr()`, then `restore_r2()` wants a nop after the `bl`).
    package var isStubbedCall: Bool { self == .rel24 }
}
