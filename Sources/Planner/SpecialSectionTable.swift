import ELF
import KernelWorld

/// Entry sizes of the special sections of kernel modules, by architecture and by the kernel version
/// the livepatch was built for (its vermagic): a section's entries follow the code they describe,
/// so a part keeps exactly the entries of its own code. Used when `sh_entsize` is 0, as it is for
/// all of these.
///
/// x86-64: each row was read from the headers of a Debian kernel the harness boots
/// (linux-headers-6.1.0-56-common, linux-headers-6.12.118+deb12-common):
/// - include/asm-generic/bug.h `struct bug_entry` (relative pointers, verbose): 12;
/// - arch/x86/include/asm/extable.h `struct exception_table_entry`: 12;
/// - include/linux/jump_label.h `struct jump_entry` (relative): 16;
/// - arch/x86/include/asm/alternative.h `struct alt_instr`: 12 in 6.1 (`u16 cpuid`), 14 in 6.12
///   (`u32 ft_flags`, cpuid and flags, since v6.3: 5d1dd961e743 "x86/alternatives: Add
///   alt_instr.flags"); `__packed` in both;
/// - include/linux/static_call_types.h `struct static_call_site`: 8;
/// - arch/x86/include/asm/paravirt_types.h `struct paravirt_patch_site`: 16 (6.1; gone by 6.12,
///   whose paravirt patching uses `.altinstructions`);
/// - `.smp_locks`, `.orc_unwind_ip`, `.return_sites`, `.retpoline_sites`, `.call_sites`,
///   `.ibt_endbr_seal`, `.kcfi_traps`: one s32 each (4); `.orc_unwind`: arch/x86/include/asm/orc_types.h
///   `struct orc_entry` (6); `__mcount_loc`, `__patchable_function_entries`: one pointer each (8).
///
/// ppc64le, from Debian's linux-source-6.12 (6.12.118), the lab kernel's source:
/// - `__bug_table`: include/asm-generic/bug.h `struct bug_entry` with relative pointers
///   (arch/powerpc/Kconfig `GENERIC_BUG_RELATIVE_POINTERS` def_bool y), verbose: 12;
/// - `__ex_table`: arch/powerpc/include/asm/extable.h `struct exception_table_entry` (two ints): 8;
/// - `__jump_table`: relative (`select HAVE_ARCH_JUMP_LABEL_RELATIVE`): 16;
/// - `__ftr_fixup`, `__mmu_ftr_fixup`, `__fw_ftr_fixup`, `__lwsync_fixup`: arch/powerpc/lib/feature-fixups.c
///   `struct fixup_entry` (six longs, arch/powerpc/include/asm/feature-fixups.h `FTR_ENTRY_LONG`
///   `.8byte` on PPC64): 48, applied by arch/powerpc/kernel/module.c `module_finalize()`;
/// - `__lwsync_fixup`, `__barrier_nospec_fixup`: one `long` offset per site (`MAKE_LWSYNC_SECTION_ENTRY`,
///   `NOSPEC_BARRIER_FIXUP_SECTION`: `FTR_ENTRY_OFFSET`, `.8byte` on PPC64; `do_lwsync_fixups()` and
///   `do_barrier_nospec_fixups_range()` walk `long *`): 8. fat.ko of the lab kernel has a
///   `__barrier_nospec_fixup` (module.c `module_finalize()` looks for `__spec_barrier_fixup`);
/// - `__mcount_loc`, `__patchable_function_entries`: one pointer each (8).
package enum SpecialSectionTable {
    /// The table for a livepatch of `architecture` built for `version` (the earliest known
    /// kernel's table when the version is unknown).
    package static func entrySizes(for architecture: Architecture, version: KernelVersion?) -> [String: UInt64] {
        switch architecture {
        case .x86_64: x86_64(for: version)
        case .ppc64le: ppc64le
        }
    }

    /// The x86-64 table for a livepatch built for `version` (the 6.1 table when unknown).
    package static func x86_64(for version: KernelVersion?) -> [String: UInt64] {
        var table = v6_1
        if let version, version >= KernelVersion(major: 6, minor: 3) { table[".altinstructions"] = 14 }
        return table
    }

    /// Tables of descriptors that code points INTO (the reverse of the special sections above): an
    /// entry follows the code that uses it, so a part keeps exactly the entries its code names
    /// (`SectionPieces`). Read from the same Debian headers, and checked against the fixtures
    /// (`lp_idioms`: `__UNIQUE_ID_ddebug*` symbols of size 56 in `__dyndbg` on 6.1 and 6.12):
    /// - include/linux/dynamic_debug.h `struct _ddebug` (4 pointers, the lineno/class_id/flags
    ///   bitfields, and with CONFIG_JUMP_LABEL the `static_key` union): 56 in 6.1 and 6.12;
    /// - include/linux/dynamic_debug.h `struct ddebug_class_map` (list_head, 3 pointers, 3 ints):
    ///   56 in 6.1 and 6.12 (`__dyndbg_classes`, DECLARE_DYNDBG_CLASSMAP).
    /// The `pr_warn_once` flags of include/linux/once_lite.h are split by symbol instead: they are
    /// in `.data.once` in 6.1 and `.data..once` since v6.7 (6.12).
    package static func descriptorTables(for version: KernelVersion?) -> [String: UInt64] {
        ["__dyndbg": 56, "__dyndbg_classes": 56]
    }

    /// x86-64, v6.1.
    static let v6_1: [String: UInt64] = [
        "__bug_table": 12, "__ex_table": 12, "__jump_table": 16, ".altinstructions": 12,
        ".static_call_sites": 8, ".parainstructions": 16, ".smp_locks": 4, ".orc_unwind_ip": 4,
        ".orc_unwind": 6, ".return_sites": 4, ".retpoline_sites": 4, ".call_sites": 4,
        ".ibt_endbr_seal": 4, ".kcfi_traps": 4, "__mcount_loc": 8, "__patchable_function_entries": 8,
    ]

    /// ppc64le (ELFv2), v6.12; the only ppc64le kernel proven so far.
    static let ppc64le: [String: UInt64] = [
        "__bug_table": 12, "__ex_table": 8, "__jump_table": 16, "__ftr_fixup": 48, "__mmu_ftr_fixup": 48,
        "__fw_ftr_fixup": 48, "__lwsync_fixup": 8, "__barrier_nospec_fixup": 8, "__mcount_loc": 8, "__patchable_function_entries": 8,
    ]
}
