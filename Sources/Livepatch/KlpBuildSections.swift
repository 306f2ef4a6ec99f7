import ELF

/// The names klp-build gives the two sections that describe a patch: an array of
/// `struct klp_object_ext` and the `struct klp_func_ext` arrays it points to. The layouts are the
/// same under both names (include/linux/livepatch_external.h); only the names changed.
///
/// | kernel | objects | functions | source |
/// |---|---|---|---|
/// | 6.19 (klp-build's first release) | `__klp_objects` | `__klp_funcs` | torvalds/linux `tools/objtool/include/objtool/klp.h` `KLP_OBJECTS_SEC`/`KLP_FUNCS_SEC`; `scripts/module.lds.S` `__klp_funcs 0: ALIGN(8) { KEEP(*(__klp_funcs)) }` |
/// | after 6.19 | `.init.klp_objects` | `.init.klp_funcs` | Petr Pavlu, "livepatch: Free klp_{object,func}_ext data after initialization" (live-patching, 2026-01-14): the same defines and linker script lines renamed, and `klp_build_locate_init_objects()` in kernel/livepatch/core.c looks the new name up |
///
/// A module carries one pair or the other; `find(in:)` takes the first pair whose objects section
/// exists, newest names first.
package struct KlpBuildSections: Sendable, Equatable {
    /// The `struct klp_object_ext[]` section.
    package let objects: String
    /// The `struct klp_func_ext[]` section.
    package let functions: String

    /// After 6.19: freed with the module's init memory once the patch is built.
    package static let initMemory = KlpBuildSections(objects: ".init.klp_objects", functions: ".init.klp_funcs")
    /// 6.19, as released.
    package static let released = KlpBuildSections(objects: "__klp_objects", functions: "__klp_funcs")
    /// Every pair, newest first.
    package static let all: [KlpBuildSections] = [initMemory, released]

    /// The pair this module uses and its objects section, or nil when it has neither.
    package static func find(in sections: [Section]) -> (names: KlpBuildSections, objects: Section)? {
        for names in all {
            if let objects = sections.first(where: { $0.name == names.objects }) { return (names, objects) }
        }
        return nil
    }

    /// Whether `name` is one of klp-build's metadata sections, under either name.
    package static func isMetadataSection(_ name: String) -> Bool {
        all.contains { $0.objects == name || $0.functions == name }
    }

    /// `.init.klp_objects and .init.klp_funcs`, for messages.
    package var bothNames: String { "\(objects) and \(functions)" }
}
