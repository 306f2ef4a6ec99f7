/// Whether a symbol order and an export table describe the same kernel.
///
/// Every symbol an object exports is in that object's kallsyms: exports are never `__init`, and
/// LIVEPATCH depends on !TRIM_UNUSED_KSYMS, so Module.symvers lists no symbol the kernel dropped.
/// (Checked on Debian 6.1.0-56: all 10503 vmlinux exports are in its /proc/kallsyms.) An export
/// missing from the order therefore means the files come from different kernels or builds, and
/// every sympos and every classification made from them would be wrong.
extension SymbolOrder {
    /// The exports of `object` in `exports` that this order does not contain, in table order.
    package func exportsMissing(from exports: ExportTable) -> [Export] {
        exports.exports(ownedBy: object).filter { !contains($0.symbol) }
    }

    /// Throws if any export of `object` in `exports` is missing from this order.
    package func requireExports(from exports: ExportTable) throws(KernelWorldError) {
        let missing = exportsMissing(from: exports)
        guard let first = missing.first else { return }
        throw .mismatchedWorld(source: source, object: object, missing: missing.count,
                               exported: exports.exports(ownedBy: object).count, first: first)
    }
}

extension KallsymsTable {
    /// Throws if vmlinux or a loaded module lacks one of its exports in `exports`.
    package func requireExports(from exports: ExportTable) throws(KernelWorldError) {
        try vmlinux.requireExports(from: exports)
        for module in loadedModules {
            try symbolOrder(of: module)?.requireExports(from: exports)
        }
    }
}
