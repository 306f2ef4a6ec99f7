import Planner

/// Warnings: things that load but break later.
///
/// Kernel: arch/x86/kernel/module.c `apply_relocate_add()` ("Skipping invalid relocation target,
/// existing value is nonzero") and `clear_relocate_add()`, added in v6.3 (0c05e7bd2d01,
/// "livepatch,x86: Clear relocation targets on a module removal"); include/linux/moduleparam.h
/// (`__param` section, `parm=` and `parmtype=` in `.modinfo`).
package enum HazardRules {
    /// The first x86 release that clears klp relocation targets when the patched module goes.
    static let clearRelocationsSince = (major: 6, minor: 3)

    static func check(_ module: CheckedModule, into findings: inout FindingList) {
        if let vermagic = module.modinfo.value("vermagic"), let version = kernelVersion(vermagic),
           version < clearRelocationsSince {
            var objects: [String] = []
            for table in module.klpRelocationSections {
                if let name = KlpRelaName(table.section.name), name.object != "vmlinux", !objects.contains(name.object) {
                    objects.append(name.object)
                }
            }
            if let first = module.klpRelocationSections.first(where: { KlpRelaName($0.section.name).map { $0.object != "vmlinux" } ?? false }) {
                findings.add(.moduleReloadHazard, module.file, first.section.name,
                             Messages.reloadHazard(version: "\(version.major).\(version.minor)", modules: objects))
            }
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

    /// `major.minor` from the start of a vermagic string such as `6.1.0-56-amd64 SMP preempt ...`.
    package static func kernelVersion(_ vermagic: String) -> (major: Int, minor: Int)? {
        let release = vermagic.prefix { $0 != " " }
        let numbers = release.split(separator: ".", maxSplits: 2)
        guard numbers.count >= 2, let major = Int(numbers[0]),
              let minor = Int(numbers[1].prefix { $0.isNumber }) else { return nil }
        return (major, minor)
    }
}
