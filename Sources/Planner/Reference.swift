/// One reference site: a relocation in a part's code or data, with its category and what to do.
package struct Reference: Sendable, Codable, Equatable, Comparable {
    package let part: String
    /// The section holding the relocated bytes, for example `.text.livepatch_cdrom_sysctl_info`.
    package let section: String
    package let offset: UInt64
    /// The function or object containing the site, for example `livepatch_cdrom_sysctl_info+0x49`.
    package let site: String
    package let symbol: String
    package let category: Category
    /// The object owning the symbol (`vmlinux`, a module, or a part for C/D); nil when unresolved.
    package let owner: String?
    /// The kernel's position for klp relocations (0 = unique); nil when not a klp relocation.
    package let sympos: Int?
    /// What `build` does, for example `.klp.sym.cdrom.cdrom_check_events,0 in .klp.rela.cdrom..text.foo`.
    package let action: String
    package let reason: String
    /// Whether this reference is acceptable; false ones have a matching error diagnostic.
    package let ok: Bool
    /// For exports: the CRC in Module.symvers (`0x` and 8 hex digits), which a klp relocation no longer checks.
    package var crc: String?
    /// For exports: the symbol namespace (`import_ns=`), if any.
    package var namespace: String?
    /// `convert` only: the object of the `.klp.rela.<object>.*` section a klp relocation goes into
    /// (one module holds several objects, so the part's object cannot say). Nil for `plan`/`build`.
    package var relocationObject: String?

    package static func < (lhs: Reference, rhs: Reference) -> Bool {
        (lhs.part, lhs.section, lhs.offset, lhs.symbol) < (rhs.part, rhs.section, rhs.offset, rhs.symbol)
    }
}

/// How every relocation of one relocation section was accounted for.
package struct RelocationAccount: Sendable, Codable, Equatable {
    /// The relocation section, for example `.rela.text.foo`.
    package let section: String
    package let entries: Int
    /// Entries reported in `references` (a duplicated site is reported once per part).
    package let references: Int
    /// Entries that stay inside one part (code to its own code, data or strings).
    package let internalToPart: Int
    /// Entries of the module's own plumbing: klp_patch/klp_object/klp_func arrays, init/exit, this_module, exports.
    package let moduleInfrastructure: Int
    /// Entries in code or data that no patched function reaches (build drops them).
    package let unreachable: Int
}
