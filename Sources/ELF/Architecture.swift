/// The processor and ABI a kernel module is built for, told by `e_machine` and `e_flags`, and the
/// relocation facts klp-split needs about it. Each architecture's facts live in one file:
/// `X86_64Relocations.swift`, `PPC64Relocations.swift`; facts that change with the kernel version
/// (special-section entry sizes) live in the Planner's `SpecialSectionTable`.
package enum Architecture: Sendable, Hashable, CustomStringConvertible {
    /// x86-64 (`EM_X86_64`, 62), the psABI's little-endian LP64 model.
    case x86_64
    /// 64-bit PowerPC, little-endian, ELFv2 ABI (`EM_PPC64`, 21, `e_flags & EF_PPC64_ABI` = 2).
    case ppc64le

    /// The corresponding C constant is `EM_X86_64` (include/uapi/linux/elf-em.h).
    package static let machineX86_64: UInt16 = 62
    /// The corresponding C constant is `EM_PPC64` (include/uapi/linux/elf-em.h).
    package static let machinePPC64: UInt16 = 21
    /// `EF_PPC64_ABI`: the ABI version bits of `e_flags` on ppc64 (arch/powerpc/include/asm/elf.h;
    /// 1 = ELFv1 with function descriptors, 2 = ELFv2; arch/powerpc/kernel/module_64.c tells them
    /// apart by `_CALL_ELF == 2`).
    package static let ppc64ABIMask: UInt32 = 0x3

    /// The architecture of an ELF header, or nil when klp-split does not read it. A ppc64 module
    /// must state ELFv2 (ABI bits 2): an ELFv2 kernel loads nothing else (module_64.c
    /// `module_elf_check_arch()`: `abi_level == 2` under `CONFIG_PPC64_ELF_ABI_V2`).
    package init?(machine: UInt16, flags: UInt32) {
        switch machine {
        case Self.machineX86_64: self = .x86_64
        case Self.machinePPC64 where flags & Self.ppc64ABIMask == 2: self = .ppc64le
        default: return nil
        }
    }

    /// `e_machine`.
    package var machine: UInt16 {
        switch self {
        case .x86_64: Self.machineX86_64
        case .ppc64le: Self.machinePPC64
        }
    }

    /// `e_flags` of a module the compiler makes: 0 on x86-64, 2 (ELFv2) on ppc64le.
    package var headerFlags: UInt32 {
        switch self {
        case .x86_64: 0
        case .ppc64le: 2
        }
    }

    /// The name in messages: `x86-64`, `ppc64le`.
    package var description: String {
        switch self {
        case .x86_64: "x86-64"
        case .ppc64le: "ppc64le"
        }
    }

    /// What a refused header is, for `ELFError.unsupported`.
    package static func refusal(machine: UInt16, flags: UInt32) -> String {
        if machine == machinePPC64 {
            return "machine \(machine) (EM_PPC64) with e_flags 0x\(String(flags, radix: 16)) is not ELFv2 (ABI level \(flags & ppc64ABIMask), not 2), which klp-split and an ELFv2 kernel do not read"
        }
        return "machine \(machine) is neither x86-64 (EM_X86_64) nor ppc64le (EM_PPC64, ELFv2)"
    }

    /// How many bytes a relocation of this type patches; 1 for types the table does not know, so
    /// the offset is at least inside the section.
    package func relocatedFieldSize(type: UInt32) -> UInt64 {
        switch self {
        case .x86_64: X86_64Relocation(rawValue: type)?.fieldSize ?? 1
        case .ppc64le: PPC64Relocation(rawValue: type)?.fieldSize ?? 1
        }
    }

    /// What to add to `S + A` to get the referenced offset inside the symbol: 4 for the x86-64
    /// PC-relative types whose addend is biased by their 4-byte field, 0 otherwise (ppc64's REL24
    /// and ADDR64 addends point at the target itself).
    package func referencedOffsetBias(type: UInt32) -> Int64 {
        switch self {
        case .x86_64: X86_64Relocation(rawValue: type)?.isFieldBiased == true ? 4 : 0
        case .ppc64le: 0
        }
    }

    /// The undefined symbol the module loader sets itself rather than resolving it against an
    /// export: ppc64le's `.TOC.`, the module's own TOC pointer (arch/powerpc/kernel/module_64.c:
    /// `dedotify()` keeps the name, `apply_relocate_add()` "First time we're called, we can fix up
    /// .TOC."). Nil on x86-64.
    package var loaderProvidedSymbol: String? {
        switch self {
        case .x86_64: nil
        case .ppc64le: ".TOC."
        }
    }

    /// The offset a relocation refers to inside its symbol's section: `S + A` plus the type's bias
    /// (`referencedOffsetBias(type:)`), clamped at 0. (`RelocationSection.referencedOffset` also
    /// counts an instruction's immediate after the field, for code whose bytes it knows.)
    package func referencedOffset(symbolValue: UInt64, relocation: Relocation) -> UInt64 {
        let offset = Int64(bitPattern: symbolValue) &+ relocation.addend &+ referencedOffsetBias(type: relocation.type)
        return UInt64(max(0, offset))
    }

    /// The relocation type's C name (`R_X86_64_PLT32`, `R_PPC64_REL24`), else its number.
    package func relocationName(type: UInt32) -> String {
        switch self {
        case .x86_64: X86_64Relocation(rawValue: type).map { "R_X86_64_\($0)" } ?? "type \(type)"
        case .ppc64le: PPC64Relocation(rawValue: type).map { "R_PPC64_\($0)" } ?? "type \(type)"
        }
    }
}
