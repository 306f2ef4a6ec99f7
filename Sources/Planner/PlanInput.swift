import KernelWorld
import Livepatch

/// Everything the Planner needs, as values: the livepatch and the facts of the target kernel.
package struct PlanInput: Sendable {
    package let livepatch: LivepatchModule
    package let exports: ExportTable
    /// For each patched module, every module it depends on (transitively, modules.dep via libkmod).
    package let dependencies: [ObjectName: Set<ObjectName>]
    /// For each object, its symbols in the order the kernel counts sympos.
    package let symbolOrder: [ObjectName: SymbolOrder]
    /// Positions chosen by the user for non-exported names (`--sympos`).
    package let symposChoices: [SymposChoice]

    package init(livepatch: LivepatchModule, exports: ExportTable,
                 dependencies: [ObjectName: Set<ObjectName>], symbolOrder: [ObjectName: SymbolOrder],
                 symposChoices: [SymposChoice] = []) {
        self.livepatch = livepatch
        self.exports = exports
        self.dependencies = dependencies
        self.symbolOrder = symbolOrder
        self.symposChoices = symposChoices
    }
}

