import KernelWorld
import Livepatch
import Planner

/// Everything that would make the livepatch load (and pin) a module: undefined symbols, `__versions`
/// entries and `depends=` items. Dependencies on the same patch's main part or other parts
/// (`<patch>`, `<patch>__<object>`) are allowed here; the set rules judge those.
///
/// Kernel and kmod (domain notes §7): kernel/module/main.c `simplify_symbols()` resolves every
/// `SHN_UNDEF` symbol with `resolve_symbol_wait()` → `ref_module()`; kmod depmod
/// (`kmod_elf_get_dependency_symbols()`) records every undefined symbol and every `__versions`
/// entry no undefined symbol matches; modpost writes `depends=`.
enum DependencyRules {
    static func check(_ module: CheckedModule, world: CheckWorld, all modules: [CheckedModule],
                      into findings: inout FindingList) {
        let identity = PatchIdentity(module: module)
        let undefined = module.undefinedSymbols.filter { !$0.name.hasPrefix(KlpNames.symbolPrefix) }
        for symbol in undefined {
            if let export = world.exports.lookup(symbol.name).unique, let restriction = export.moduleRestriction,
               !restriction.allows(module.name) {
                findings.add(.restrictedExport, module.file, symbol.name,
                             Messages.restrictedExport(symbol.name, restriction: restriction, module: module.name, owner: export.owner))
            }
            switch owner(of: symbol.name, world: world, modules: modules) {
            case .vmlinux: continue
            case .module(let owner):
                if !identity.includes(owner) {
                    findings.add(.implicitDependency, module.file, symbol.name, Messages.undefinedSymbol(symbol.name, owner: owner))
                }
            case .nobody:
                let orders = world.symbolOrders.values.sorted { $0.object < $1.object }
                if let order = orders.first(where: { $0.contains(symbol.name) }) {
                    findings.add(.unexportedSymbol, module.file, symbol.name,
                                 Messages.unexportedSymbol(symbol.name, object: order.object))
                } else {
                    let parts = module.modinfo.dependencies.filter { item in
                        identity.includes(item) && !modules.contains { $0.name == item }
                    }
                    findings.add(.unknownExport, module.file, symbol.name, Messages.unknownExport(symbol.name, parts: parts))
                }
            }
        }
        let undefinedNames = Set(undefined.map(\.name))
        var seen: Set<String> = []
        for version in module.versions where !undefinedNames.contains(version.symbol) && seen.insert(version.symbol).inserted {
            if case .module(let owner) = owner(of: version.symbol, world: world, modules: modules), !identity.includes(owner) {
                let table = module.extendedVersionSymbols.contains(version.symbol) ? ExtendedVersions.nameSection : "__versions"
                findings.add(.implicitDependency, module.file, table,
                             Messages.versionsEntry(version.symbol, owner: owner, table: table))
            }
        }
        for entry in module.modinfo.entries where entry.key == "import_ns" && ModuleRestriction(namespace: entry.value) != nil {
            findings.add(.restrictedExport, module.file, ".modinfo", Messages.importsModuleNamespace(entry.value))
        }
        for item in module.modinfo.dependencies {
            let name = (try? ObjectName(normalizing: item))?.rawValue ?? item
            if !identity.includes(name) {
                findings.add(.implicitDependency, module.file, ".modinfo", Messages.dependsItem(name))
            }
        }
    }

    enum Owner: Equatable {
        case vmlinux
        case module(String)
        case nobody
    }

    /// Who exports `symbol`: the target kernel (vmlinux or a module) or a module given to `check`.
    static func owner(of symbol: String, world: CheckWorld, modules: [CheckedModule]) -> Owner {
        let owners = world.exports.lookup(symbol).owners
        if owners.contains(.vmlinux) { return .vmlinux }
        if let first = owners.first { return .module(first.rawValue) }
        if let given = modules.first(where: { $0.exportedSymbols.contains(symbol) }) { return .module(given.name) }
        return .nobody
    }
}
