import KernelWorld
import Planner

/// Warnings: things that load but break later.
///
/// Kernel: arch/x86/kernel/module.c `apply_relocate_add()` ("Skipping invalid relocation target,
/// existing value is nonzero") and `clear_relocate_add()`, added in v6.3 (0c05e7bd2d01,
/// "livepatch,x86: Clear relocation targets on a module removal"); include/linux/moduleparam.h
/// (`__param` section, `parm=` and `parmtype=` in `.modinfo`).
package enum HazardRules {
    /// The reload hazard follows the target kernel the world names (`TargetKernel`); without one,
    /// the module's own vermagic.
    static func check(_ module: CheckedModule, target: TargetKernel?, into findings: inout FindingList) {
        let version = target?.version ?? module.modinfo.value("vermagic").flatMap(KernelVersion.init(release:))
        // x86 only: clear_relocate_add() exists only in arch/x86/kernel/module.c (kernel/livepatch/core.c
        // has an empty __weak default), and ppc64's apply_relocate_add() overwrites klp targets.
        if module.architecture == .x86_64, let version, version < TargetKernel.clearRelocateAddSince {
            var objects: [String] = []
            for table in module.klpRelocationSections {
                if let name = KlpRelaName(table.section.name), name.object != "vmlinux", !objects.contains(name.object) {
                    objects.append(name.object)
                }
            }
            if let first = module.klpRelocationSections.first(where: { KlpRelaName($0.section.name).map { $0.object != "vmlinux" } ?? false }) {
                findings.add(.moduleReloadHazard, module.file, first.section.name,
                             Messages.reloadHazard(version: version.description, modules: objects))
            }
        }
        for section in module.sections where !SectionRole.isKnown(section) {
            findings.add(.unknownSection, module.file, section.name, Messages.unknownSection(section.name))
        }
        if !PatchIdentity(module: module).isMain {
            var parameters = module.modinfo.values("parm").map { String($0.prefix { $0 != ":" }) }
            if parameters.isEmpty, module.sections.contains(where: { $0.name == "__param" }) {
                parameters = ["__param"]
            }
            if !parameters.isEmpty {
                findings.add(.partParameters, module.file, ".modinfo", Messages.partParameters(parameters))
            }
        }
    }
}
