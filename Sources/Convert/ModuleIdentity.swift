import KernelWorld
import Livepatch
import Planner

/// The module-level identity of a part: `.modinfo` (name, depends, import_ns), `__versions` (and the
/// extended `__version_ext_crcs`/`__version_ext_names`) and the
/// module name in `.gnu.linkonce.this_module`.
///
/// Kernel: `struct module` has `char name[MODULE_NAME_LEN]` at offset 24 on 64-bit (after `enum
/// module_state state` and `struct list_head list`); `struct modversion_info` is 64 bytes; kmod's
/// depmod turns every `__versions` entry without a matching undefined symbol into a dependency
/// (domain-notes §7), so entries of converted symbols must go.
struct ModuleIdentity {
    let builder: PartBuilder

    /// Offset of `struct module.name` (include/linux/module.h, v6.1, 64-bit).
    static let moduleNameOffset = ThisModule.nameOffset
    /// MODULE_NAME_LEN on 64-bit.
    static let moduleNameLength = ThisModule.nameLength
    /// The `__versions` entry modpost always adds for the module ABI (v6.1: `module_layout`).
    static let layoutSymbol = "module_layout"

    func modinfo() -> [UInt8] {
        let part = builder.part
        // `module:` namespaces are never imported explicitly: the kernel refuses `import_ns=module:...`
        // (kernel/module/main.c setup_modinfo(), ModuleRestriction).
        let namespaces = Set(builder.plan.references.filter { $0.part == part.name && $0.category == .vmlinuxExport }
            .compactMap(\.namespace).filter { ModuleRestriction(namespace: $0) == nil })
        var entries: [String] = []
        var wroteName = false, wroteDepends = false
        for entry in builder.livepatch.modinfo.entries where !PartProvenanceKey.all.contains(entry.key) {
            switch entry.key {
            case "name":
                entries.append("name=\(part.name)")
                wroteName = true
            case "depends":
                entries.append("depends=\(part.dependsOn.joined(separator: ","))")
                wroteDepends = true
            case "import_ns":
                if namespaces.contains(entry.value) { entries.append("import_ns=\(entry.value)") }
            default:
                entries.append(entry.value.isEmpty && !entry.key.contains("=") ? entry.key : "\(entry.key)=\(entry.value)")
            }
        }
        if !wroteDepends { entries.append("depends=\(part.dependsOn.joined(separator: ","))") }
        if !wroteName { entries.append("name=\(part.name)") }
        if let provenance = builder.provenance { entries += provenance.modinfoEntries(object: part.object) }
        return entries.flatMap { Array($0.utf8) + [0] }
    }

    /// The `__versions` entries of the symbols the part still imports: the input's own entries, plus
    /// entries for what it now imports from another part (C and D), with the CRC the input exported
    /// it with. With CONFIG_MODVERSIONS the loader refuses an import that has no entry while its
    /// exporter has a CRC ("no symbol version for %s", then "Unknown symbol %s (err -22)").
    func versions(keeping imported: Set<String>) -> [UInt8] {
        var bytes: [UInt8] = []
        for version in kept(builder.livepatch.versions, imported: imported) {
            var entry = [UInt8](repeating: 0, count: ModuleVersion.entrySize)
            for i in 0..<4 { entry[i] = UInt8(truncatingIfNeeded: version.crc >> (8 * UInt32(i))) }
            for (i, byte) in version.symbol.utf8.prefix(ModuleVersion.entrySize - 9).enumerated() { entry[8 + i] = byte }
            bytes += entry
        }
        return bytes
    }

    /// `__version_ext_crcs` and `__version_ext_names` (CONFIG_EXTENDED_MODVERSIONS) rewritten by the
    /// same rule as `__versions`, kept index-aligned; `section` says which of the two to return.
    func extendedVersions(keeping imported: Set<String>, section: String) -> [UInt8] {
        let encoded = ExtendedVersions.encode(kept(builder.livepatch.extendedVersions ?? [], imported: imported))
        return section == ExtendedVersions.crcSection ? encoded.crcs : encoded.names
    }

    /// The entries of `table` for the symbols the part still imports (and `module_layout`), then
    /// entries for the imports that `table` lacks but that the input exports with a CRC (C and D).
    private func kept(_ table: [ModuleVersion], imported: Set<String>) -> [ModuleVersion] {
        var versions = table.filter { imported.contains($0.symbol) || $0.symbol == Self.layoutSymbol }
        let listed = Set(versions.map(\.symbol))
        let exported = ExportedCRCs(image: builder.input).crcs
        for name in imported.sorted() where !listed.contains(name) {
            if let crc = exported[name] { versions.append(ModuleVersion(crc: crc, symbol: name)) }
        }
        return versions
    }

    func thisModule(_ bytes: [UInt8]) throws(ConvertError) -> [UInt8] {
        let name = Array(builder.part.name.utf8)
        guard name.count < Self.moduleNameLength,
              bytes.count >= Self.moduleNameOffset + Self.moduleNameLength else {
            throw .unsupportedSection(builder.file, ".gnu.linkonce.this_module",
                                      "cannot hold the module name '\(builder.part.name)' (at most 55 characters)")
        }
        var result = bytes
        for i in 0..<Self.moduleNameLength {
            result[Self.moduleNameOffset + i] = i < name.count ? name[i] : 0
        }
        return result
    }
}
