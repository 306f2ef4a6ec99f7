import KernelWorld

/// Rules over what `klp-split build` records in each part about its build (`.modinfo`
/// `klp_patch`, `klp_patch_digest`, `klp_target_build_id`/`klp_target_srcversion`; docs/build.md):
/// the parts given together come from one build of their patch, and a module part was made for
/// the build of its module that the kernel world holds. Modules without these fields (built by
/// another tool) are not judged.
///
/// Why: splitting makes each part a livepatch of its own, so parts of two builds can be loaded
/// together (an old `<patch>__<module>.ko` left in `updates/`); and a part made for another build
/// of its module patches code it was not written for (kpatch issue 1435).
enum ProvenanceRules {
    /// A module part's recorded target against the world's module of that name.
    static func check(_ module: CheckedModule, world: CheckWorld, into findings: inout FindingList) {
        for (key, value) in module.modinfo.entries.map({ ($0.key, $0.value) })
        where key == ModuleBuild.buildIDKey || key == ModuleBuild.srcversionKey {
            guard let recorded = ModuleBuild(modinfoKey: key, value: value) else {
                findings.add(.targetBuild, module.file, ".modinfo", Messages.malformedTargetBuild(key: key, value: value))
                continue
            }
            guard let object = module.patchedObjects.first(where: { !$0.isVmlinux }),
                  let actual = world.moduleBuilds[object], actual != recorded else { continue }
            findings.add(.targetBuild, module.file, ".modinfo", Messages.targetBuild(object: object.rawValue, recorded: recorded, actual: actual))
        }
    }

    /// Parts that name the same patch but record different digests.
    static func checkSet(_ modules: [CheckedModule], into findings: inout FindingList) {
        var byPatch: [String: [(part: CheckedModule, digest: String)]] = [:]
        for module in modules {
            guard let patch = module.modinfo.value(PartProvenanceKey.patch),
                  let digest = module.modinfo.value(PartProvenanceKey.digest) else { continue }
            byPatch[patch, default: []].append((module, digest))
        }
        for (patch, parts) in byPatch.sorted(by: { $0.key < $1.key }) {
            let byDigest = Dictionary(grouping: parts, by: \.digest)
            guard byDigest.count > 1 else { continue }
            // The main part's build is the reference when it was given; else the most common
            // digest, ties to the smaller one, so the finding does not depend on argument order.
            let reference = parts.first { $0.part.name == patch }?.digest
                ?? byDigest.max { a, b in a.value.count != b.value.count ? a.value.count < b.value.count : a.key > b.key }!.key
            let holders = byDigest[reference, default: []].map(\.part.name).sorted()
            for (part, digest) in parts.sorted(by: { $0.part.name < $1.part.name }) where digest != reference {
                findings.add(.mixedBuild, part.file, ".modinfo",
                             Messages.mixedBuild(patch: patch, digest: digest, reference: reference, holders: holders))
            }
        }
    }
}
