/// The x86-64 relocation types klp-split meets in kernel modules, with the C names of the psABI
/// table "Relocation Types" (also arch/x86/include/asm/elf.h, which lists those the module loader,
/// arch/x86/kernel/module.c `__write_relocate_add()`, applies: R_X86_64_64, 32, 32S, PC32, PLT32,
/// PC64).
package enum X86_64Relocation: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0, abs64 = 1, pc32 = 2, got32 = 3, plt32 = 4, gotpcrel = 9, abs32 = 10, abs32s = 11
    case abs16 = 12, pc16 = 13, abs8 = 14, pc8 = 15, pc64 = 24, gotoff64 = 25, gotpc32 = 26
    case gotpc64 = 29, gotpcrelx = 41, rexGotpcrelx = 42

    /// The C name without `R_X86_64_`.
    package var description: String {
        switch self {
        case .none: "NONE"
        case .abs64: "64"
        case .pc32: "PC32"
        case .got32: "GOT32"
        case .plt32: "PLT32"
        case .gotpcrel: "GOTPCREL"
        case .abs32: "32"
        case .abs32s: "32S"
        case .abs16: "16"
        case .pc16: "PC16"
        case .abs8: "8"
        case .pc8: "PC8"
        case .pc64: "PC64"
        case .gotoff64: "GOTOFF64"
        case .gotpc32: "GOTPC32"
        case .gotpc64: "GOTPC64"
        case .gotpcrelx: "GOTPCRELX"
        case .rexGotpcrelx: "REX_GOTPCRELX"
        }
    }

    /// How many bytes the relocation patches (the psABI's field: word64, word32, word16, word8).
    var fieldSize: UInt64 {
        switch self {
        case .none: 0
        case .abs64, .pc64, .gotoff64, .gotpc64: 8
        case .pc32, .got32, .plt32, .gotpcrel, .abs32, .abs32s, .gotpc32, .gotpcrelx, .rexGotpcrelx: 4
        case .abs16, .pc16: 2
        case .abs8, .pc8: 1
        }
    }

    /// PC-relative types whose addend is biased by the 4-byte field they patch (gcc emits
    /// `sym - 4`), so the referenced offset is `S + A + 4`.
    var isFieldBiased: Bool {
        switch self {
        case .pc32, .plt32, .gotpcrel, .gotpcrelx, .rexGotpcrelx: true
        default: false
        }
    }
}
