/// The `.modinfo` keys `klp-split build` writes into every part about the build it came from
/// (docs/build.md): `klp_patch=<patch>` and `klp_patch_digest=<SHA-256 of the input livepatch>`.
/// The target module's build goes under `ModuleBuild.modinfoKey`. `build` writes them, the install
/// policy reads them back with `modinfo -F`, and `check` compares them across the parts of a set.
package enum PartProvenanceKey {
    /// `klp_patch`: the name of the livepatch the part was split from.
    package static let patch = "klp_patch"
    /// `klp_patch_digest`: the input livepatch's SHA-256, lower-case hexadecimal.
    package static let digest = "klp_patch_digest"
    /// Every key klp-split writes; an input's own entries with these keys are dropped.
    package static let all: Set<String> = [patch, digest, ModuleBuild.buildIDKey, ModuleBuild.srcversionKey]
}
