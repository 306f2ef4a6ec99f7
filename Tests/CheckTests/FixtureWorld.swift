import Check
import Foundation
import TestSupport
import KernelWorld

/// The Debian 6.1.0-56-amd64 world of `Fixtures/world`, read once, as `check` sees it.
enum FixtureWorld {
    static let root = Repository.path("Fixtures/world")
    static let release = "6.1.0-56-amd64"

    static let exports = Result { try ExportTable(contentsOf: "\(root)/usr/src/linux-headers-\(release)/Module.symvers", displayName: "Module.symvers") }
    static let vmlinux = Result { try KallsymsTable(contentsOf: "\(root)/proc/kallsyms", displayName: "kallsyms").vmlinux }

    /// The world for these modules, read the way the CLI's `KernelWorldLoader.loadCheckWorld` reads it.
    static func world(for modules: [CheckedModule], kallsyms: Bool = true) throws -> CheckWorld {
        let exports = try Self.exports.get()
        let index = try ModuleDependencies(moduleDirectory: "\(root)/lib/modules/\(release)")
        var dependencies: [ObjectName: Set<ObjectName>] = [:]
        var orders: [ObjectName: SymbolOrder] = [:]
        for object in CheckWorld.objectsNamed(by: modules) where !object.isVmlinux && index.contains(object) {
            dependencies[object] = Set(try index.dependencies(of: object))
            if let path = index.path(of: object) {
                orders[object] = try ModuleSymbolOrder(moduleAt: path, object: object, displayName: "\(object).ko").loaded
            }
        }
        if kallsyms {
            orders[.vmlinux] = try Self.vmlinux.get()
        }
        return CheckWorld(exports: exports, moduleDependencies: dependencies, symbolOrders: orders, hasModuleTree: true)
    }

    /// Reads the modules and checks them against the world.
    static func check(_ paths: [String], kallsyms: Bool = true) throws -> CheckReport {
        let modules = try paths.map { try CheckedModule.read(path: $0) }
        return Checker.check(modules, world: try world(for: modules, kallsyms: kallsyms))
    }
}
