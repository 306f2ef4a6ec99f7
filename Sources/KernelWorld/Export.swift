/// One exported symbol: one line of a Module.symvers file.
///
/// Mirrors what modpost writes in `write_dump()` (scripts/mod/modpost.c):
/// `0x%08x\t%s\t%s\tEXPORT_SYMBOL%s\t%s\n` with the CRC, the symbol, the owner's build path
/// (`vmlinux` or e.g. `drivers/cdrom/cdrom`), the export macro and the namespace.
package struct Export: Hashable, Sendable, CustomStringConvertible {
    /// The exported symbol's name, e.g. `cdrom_check_events`.
    package let symbol: String
    /// The object that exports it: `vmlinux` or a module, normalised (`drivers/cdrom/cdrom` → `cdrom`).
    package let owner: ObjectName
    /// The MODVERSIONS CRC, or nil when the file has `0x00000000` (what modpost writes when
    /// CONFIG_MODVERSIONS is off).
    package let crc: UInt32?
    /// The symbol namespace (`EXPORT_SYMBOL_NS`), or nil for the default namespace.
    ///
    /// Since 6.13 (cdd30ebb1b9f, "module: Convert symbol namespace to string literal") the source
    /// writes `EXPORT_SYMBOL_NS_GPL(sym, "NS")` and `MODULE_IMPORT_NS("NS")` (include/linux/module.h
    /// `MODULE_INFO(import_ns, ns)` instead of `__stringify(ns)`), but modpost's `write_dump()` and
    /// `.modinfo` carry the same text as before: `NS`, not `"NS"`. Only `EXPORT_SYMBOL_FOR_MODULES`
    /// (6.16) brings new characters: `module:kvm,kvm-*` (`moduleRestriction`).
    package let namespace: String?
    /// The export macro.
    package let kind: ExportKind
    /// The file and line it was read from.
    package let origin: SourceLine

    package init(symbol: String, owner: ObjectName, crc: UInt32?, namespace: String?, kind: ExportKind, origin: SourceLine) {
        self.symbol = symbol
        self.owner = owner
        self.crc = crc
        self.namespace = namespace
        self.kind = kind
        self.origin = origin
    }

    /// `cdrom_check_events (cdrom, EXPORT_SYMBOL, Module.symvers:16533)`.
    package var description: String {
        var parts = [owner.rawValue, kind.rawValue]
        if let namespace { parts.append("namespace \(namespace)") }
        parts.append(origin.description)
        return "\(symbol) (\(parts.joined(separator: ", ")))"
    }
}
