/// The answer to "who exports this symbol?" from an `ExportTable`.
///
/// Mirrors the question kpatch's lookup.c `lookup_exported_symbol_objname()` asks, without its
/// fatal "duplicate exported symbol found": a symbol exported by two different owners is handed
/// back as `.conflicting`, and the Planner decides whether that matters.
package enum ExportLookup: Hashable, Sendable {
    /// No file exports the symbol.
    case none
    /// Exactly one owner exports it. If several files list it for that owner, the first wins.
    case unique(Export)
    /// Two or more different owners export it: one `Export` per owner, in the order they were read.
    case conflicting([Export])

    /// The single export, or nil for `.none` and `.conflicting`.
    package var unique: Export? {
        if case .unique(let export) = self { return export }
        return nil
    }

    /// Every owner found, in the order read.
    package var owners: [ObjectName] {
        switch self {
        case .none: []
        case .unique(let export): [export.owner]
        case .conflicting(let exports): exports.map(\.owner)
        }
    }
}
