import KernelWorld

/// Which split patch a module belongs to, from its name: parts are `<patch>` (the main part) and
/// `<patch>__<object>` for each patched module object (the names `klp-split build` writes, after
/// Petr Mladek's proposal).
struct PatchIdentity {
    /// The patch name: the module name without `__<object>` when it ends with one of its objects.
    let patch: String
    /// True for `<patch>` itself (the main part, or a livepatch that was never split).
    let isMain: Bool

    init(module: CheckedModule) {
        let name = module.name
        for object in module.patchedObjects where !object.isVmlinux {
            let suffix = "__" + object.rawValue
            if name.hasSuffix(suffix), name.count > suffix.count {
                patch = String(name.dropLast(suffix.count))
                isMain = false
                return
            }
        }
        patch = name
        isMain = true
    }

    /// True when `name` is this patch's main part or one of its parts.
    func includes(_ name: String) -> Bool {
        name == patch || name.hasPrefix(patch + "__")
    }
}
