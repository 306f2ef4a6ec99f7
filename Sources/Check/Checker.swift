import Planner

/// Runs every rule over the modules given and the set they form. Pure: no file I/O.
package enum Checker {
    /// `acceptances`: coupling findings accepted with a reason (`--accept-coupling`), left out.
    /// `requireSignature`: an unsigned module is an error (`signature-required`).
    package static func check(_ modules: [CheckedModule], world: CheckWorld,
                              acceptances: [CouplingAcceptance] = [], requireSignature: Bool = false) -> CheckReport {
        var findings = FindingList()
        for module in modules {
            ModuleFormatRules.check(module, into: &findings)
            KernelRules.check(module, into: &findings)
            SymbolRules.check(module, world: world, into: &findings)
            DependencyRules.check(module, world: world, all: modules, into: &findings)
            HazardRules.check(module, target: world.target, into: &findings)
            PPC64Rules.check(module, into: &findings)
            ProvenanceRules.check(module, world: world, into: &findings)
            SignatureRules.check(module, requireSignature: requireSignature, into: &findings)
        }
        SetRules.check(modules, world: world, into: &findings)
        ProvenanceRules.checkSet(modules, into: &findings)
        CouplingRules.check(modules, accepting: acceptances, into: &findings)
        var report = CheckReport(modules: modules, findings: findings.findings)
        report.target = world.target
        return report
    }
}
