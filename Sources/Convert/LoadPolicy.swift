import ELF
import Planner

/// How the parts get loaded: `load-order` (eager mode) and a modprobe.d file (`<patch>.conf`) with
/// on-demand loading (`install <module>` rules) and safe removal (`remove <module>` rules).
///
/// Facts behind the rules (shared/kernel-lab README, "Load-policy facts"): only one livepatch
/// transition runs at a time, so every step waits until no `/sys/kernel/livepatch/*/transition` is 1;
/// kmod's modprobe honours `softdep`/`install`/`remove` (busybox's does not); x86 kernels before
/// v6.3 lack `clear_relocate_add()` (commit 0c05e7bd2d01), so a module cannot be loaded again while a
/// part holding klp relocations for it stays loaded ("Skipping invalid relocation target, existing
/// value is nonzero"): the part must be disabled and removed before the module goes. The target
/// kernel's version (`Plan.target`) decides; an unknown version gets the pre-6.3 rules.
package enum LoadPolicy {
    /// Eager mode: every part, in an order that loads each part after the parts it needs.
    package static func loadOrder(_ plan: Plan) -> [String] {
        var order: [String] = []
        var pending = plan.parts.sorted { ($0.isMain ? 0 : 1, $0.name) < ($1.isMain ? 0 : 1, $1.name) }
        while !pending.isEmpty {
            let ready = pending.firstIndex { part in part.dependsOn.allSatisfy(order.contains) } ?? 0
            order.append(pending.remove(at: ready).name)
        }
        return order
    }

    /// The load-order file: one module file per line, with a comment saying how to use it.
    package static func loadOrderFile(_ plan: Plan) -> String {
        var lines = [
            "# load-order for livepatch '\(plan.patch)', written by klp-split.",
            "# Eager mode: insmod (or modprobe) each part in this order, waiting until",
            "# /sys/kernel/livepatch/<part>/transition is 0 before the next one.",
        ]
        lines += loadOrder(plan).map { "\($0).ko" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The modprobe.d policy of a plan (`ModprobePolicy`); `dependencies` gives, by module, the
    /// modules it depends on (modules.dep), whose parts its removal can take along. The reload
    /// hazard is x86's (`clear_relocate_add()` is only in arch/x86/kernel/module.c); ppc64 has its
    /// `.stubs` limit instead (`ModprobePolicy.stubsLimit`).
    package static func modprobePolicy(_ plan: Plan, dependencies: [String: [String]],
                                       provenance: BuildProvenance? = nil,
                                       architecture: Architecture = .x86_64) throws(ConvertError) -> ModprobePolicy {
        let moduleParts = plan.parts.filter { !$0.isMain }
        let rules = moduleParts.map { part in
            ModprobePolicy.Rule(module: part.object, part: part.name, alsoRemoved: moduleParts.filter { other in
                other.name != part.name && (dependencies[part.object] ?? []).contains(other.object)
            }.map { ModprobePolicy.Removal(part: $0.name, module: $0.object) }, target: provenance?.targets[part.object])
        }
        do {
            return try ModprobePolicy(patch: plan.patch, mainPart: plan.parts.first { $0.isMain }?.name, rules: rules,
                                      reloadHazard: architecture == .x86_64 ? plan.target?.hasReloadHazard ?? true : false,
                                      stubsLimit: architecture == .ppc64le, digest: provenance?.digest)
        } catch {
            throw .inconsistent(plan.patch, "a name of the modprobe.d policy \(error)")
        }
    }

    /// The modprobe.d file (`ModprobePolicy.text`).
    package static func modprobeConf(_ plan: Plan, dependencies: [String: [String]], provenance: BuildProvenance? = nil,
                                     architecture: Architecture = .x86_64) throws(ConvertError) -> String {
        try modprobePolicy(plan, dependencies: dependencies, provenance: provenance, architecture: architecture).text
    }
}
