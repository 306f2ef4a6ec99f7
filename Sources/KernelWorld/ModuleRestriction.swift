/// The modules an export is restricted to: `EXPORT_SYMBOL_FOR_MODULES(sym, "kvm,kvm-*")` exports
/// `sym` in the namespace `module:kvm,kvm-*`, and only a module whose name matches one of the
/// comma-separated patterns may import it.
///
/// Kernel facts (torvalds/linux):
/// - include/linux/export.h: `#define EXPORT_SYMBOL_FOR_MODULES(sym, mods) __EXPORT_SYMBOL(sym, "GPL", "module:" mods)`
///   (Peter Zijlstra, "module: Add module specific symbol namespace support", 092a4f5985f2, 6.16;
///   first spelled `EXPORT_SYMBOL_GPL_FOR_MODULES`, renamed by Vlastimil Babka before 6.17). The
///   export is always GPL-only, so Module.symvers has `EXPORT_SYMBOL_GPL` and the namespace
///   `module:<list>` in its fifth column.
/// - kernel/module/main.c `verify_namespace_is_imported()` → `verify_module_namespace()` (later
///   `module_match()`): each pattern is compared with `mod->name` by `mod_strncmp()`, which treats
///   `-` and `_` as equal; a pattern ending in `*` matches any name that starts with the rest
///   ("The patterns only support tail-glob"), any other pattern the whole name. No match: the load
///   fails with "module uses symbol (%s) from namespace %s, but does not import it" (6.16), or
///   "module \"%s\" uses symbol \"%s\", which is exported only for module \"%s\"" (Masahiro Yamada,
///   "modpost: allow \"make nsdeps\" to skip module-specific symbol namespace", 2025-05-22).
/// - `setup_modinfo()`: "'module:' prefixed namespaces are implicit, disallow explicit imports":
///   `import_ns=module:...` makes the load fail with -EPERM ("module tries to import module namespace").
/// - A livepatch relocation (`SHN_LIVEPATCH`) is resolved by `klp_resolve_symbols()` through kallsyms
///   and never reaches `verify_namespace_is_imported()`.
package struct ModuleRestriction: Sendable, Hashable, CustomStringConvertible {
    /// The namespace prefix, `MODULE_NS_PREFIX` in kernel/module/main.c.
    package static let prefix = "module:"

    /// The patterns as written after `module:`, e.g. `["kvm", "kvm-*"]`.
    package let patterns: [String]

    /// The restriction a namespace expresses, or nil for an ordinary namespace (or none).
    package init?(namespace: String?) {
        guard let namespace, namespace.hasPrefix(Self.prefix) else { return nil }
        patterns = namespace.dropFirst(Self.prefix.count).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    /// Whether the module named `moduleName` may import the symbol normally (the kernel's match).
    package func allows(_ moduleName: String) -> Bool {
        let name = Self.folded(moduleName)
        return patterns.contains { pattern in
            if pattern.hasSuffix("*") { return name.starts(with: Self.folded(String(pattern.dropLast()))) }
            return !pattern.isEmpty && name == Self.folded(pattern)
        }
    }

    /// `kvm,kvm-*`: the list as the export wrote it.
    package var description: String { patterns.joined(separator: ",") }

    /// `mod_strncmp()`: `-` and `_` compare equal.
    private static func folded(_ name: String) -> [UInt8] {
        name.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }
    }
}

extension Export {
    /// The modules this export is restricted to (`EXPORT_SYMBOL_FOR_MODULES`), if any.
    package var moduleRestriction: ModuleRestriction? { ModuleRestriction(namespace: namespace) }
}
