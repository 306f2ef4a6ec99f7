import KernelWorld

/// What `check` knows about the target kernel, as values: the exports, the dependencies of the
/// modules the checked livepatches name, and the symbol order of those objects.
///
/// Filled by the caller (the CLI's `KernelWorldLoader`) for the objects `CheckedModule`s name, so
/// the rules do no file I/O.
package struct CheckWorld: Sendable {
    /// Module.symvers of the target (and `--symvers` files).
    package var exports: ExportTable
    /// For each module of the target the checked modules name: its dependencies, transitively
    /// (modules.dep through libkmod). A name missing here is not a module of the target.
    package var moduleDependencies: [ObjectName: Set<ObjectName>]
    /// Symbols of vmlinux and of each module in the order the kernel counts sympos.
    package var symbolOrders: [ObjectName: SymbolOrder]
    /// False when no module tree was given: module names and dependencies are then unknown.
    package var hasModuleTree: Bool
    /// The target kernel's release and module compression; nil when neither the world nor a
    /// module's vermagic names a release.
    package var target: TargetKernel?
    /// Which build of each module the world holds (`ModuleBuild`), for the module files it has.
    package var moduleBuilds: [ObjectName: ModuleBuild] = [:]

    package init(exports: ExportTable, moduleDependencies: [ObjectName: Set<ObjectName>] = [:],
                 symbolOrders: [ObjectName: SymbolOrder] = [:], hasModuleTree: Bool) {
        self.exports = exports
        self.moduleDependencies = moduleDependencies
        self.symbolOrders = symbolOrders
        self.hasModuleTree = hasModuleTree
    }

    /// Every object the modules name that the world should describe: patched objects, the objects
    /// of klp symbols and sections, and `depends=` items.
    package static func objectsNamed(by modules: [CheckedModule]) -> Set<ObjectName> {
        var names: Set<ObjectName> = []
        for module in modules {
            names.formUnion(module.patchedObjects)
            for symbol in module.symbols where symbol.sectionIndex == .livepatch {
                if let parsed = KlpSymbolName(symbol.name), let name = try? ObjectName(normalizing: parsed.object) {
                    names.insert(name)
                }
            }
            for item in module.modinfo.dependencies {
                if let name = try? ObjectName(normalizing: item) { names.insert(name) }
            }
        }
        return names
    }
}
