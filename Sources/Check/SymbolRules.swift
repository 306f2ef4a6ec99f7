import KernelWorld

/// Every klp symbol and every patched function against the target kernel: the symbol exists in
/// its object, its sympos selects exactly one occurrence, and the CRC the livepatch was built with
/// matches Module.symvers.
///
/// Kernel: kernel/livepatch/core.c `klp_find_object_symbol()` (its three messages), used by
/// `klp_resolve_symbols()` for `.klp.sym` and by `klp_init_object_loaded()` for `klp_func.old_name`;
/// kernel/module/version.c `check_version()`, which never sees `SHN_LIVEPATCH` symbols.
package enum SymbolRules {
    static func check(_ module: CheckedModule, world: CheckWorld, into findings: inout FindingList) {
        var unordered: [ObjectName] = []
        func order(of object: ObjectName, location: String, rule: Rule) -> SymbolOrder? {
            if let order = world.symbolOrders[object] { return order }
            if !object.isVmlinux, world.hasModuleTree, world.moduleDependencies[object] == nil {
                findings.add(rule, module.file, location, Messages.unknownObject(object.rawValue))
            } else if !unordered.contains(object) {
                unordered.append(object)
            }
            return nil
        }
        let versions = Dictionary(module.versions.map { ($0.symbol, $0.crc) }, uniquingKeysWith: { first, _ in first })
        var seen: Set<String> = []
        for symbol in module.symbols where symbol.sectionIndex == .livepatch && seen.insert(symbol.name).inserted {
            guard let name = KlpSymbolName(symbol.name), let object = try? ObjectName(normalizing: name.object) else { continue }
            if let crc = versions[name.symbol],
               let export = world.exports.exports(of: name.symbol).first(where: { $0.owner == object }),
               let target = export.crc, target != crc {
                findings.add(.klpCRC, module.file, symbol.name,
                             Messages.crcMismatch(name.symbol, built: crc, target: target, owner: object))
            }
            guard let order = order(of: object, location: symbol.name, rule: .klpSymbolMissing) else { continue }
            if let (rule, message) = resolve(name.symbol, sympos: name.sympos, in: order) {
                findings.add(rule, module.file, symbol.name, message)
            }
        }
        for object in module.patch?.objects ?? [] {
            guard let objectName = try? ObjectName(normalizing: object.name ?? "vmlinux") else { continue }
            for function in object.functions {
                let location = "\(objectName).\(function.oldName),\(function.oldSympos)"
                guard let order = order(of: objectName, location: location, rule: .patchedFunction) else { continue }
                if let (_, message) = resolve(function.oldName, sympos: function.oldSympos, in: order) {
                    findings.add(.patchedFunction, module.file, location, Messages.patchedFunction(message))
                }
            }
        }
        for object in unordered {
            findings.add(.noSymbolOrder, module.file, object.rawValue, Messages.noSymbolOrder(object))
        }
    }

    /// The rule `klp_find_object_symbol()` would break for this name and position, with its message.
    package static func resolve(_ name: String, sympos: UInt64, in order: SymbolOrder) -> (Rule, String)? {
        let found = order.occurrences(of: name)
        if found.isEmpty {
            return (.klpSymbolMissing, Messages.symbolNotFound(name, object: order.object, source: order.source))
        }
        if sympos == 0 {
            return found.count == 1 ? nil
                : (.klpSymbolAmbiguous, Messages.ambiguous(name, object: order.object, candidates: found, source: order.source))
        }
        return sympos <= UInt64(found.count) ? nil
            : (.klpSymbolPosition, Messages.positionNotFound(name, position: sympos, object: order.object,
                                                             count: found.count, source: order.source))
    }
}
