import KernelWorld

/// Rules over all the modules given together: the dependencies between parts mirror real module
/// dependencies and have no cycle, no function is patched twice, no name is exported twice, and at
/// most one module replaces all others.
///
/// Sources: Joe Lawrence on case D (domain notes §2.4, "the only sane way"); kernel/livepatch/core.c
/// `klp_ops.func_stack` (two patches of one function stack, the newer wins);
/// Documentation/livepatch/cumulative-patches.rst (atomic replace disables every other patch).
package enum SetRules {
    /// One module needing another given module, and why.
    package struct Edge: Sendable, Equatable {
        package let from: Int
        package let to: Int
        package let reason: String

        package init(from: Int, to: Int, reason: String) {
            self.from = from
            self.to = to
            self.reason = reason
        }
    }

    static func check(_ modules: [CheckedModule], world: CheckWorld, into findings: inout FindingList) {
        let edges = dependencyEdges(modules)
        let cycles = stronglyConnected(count: modules.count, edges: edges).filter { component in
            component.count > 1 || edges.contains { $0.from == component[0] && $0.to == component[0] }
        }
        let inCycle = Set(cycles.flatMap { $0 })
        for cycle in cycles {
            findings.add(.dependencyCycle, modules[cycle[0]].file, nil, Messages.cycle(cycle.map { modules[$0].name }))
        }
        for edge in edges where !(inCycle.contains(edge.from) && inCycle.contains(edge.to)) {
            checkMirror(from: modules[edge.from], toName: modules[edge.to].name, toObjects: modules[edge.to].patchedObjects,
                        reason: edge.reason, world: world, into: &findings)
        }
        // A depends= item naming a part of the same patch that was not given: its object is in its name.
        for module in modules {
            let identity = PatchIdentity(module: module)
            for item in module.modinfo.dependencies where identity.includes(item) && item != identity.patch
                && !modules.contains(where: { $0.name == item }) {
                guard let object = try? ObjectName(normalizing: String(item.dropFirst(identity.patch.count + 2))) else { continue }
                checkMirror(from: module, toName: item, toObjects: [object], reason: "depends=\(item)", world: world, into: &findings)
            }
        }
        if modules.count > 1 {
            checkFunctions(modules, into: &findings)
            checkExports(modules, into: &findings)
        }
        let replacing = modules.filter { $0.patch?.replace == true }
        if replacing.count > 1 {
            for module in replacing {
                findings.add(.multipleReplace, module.file, "klp_patch",
                             Messages.multipleReplace(replacing.filter { $0.name != module.name }.map(\.name)))
            }
        }
    }

    /// Edges between given modules: an undefined symbol or `__versions` entry another given module
    /// exports, or a `depends=` item naming it.
    package static func dependencyEdges(_ modules: [CheckedModule]) -> [Edge] {
        var edges: [Edge] = []
        let exports = modules.map(\.exportedSymbols)
        for (from, module) in modules.enumerated() {
            var reasons: [Int: String] = [:]
            let needed = module.undefinedSymbols.map(\.name) + module.versions.map(\.symbol)
            for symbol in needed {
                if let to = exports.firstIndex(where: { $0.contains(symbol) }), to != from, reasons[to] == nil {
                    reasons[to] = "uses '\(symbol)'"
                }
            }
            for item in module.modinfo.dependencies {
                let name = (try? ObjectName(normalizing: item))?.rawValue ?? item
                if let to = modules.firstIndex(where: { $0.name == name }), reasons[to] == nil {
                    reasons[to] = "depends=\(name)"
                }
            }
            for (to, reason) in reasons.sorted(by: { $0.key < $1.key }) {
                edges.append(Edge(from: from, to: to, reason: reason))
            }
        }
        return edges
    }

    /// D mirror rule: a part may need another part of its patch only when one of its patched
    /// modules depends on every module the other part patches. Needing the main part is always fine.
    private static func checkMirror(from: CheckedModule, toName: String, toObjects: [ObjectName], reason: String,
                                    world: CheckWorld, into findings: inout FindingList) {
        let identity = PatchIdentity(module: from)
        guard toName != from.name, identity.includes(toName), toName != identity.patch else { return }
        let mine = from.patchedObjects.filter { !$0.isVmlinux }
        let theirs = toObjects.filter { !$0.isVmlinux }
        if !mine.isEmpty && mine.contains(where: { world.moduleDependencies[$0] == nil }) { return }
        let mirrored = theirs.allSatisfy { target in
            mine.contains { world.moduleDependencies[$0]?.contains(target) == true }
        }
        if !mirrored {
            findings.add(.interPartDependency, from.file, nil,
                         Messages.interPart(from.name, toName, reason: reason, fromObjects: from.patchedObjects, toObjects: theirs))
        }
    }

    /// No function of an object is patched by two modules (sympos 0 and 1 both mean the first).
    private static func checkFunctions(_ modules: [CheckedModule], into findings: inout FindingList) {
        var patchedBy: [String: String] = [:]
        for module in modules {
            guard let patch = module.patch else {
                findings.add(.unreadablePatch, module.file, nil, Messages.unreadablePatch(module.patchProblem ?? "unknown reason"))
                continue
            }
            for object in patch.objects {
                guard let objectName = try? ObjectName(normalizing: object.name ?? "vmlinux") else { continue }
                for function in object.functions {
                    let key = "\(objectName)\u{0}\(function.oldName)\u{0}\(max(function.oldSympos, 1))"
                    if let other = patchedBy[key], other != module.name {
                        findings.add(.duplicateFunction, module.file, "\(objectName).\(function.oldName)",
                                     Messages.duplicateFunction(function.oldName, object: objectName, other: other))
                    } else {
                        patchedBy[key] = module.name
                    }
                }
            }
        }
    }

    /// No name is exported by two modules of the set.
    private static func checkExports(_ modules: [CheckedModule], into findings: inout FindingList) {
        var exporters: [String: [String]] = [:]
        for module in modules {
            for name in module.exportedSymbols where !(exporters[name]?.contains(module.name) ?? false) {
                exporters[name, default: []].append(module.name)
            }
        }
        for module in modules {
            for name in module.exportedSymbols.sorted() {
                let others = (exporters[name] ?? []).filter { $0 != module.name }
                if !others.isEmpty {
                    findings.add(.duplicateExport, module.file, name, Messages.duplicateExport(name, others: others))
                }
            }
        }
    }

    /// Tarjan's strongly connected components, each in ascending index order, by smallest index.
    package static func stronglyConnected(count: Int, edges: [Edge]) -> [[Int]] {
        var adjacency = [[Int]](repeating: [], count: count)
        for edge in edges { adjacency[edge.from].append(edge.to) }
        var index = 0
        var indices = [Int?](repeating: nil, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var components: [[Int]] = []
        func visit(_ node: Int) {
            indices[node] = index
            lowLink[node] = index
            index += 1
            stack.append(node)
            onStack[node] = true
            for next in adjacency[node] {
                if let nextIndex = indices[next] {
                    if onStack[next] { lowLink[node] = min(lowLink[node], nextIndex) }
                } else {
                    visit(next)
                    lowLink[node] = min(lowLink[node], lowLink[next])
                }
            }
            if lowLink[node] == indices[node] {
                var component: [Int] = []
                while let top = stack.popLast() {
                    onStack[top] = false
                    component.append(top)
                    if top == node { break }
                }
                components.append(component.sorted())
            }
        }
        for node in 0..<count where indices[node] == nil { visit(node) }
        return components.sorted { $0[0] < $1[0] }
    }
}
