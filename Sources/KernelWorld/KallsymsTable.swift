/// The symbols of a running target kernel, from a dump of its /proc/kallsyms taken as root.
///
/// Gives sympos order for vmlinux (address order, as kernel/kallsyms.c counts for
/// `klp_find_object_symbol()`) and for every module that was loaded when the dump was taken
/// (file order, which is `.symtab` order of the module's `core_kallsyms`, the order
/// `module_kallsyms_on_each_symbol()` in kernel/module/kallsyms.c counts).
///
/// Refuses a dump whose addresses are all 0 (taken without root, `kptr_restrict`) and Debian's
/// placeholder System.map.
package struct KallsymsTable: Sendable {
    /// vmlinux symbols in sympos order.
    package let vmlinux: SymbolOrder
    /// Symbols of each module in the dump (including pseudo-modules such as `bpf` and
    /// `__builtin__ftrace`), in file order.
    private let modules: [ObjectName: SymbolOrder]

    /// Reads the dump at `path`; `displayName` (default: `path`) is how messages name it.
    package init(contentsOf path: String, displayName: String? = nil) throws(KernelWorldError) {
        try self.init(file: TextFile(contentsOf: path, displayName: displayName))
    }

    /// Parses dump text; `file` names it in messages.
    package init(parsing text: String, file: String) throws(KernelWorldError) {
        try self.init(file: TextFile(name: file, text: text))
    }

    init(file: TextFile) throws(KernelWorldError) {
        let listing = try SymbolListing(file: file, emptyNextStep: KernelWorldError.dumpKallsyms,
                                        malformedNextStep: KernelWorldError.dumpKallsyms)
        vmlinux = listing.vmlinuxOrder(source: file.name)
        var entriesByModule: [ObjectName: [SymbolOrder.Entry]] = [:]
        for line in listing.lines {
            guard let module = line.module else { continue }
            entriesByModule[module, default: []].append(SymbolListing.entry(line))
        }
        var named: [ObjectName: SymbolOrder] = [:]
        for (module, entries) in entriesByModule {
            named[module] = SymbolOrder(object: module, source: file.name, countingOrder: entries)
        }
        modules = named
    }

    /// Modules that were loaded when the dump was taken, sorted.
    package var loadedModules: [ObjectName] { modules.keys.sorted() }

    /// sympos order for vmlinux or a module that was loaded; nil for a module not in the dump.
    package func symbolOrder(of object: ObjectName) -> SymbolOrder? {
        object.isVmlinux ? vmlinux : modules[object]
    }
}
