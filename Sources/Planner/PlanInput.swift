import ELF
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
    /// klp-convert annotations read from the livepatch (`.klp.module_relocs.<obj>`), each tied to
    /// the code of its translation unit.
    package var annotations: [SymposAnnotation] = []
    /// `klp-split convert`: plan the module as ONE livepatch, without splitting it. Code and data
    /// shared between objects are internal (no C/D categories, no shared-state, cycle, main-part or
    /// atomic-replace checks); the kernel-level rules stay.
    package var wholeModule = false
    /// The target kernel's release and module compression, for the plan's header and the
    /// behaviour that depends on the kernel version; nil when unknown.
    package var target: TargetKernel?
    /// The livepatch's compile units (DWARF), which decide who owns an export when each part's
    /// code comes from its own source file; empty when unknown.
    package var translationUnits: [TranslationUnit] = []
    /// Which build of each patched module the world holds (`ModuleBuild`), for the identity a
    /// module part records; empty when the world has no module files (symbols.klp only).
    package var moduleBuilds: [ObjectName: ModuleBuild] = [:]
    /// Coupling analysis (`CouplingAnalysis`): the shadow variable calls in the livepatch's code,
    /// decoded where the section bytes are (`ShadowCallDecoder`); the `klp_state` ids each object's
    /// part declares; the windows accepted (`--accept-coupling`); and whether a finding is an error
    /// (`--strict`) rather than a warning.
    package var coupling = CouplingInput()
    /// `--states-in-every-part`: a patch with `klp_state` entries is split with the states copied
    /// into every part (`klp-state`); without it such a patch of several parts is refused.
    package var statesInEveryPart = false

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

