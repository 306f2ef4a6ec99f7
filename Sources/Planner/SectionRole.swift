import ELF
import KernelWorld
import Livepatch

/// What a section of the input livepatch is, for the split.
package enum SectionRole: Sendable, Equatable {
    /// Code, data, read-only data or strings that belong to parts.
    case content
    /// A special section whose entries follow the code they describe (`__bug_table`, `__jump_table`, ...).
    case special(entrySize: UInt64?)
    /// The module's own plumbing: klp arrays, init/exit code, `.modinfo`, `__versions`, exports, this_module.
    case infrastructure
    /// Not loaded (debug info, notes, symbol and relocation tables).
    case notLoaded
    /// ppc64le's `.toc`: address slots whose relocations follow the code that uses them
    /// (`AddressTable`); every part keeps the section whole.
    case addressTable

    /// Entry sizes of the special sections of x86-64 v6.1 modules (`SpecialSectionTable` has every
    /// kernel's).
    package static var x86_64SpecialEntrySizes: [String: UInt64] { SpecialSectionTable.v6_1 }

    /// Sections that go with special entries but hold code (`.altinstr_replacement`, `.altinstr_aux`).
    package static let specialAuxiliary: Set<String> = [".altinstr_replacement", ".altinstr_aux"]

    /// Whether klp-split knows what an allocated section of a livepatch is: code, compiler data
    /// (`.data*`, `.rodata*`, `.bss*`), a special section or descriptor table of the per-kernel
    /// tables, or module plumbing. `check` warns about any other (`unknown-section`): if the
    /// kernel walks it as a table, a part carries it whole, with the other parts' entries.
    package static func isKnown(_ section: Section) -> Bool {
        let name = section.name
        if !section.flags.contains(.alloc) || section.flags.contains(.executable) { return true }
        if section.flags.contains(.merge) && section.flags.contains(.strings) { return true }
        if SpecialSectionTable.v6_1[name] != nil || SpecialSectionTable.x86_64(for: KernelVersion(major: 6, minor: 12))[name] != nil
            || SpecialSectionTable.descriptorTables(for: nil)[name] != nil || specialAuxiliary.contains(name)
            || SpecialSectionTable.entrySizes(for: .ppc64le, version: nil)[name] != nil || name == ".toc" || name == ".stubs" {
            return true
        }
        let exact: Set<String> = [".data", ".rodata", ".bss", ".modinfo", "__versions", ExtendedVersions.crcSection,
                                  ExtendedVersions.nameSection, ".gnu.linkonce.this_module", "__param", "__modver",
                                  ".comment", ".note.GNU-stack",
                                  // v6.4+ x86 (arch/x86/include/asm/orc_header.h, ORC_HEADER in every module):
                                  // the ORC format hash for tools, 20 bytes, not a table of entries
                                  ".orc_header"]
        let prefixes = [".data.", ".data..", ".rodata.", ".bss.", ".init.", ".exit.", ".note", "__ksymtab", "___ksymtab",
                        "__kcrctab", ".klp.", ".discard", ".ref.data", ".tbss", ".tdata"]
        return exact.contains(name) || prefixes.contains { name.hasPrefix($0) } || KlpBuildSections.isMetadataSection(name)
    }

    /// Roles for a livepatch; entry sizes follow the kernel its vermagic names.
    static func roles(of livepatch: LivepatchModule) -> [SectionRole] {
        let entrySizes = SpecialSectionTable.entrySizes(
            for: livepatch.architecture, version: livepatch.modinfo.value("vermagic").flatMap(KernelVersion.init(release:)))
        let infrastructureCode = Set(livepatch.symbols
            .filter { ($0.name == "init_module" || $0.name == "cleanup_module") && $0.isDefinedInSection }
            .map { Int($0.sectionIndex.rawValue) })
        return livepatch.sections.map { section in
            let name = section.name
            // klp-convert's sympos annotations: read before planning, never loaded.
            if name.hasPrefix(".klp.module_relocs.") { return .notLoaded }
            if !section.flags.contains(.alloc) || section.isRelocationSection || section.type == .null {
                return .notLoaded
            }
            if livepatch.architecture == .ppc64le {
                // arch/powerpc/kernel/module_64.c module_frob_arch_sections(): the loader finds
                // `.toc` and `.stubs` by name, sizes `.stubs` itself, and refuses a module without it.
                if name == ".toc" { return .addressTable }
                if name == ".stubs" { return .infrastructure }
            }
            if let size = entrySizes[name] {
                return .special(entrySize: section.entrySize > 0 ? section.entrySize : size)
            }
            if specialAuxiliary.contains(name) { return .special(entrySize: nil) }
            if livepatch.patch.metadataSections.contains(section.index) || infrastructureCode.contains(section.index) {
                return .infrastructure
            }
            let plumbing = [".modinfo", "__versions", ExtendedVersions.crcSection, ExtendedVersions.nameSection, ".gnu.linkonce.this_module", "__ksymtab_strings", ".init.data",
                            ".exit.data", ".init.text", ".exit.text", "__param", "__modver"]
            if plumbing.contains(name) || name.hasPrefix(".note") || name.hasPrefix("__ksymtab")
                || name.hasPrefix("___ksymtab") || name.hasPrefix("__kcrctab") || KlpBuildSections.isMetadataSection(name)
                || name.hasPrefix(".klp.") {
                return .infrastructure
            }
            if name.hasPrefix(".discard") || name == ".comment" { return .notLoaded }
            return .content
        }
    }
}
