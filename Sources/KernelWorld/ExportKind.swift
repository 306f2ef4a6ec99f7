/// The macro that exported a symbol, as the fourth (or fifth) column of Module.symvers spells it.
///
/// Mirrors `enum export` in scripts/mod/modpost.c (`export_str[]`). Linux 6.1 writes only
/// `EXPORT_SYMBOL` and `EXPORT_SYMBOL_GPL`; the other three appear in files from older kernels
/// (`EXPORT_SYMBOL_GPL_FUTURE` and the `EXPORT_UNUSED_*` pair were removed in 5.13).
package enum ExportKind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case symbol = "EXPORT_SYMBOL"
    case gpl = "EXPORT_SYMBOL_GPL"
    case gplFuture = "EXPORT_SYMBOL_GPL_FUTURE"
    case unused = "EXPORT_UNUSED_SYMBOL"
    case unusedGPL = "EXPORT_UNUSED_SYMBOL_GPL"

    /// True when only GPL-compatible modules may use the symbol.
    package var isGPLOnly: Bool { self == .gpl || self == .unusedGPL }

    package var description: String { rawValue }
}
