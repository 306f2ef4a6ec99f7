import ELF
import Livepatch

/// What a section of the input livepatch is, for the split.
package enum SectionRole: Sendable, Equatable {
    /// Code, data, read-only data or strings that belong to parts.
    case content
    /// A special section whose entries follow the code they describe (`__bug_table`, `__jump_table`, ...).
    case special(entrySize: UInt64?)
    /// The module's own plumbing: klp arrays, init/exit code, `.modinfo`, `__versions`, exports, this_module.
    case infrastructure
    /// Not loaded (debug info, notes, symbol and relocation tables).
    case notLoaded

    /// Entry sizes of the special sections of x86-64 modules of v6.1, used when `sh_entsize` is 0.
    ///
    /// Sources (v6.1): include/asm-generic/bug.h `struct bug_entry` (relative pointers, verbose: 12);
    /// arch/x86/include/asm/extable.h `struct exception_table_entry` (12);
    /// include/linux/jump_label.h `struct jump_entry` (relative: 16);
    /// arch/x86/include/asm/alternative.h `struct alt_instr` (12);
    /// include/linux/static_call_types.h `struct static_call_site` (8);
    /// arch/x86/include/asm/paravirt_types.h `struct paravirt_patch_site` (16);
    /// `.smp_locks`, `.orc_unwind_ip`, `.return_sites`, `.retpoline_sites`, `.call_sites`,
    /// `.ibt_endbr_seal`, `.kcfi_traps`: one s32 each (4); `.orc_unwind`: `struct orc_entry` (6);
    /// `__mcount_loc`, `__patchable_function_entries`: one pointer each (8).
    package static let x86_64SpecialEntrySizes: [String: UInt64] = [
        "__bug_table": 12, "__ex_table": 12, "__jump_table": 16, ".altinstructions": 12,
        ".static_call_sites": 8, ".parainstructions": 16, ".smp_locks": 4, ".orc_unwind_ip": 4,
        ".orc_unwind": 6, ".return_sites": 4, ".retpoline_sites": 4, ".call_sites": 4,
        ".ibt_endbr_seal": 4, ".kcfi_traps": 4, "__mcount_loc": 8, "__patchable_function_entries": 8,
    ]

    /// Sections that go with special entries but hold code (`.altinstr_replacement`, `.altinstr_aux`).
    package static let specialAuxiliary: Set<String> = [".altinstr_replacement", ".altinstr_aux"]

    static func roles(of livepatch: LivepatchModule) -> [SectionRole] {
        let infrastructureCode = Set(livepatch.symbols
            .filter { ($0.name == "init_module" || $0.name == "cleanup_module") && $0.isDefinedInSection }
            .map { Int($0.sectionIndex.rawValue) })
        return livepatch.sections.map { section in
            let name = section.name
            // klp-convert's sympos annotations: read before planning, never loaded.
            if name.hasPrefix(".klp.module_relocs.") { return .notLoaded }
            if !section.flags.contains(.alloc) || section.isRelocationSection || section.type == .null {
                return .notLoaded
            }
            if let size = x86_64SpecialEntrySizes[name] {
                return .special(entrySize: section.entrySize > 0 ? section.entrySize : size)
            }
            if specialAuxiliary.contains(name) { return .special(entrySize: nil) }
            if livepatch.patch.metadataSections.contains(section.index) || infrastructureCode.contains(section.index) {
                return .infrastructure
            }
            let plumbing = [".modinfo", "__versions", ".gnu.linkonce.this_module", "__ksymtab_strings", ".init.data",
                            ".exit.data", ".init.text", ".exit.text", "__param", "__modver"]
            if plumbing.contains(name) || name.hasPrefix(".note") || name.hasPrefix("__ksymtab")
                || name.hasPrefix("___ksymtab") || name.hasPrefix("__kcrctab") || name.hasPrefix(".init.klp_")
                || name.hasPrefix(".klp.") {
                return .infrastructure
            }
            if name.hasPrefix(".discard") || name == ".comment" { return .notLoaded }
            return .content
        }
    }
}
