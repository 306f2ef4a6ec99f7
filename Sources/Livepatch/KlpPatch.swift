/// What a livepatch patches: its objects, their functions and callbacks, and `replace`.
///
/// Kernel: include/linux/livepatch.h `struct klp_patch`, `struct klp_object`, `struct klp_func`;
/// upstream klp-build's `struct klp_object_ext`/`struct klp_func_ext` (include/linux/livepatch_external.h).
package struct KlpPatch: Sendable {
    /// Where the description was read from.
    package enum Source: String, Sendable {
        /// Static `struct klp_patch`/`klp_object`/`klp_func` arrays (samples/livepatch style).
        case klpStructs = "klp_patch"
        /// klp-build's `.init.klp_objects`/`.init.klp_funcs` sections, or 6.19's
        /// `__klp_objects`/`__klp_funcs` (`KlpBuildSections`; `metadataName` says which).
        case klpBuildMetadata = ".init.klp_objects"
    }

    package let source: Source
    /// `klp_patch.replace` (atomic replace); false for klp-build metadata, which has no such field.
    package let replace: Bool
    /// Whether the patch declares `klp_patch.states`.
    package let hasStates: Bool
    package let objects: [KlpObject]
    /// Sections that hold only the patch description (the arrays above); they belong to no part.
    package let metadataSections: Set<Int>
    /// How the struct layout was established, in words (for `plan`).
    package let layout: String
    /// Where the `struct klp_patch` is (static arrays only).
    package var patchLocation: Location? = nil
    /// `sizeof(struct klp_object)` (or `klp_object_ext`): the stride of the objects array.
    package var objectEntrySize: UInt64 = 0
    /// klp-build's section names, as this module spells them; nil for static arrays.
    package var klpBuildSections: KlpBuildSections? = nil

    /// Where the description was read from, for `plan`: `klp_patch`, or the klp-build objects
    /// section's name (`.init.klp_objects` or 6.19's `__klp_objects`).
    package var metadataName: String { klpBuildSections?.objects ?? source.rawValue }
}

extension KlpPatch {
    /// The patch with object `index` named `name`: `check` reads a klp_object whose `name`
    /// relocation was lost as the object the module's klp relocations name (`KlpStructAudit`).
    package func naming(object index: Int, _ name: String) -> KlpPatch {
        guard objects.indices.contains(index) else { return self }
        var renamed = objects
        let old = objects[index]
        var object = KlpObject(name: name, functions: old.functions, callbacks: old.callbacks)
        object.entry = old.entry
        object.functionsArray = old.functionsArray
        object.functionsArraySize = old.functionsArraySize
        renamed[index] = object
        var result = KlpPatch(source: source, replace: replace, hasStates: hasStates, objects: renamed,
                              metadataSections: metadataSections, layout: layout)
        result.patchLocation = patchLocation
        result.objectEntrySize = objectEntrySize
        result.klpBuildSections = klpBuildSections
        return result
    }
}

/// One patched object (`struct klp_object`).
package struct KlpObject: Sendable {
    /// `klp_object.name`: nil for vmlinux.
    package let name: String?
    package let functions: [KlpFunction]
    package let callbacks: [KlpCallback]
    /// Where this object's `struct klp_object` (or `klp_object_ext`) entry starts.
    package var entry: Location? = nil
    /// Where its `klp_func` (or `klp_func_ext`) array starts.
    package var functionsArray: Location? = nil
    /// The bytes its entries take in that array (without the terminator).
    package var functionsArraySize: UInt64 = 0
}

/// One patched function (`struct klp_func`).
package struct KlpFunction: Sendable {
    /// `old_name`: the function replaced in the patched object.
    package let oldName: String
    /// `old_sympos`: 0 means the name must be unique in the object.
    package let oldSympos: UInt64
    /// `new_func`: the replacement, as a symbol of the livepatch.
    package let newFunction: String
    /// Where `new_func` points.
    package let newFunctionLocation: Location
}

/// A `struct klp_callbacks` member of an object.
package struct KlpCallback: Sendable {
    /// `pre_patch`, `post_patch`, `pre_unpatch` or `post_unpatch`.
    package let kind: String
    package let function: String
    package let location: Location
}

extension KlpPatch {
    /// A patch description as values (static klp arrays, no metadata sections), for synthetic
    /// planner inputs.
    package init(objects: [KlpObject], replace: Bool = false, hasStates: Bool = false) {
        self.init(source: .klpStructs, replace: replace, hasStates: hasStates, objects: objects,
                  metadataSections: [], layout: "synthetic")
    }
}

extension KlpObject {
    /// An object (nil: vmlinux) with its functions and callbacks, for synthetic planner inputs.
    package init(name: String?, functions: [KlpFunction]) {
        self.init(name: name, functions: functions, callbacks: [])
    }

    /// An object with callbacks too (`functions` may be empty: `no_funcs[] = { { } }`).
    package init(name: String?, functions: [KlpFunction], callbacks: [KlpCallback]) {
        self.init(name: name, functions: functions, callbacks: callbacks, entry: nil)
    }
}

extension KlpCallback {
    /// A callback as values, for synthetic planner inputs.
    package init(kind: String, function: String, at location: Location) {
        self.init(kind: kind, function: function, location: location)
    }
}

extension KlpFunction {
    /// A `klp_func` as values, for synthetic planner inputs.
    package init(oldName: String, newFunction: String, at location: Location, oldSympos: UInt64 = 0) {
        self.init(oldName: oldName, oldSympos: oldSympos, newFunction: newFunction, newFunctionLocation: location)
    }
}
