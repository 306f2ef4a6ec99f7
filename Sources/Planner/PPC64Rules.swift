import ELF
import Livepatch

/// The ppc64le (ELFv2) rules for a relocation that leaves its part: it becomes a `.klp.rela`
/// relocation or a normal relocation against another module's symbol, which the module loader,
/// arch/powerpc/kernel/module_64.c `apply_relocate_add()` (6.12), resolves only in some forms.
/// Seen on the lab kernel (/work/shared/kernel-lab/ppc64le/README.md).
extension PlanningContext {
    /// The undefined symbol the module loader sets itself (`Architecture.loaderProvidedSymbol`,
    /// ppc64le's `.TOC.`): every part keeps it as it is; it is nobody's export.
    func isLoaderProvided(_ symbol: Symbol) -> Bool {
        symbol.sectionIndex == .undefined && symbol.name == livepatch.architecture.loaderProvidedSymbol
    }

    /// The profiling calls `restore_r2()` exempts from the nop rule (module_64.c
    /// `is_mprofile_ftrace_call()`, `CONFIG_MPROFILE_KERNEL`): `-mprofile-kernel` emits
    /// `mflr r0; bl _mcount` with no nop, and ftrace patches those sites itself.
    static let profilingCalls: Set<String> = ["_mcount", "ftrace_caller", "ftrace_regs_caller"]

    /// Reports the ppc64le problems of `entry`, a relocation of `section` that `reference` says
    /// leaves its part. No-op on other architectures.
    mutating func checkPPC64Rules(_ entry: Relocation, in section: Section, reference: Reference) {
        guard livepatch.architecture == .ppc64le, let type = PPC64Relocation(rawValue: entry.type) else { return }
        let location = "\(section.name)+0x\(String(entry.offset, radix: 16))"
        let reported = diagnostics.contains { $0.location == location && $0.id.hasPrefix("ppc64-") }
        if reported { return }
        if type.isTOCRelative {
            fail("ppc64-toc16-reference", location,
                 "'\(reference.symbol)' is reached with \(livepatch.architecture.relocationName(type: entry.type)), an offset from the TOC; the loader computes it against the loading module's own TOC (module_64.c my_r2()) and does not range-check TOC16_HA/LO, so the address of a symbol of another object is silently wrong once it lies 2 GB or more from that TOC; declare '\(reference.symbol)' extern and not hidden so gcc reaches it through a .toc slot (R_PPC64_ADDR64)")
        } else if type.isStubbedCall, !Self.profilingCalls.contains(reference.symbol),
                  livepatch.callsWithoutNop.contains(Location(section: section.index, offset: entry.offset)) {
            fail("ppc64-call-without-nop", location,
                 "the call to '\(reference.symbol)' has no nop after its 'bl' (gcc leaves none after a call to a function of the same unit); a call into another module goes through a .stubs trampoline and the loader must turn that nop into 'ld r2,24(r1)' (module_64.c restore_r2(): \"Expected nop after call\"); define '\(reference.symbol)' in another file (an extern call), or keep the caller and '\(reference.symbol)' in one part")
        }
    }
}
