/// The category of one symbol reference: what it costs at load time and what the split does with it.
///
/// The raw values are the ids used in `plan --format json` (docs/json-schema.md); the letters A–D
/// follow Petr Mladek's "[POC 19/23] module/livepatch: Allow to use exported symbols from livepatch
/// module for "vmlinux"" (live-patching, 2020-01-17).
package enum Category: String, Sendable, CaseIterable, Codable, Comparable {
    /// A: a vmlinux export; a normal relocation is fine.
    case vmlinuxExport = "vmlinux-export"
    /// B: an export of the part's own patched module; becomes `.klp.sym.<mod>.<sym>,0`.
    case patchedModuleExport = "patched-module-export"
    /// An export of another module that the patched module depends on (modules.dep).
    case otherModuleExport = "other-module-export"
    /// C: exported by the main (vmlinux) part of the livepatch.
    case mainLivepatchExport = "main-livepatch-export"
    /// D: code or data owned by another non-main part.
    case interLivepatch = "inter-livepatch"
    /// A vmlinux symbol the part cannot import: not exported, or exported only for other modules
    /// (`EXPORT_SYMBOL_FOR_MODULES`, `ModuleRestriction`): `.klp.sym.vmlinux.<sym>,<pos>` in `.klp.rela.vmlinux.*`.
    case vmlinuxLocal = "vmlinux-local"
    /// A non-exported symbol of the patched module: `.klp.sym.<mod>.<sym>,<pos>`.
    case moduleLocal = "module-local"
    /// Several candidates with this name and no way to choose.
    case ambiguous
    /// Found nowhere in the target kernel.
    case unresolved

    /// The letter used in the mailing-list discussion, if any.
    package var letter: String? {
        switch self {
        case .vmlinuxExport: "A"
        case .patchedModuleExport: "B"
        case .mainLivepatchExport: "C"
        case .interLivepatch: "D"
        default: nil
        }
    }

    package var label: String { letter.map { "\(rawValue) (\($0))" } ?? rawValue }

    package static func < (lhs: Category, rhs: Category) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
