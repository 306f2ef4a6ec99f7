import Check
import Foundation
import Testing
import TestSupport
import KernelWorld

/// The world of a check fixture set (`Fixtures/world` for 6.1, `Fixtures/world-6.12` for 6.12), read
/// once per set, as `check` sees it.
enum FixtureWorld {
    /// Module.symvers and the vmlinux symbol order of `/proc/kallsyms`, per series.
    static let tables = Dictionary(uniqueKeysWithValues: CheckFixtureSet.all.map { set in
        (set.series, (exports: Result { try ExportTable(contentsOf: "\(set.world)/usr/src/linux-headers-\(set.release)/Module.symvers", displayName: "Module.symvers") },
                      vmlinux: Result { try KallsymsTable(contentsOf: "\(set.world)/proc/kallsyms", displayName: "kallsyms").vmlinux }))
    })

    /// The world for these modules, read the way the CLI's `KernelWorldLoader.loadCheckWorld` reads it.
    static func world(for modules: [CheckedModule], in set: CheckFixtureSet, kallsyms: Bool = true) throws -> CheckWorld {
        let tables = try #require(Self.tables[set.series])
        let exports = try tables.exports.get()
        let index = try ModuleDependencies(moduleDirectory: "\(set.world)/lib/modules/\(set.release)")
        var dependencies: [ObjectName: Set<ObjectName>] = [:]
        var orders: [ObjectName: SymbolOrder] = [:]
        for object in CheckWorld.objectsNamed(by: modules) where !object.isVmlinux && index.contains(object) {
            dependencies[object] = Set(try index.dependencies(of: object))
            if let path = index.path(of: object) {
                orders[object] = try ModuleSymbolOrder(moduleAt: path, object: object, displayName: "\(object).ko").loaded
            }
        }
        if kallsyms {
            orders[.vmlinux] = try tables.vmlinux.get()
        }
        return CheckWorld(exports: exports, moduleDependencies: dependencies, symbolOrders: orders, hasModuleTree: true)
    }

    /// Reads the modules and checks them against the world.
    static func check(_ paths: [String], in set: CheckFixtureSet, kallsyms: Bool = true) throws -> CheckReport {
        let modules = try paths.map { try CheckedModule.read(path: $0) }
        return Checker.check(modules, world: try world(for: modules, in: set, kallsyms: kallsyms))
    }
}
