import ELF
import KernelWorld
import Livepatch
import Planner

/// A module given to `check`, read into values: its ELF tables, `.modinfo`, `__versions`, the name
/// in `.gnu.linkonce.this_module` and, when it can be read, the patch it describes.
///
/// Unlike `LivepatchReader`, reading succeeds for any readable x86-64 or ppc64le kernel module: a missing
/// `livepatch=Y` or an unreadable klp_patch is something to report, not a reason to stop. A name
/// kbuild would never produce (`InputNames`) is: the module is refused, as the other commands
/// refuse it.
package struct CheckedModule: Sendable {
    /// The file name without its directory (used in every finding).
    package let file: String
    package let sections: [Section]
    package let symbols: [Symbol]
    /// Every relocation section with its entries, in section order.
    package let relocationSections: [RelocationSection]
    package let modinfo: ModuleInfo
    /// The extended modversions tables (`__version_ext_crcs`/`__version_ext_names`), then
    /// `__versions`: the loader relies on the extended tables alone when they exist
    /// (kernel/module/version.c `check_version()`), so a lookup by name finds theirs first; empty
    /// when there are none.
    package let versions: [ModuleVersion]
    /// The symbols the extended tables name (a subset of `versions`' symbols).
    package var extendedVersionSymbols: Set<String> = []
    /// `struct module.name` in `.gnu.linkonce.this_module`; nil when the section is missing or short.
    package let thisModuleName: String?
    /// The klp_patch/klp_object description; nil when `patchProblem` says why it could not be read.
    package let patch: KlpPatch?
    package let patchProblem: String?
    /// Pointers of the klp structs that no relocation fills in (`KlpStructAudit`).
    package var structGaps: [KlpPointerGap] = []
    /// The processor and ABI the module is built for (`ELFFile.architecture`).
    package var architecture: Architecture = .x86_64
    /// ppc64le: the `bl` calls with no nop after them (`PPC64CallSites`); empty on x86-64.
    package var callsWithoutNop: Set<Location> = []
    /// Calls to `klp_shadow_*` in its code, with the ids decoded (`ShadowCallDecoder`).
    package var shadowCalls: [ShadowCall] = []
    /// The `klp_state` ids its klp_patch declares (`KlpStateReader`).
    package var states: [UInt64] = []
    /// The appended module signature, if any.
    package var signature: SignatureState = .unsigned

    package init(file: String, sections: [Section], symbols: [Symbol], relocationSections: [RelocationSection],
                 modinfo: ModuleInfo, versions: [ModuleVersion], thisModuleName: String?,
                 patch: KlpPatch?, patchProblem: String?) {
        self.file = file
        self.sections = sections
        self.symbols = symbols
        self.relocationSections = relocationSections
        self.modinfo = modinfo
        self.versions = versions
        self.thisModuleName = thisModuleName
        self.patch = patch
        self.patchProblem = patchProblem
    }

    /// Reads the module at `path`; findings will name it `displayName` (default: the file name).
    package static func read(path: String, displayName: String? = nil) throws(CheckError) -> CheckedModule {
        let file = displayName ?? String(path.split(separator: "/").last ?? Substring(path))
        do {
            let elf = try ELFFile(path: path)
            guard elf.fileType == ELFFile.relocatable else {
                throw CheckError.notModule(file, fileType: elf.fileType)
            }
            let modinfoBytes = try elf.section(named: ".modinfo").map { try elf.contents(of: $0) } ?? []
            if let problem = ModuleInfo.problem(in: modinfoBytes) {
                throw CheckError.malformed(file, ".modinfo", problem)
            }
            let modinfo = ModuleInfo(bytes: modinfoBytes)
            var versions: [ModuleVersion] = []
            if let section = elf.section(named: "__versions") {
                guard let parsed = ModuleVersion.parse(try elf.contents(of: section)) else {
                    throw CheckError.malformed(file, "__versions", "size \(section.size) is not a multiple of 64 (struct modversion_info)")
                }
                versions = parsed
            }
            var extendedSymbols: Set<String> = []
            switch try ExtendedVersions.read(elf) {
            case .success(let parsed):
                versions = parsed + versions
                extendedSymbols = Set(parsed.map(\.symbol))
            case .failure(let problem): throw CheckError.malformed(file, problem.section, problem.detail)
            case nil: break
            }
            let thisModuleName = try elf.section(named: ThisModule.sectionName).flatMap { ThisModule.name(in: try elf.contents(of: $0)) }
            _ = try InputNames.moduleName(file: file, modinfo: modinfo, thisModuleName: thisModuleName)
            var relocationSections: [RelocationSection] = []
            for section in elf.sections where section.isRelocationSection {
                relocationSections.append(RelocationSection(section: section, targetIndex: section.info,
                                                            entries: try elf.relocations(in: section)))
            }
            try InputNames.symbolsAndSections(file: file, sections: elf.sections, symbols: elf.symbols)
            var patch: KlpPatch?
            var patchProblem: String?
            var audit = KlpStructAudit.empty
            var problem: LivepatchError?
            do {
                let inspection = try LivepatchReader.inspect(path: path, displayName: file)
                patch = inspection.module?.patch
                audit = inspection.audit
                problem = inspection.problem
            } catch where error.kind == .invalidName {
                throw error
            } catch {
                problem = error
            }
            // a name klp-split could not emit safely is refused when read (exit 1), not a finding
            if let problem, problem.kind == .invalidName { throw problem }
            if let problem {
                let prefix = "\(file): "
                patchProblem = problem.message.hasPrefix(prefix) ? String(problem.message.dropFirst(prefix.count)) : problem.message
            }
            // A lost klp_object.name is reported once (klp-struct-relocation); the other rules see the object meant.
            for (index, name) in audit.intendedNames.sorted(by: { $0.key < $1.key }) { patch = patch?.naming(object: index, name) }
            var module = CheckedModule(file: file, sections: elf.sections, symbols: elf.symbols,
                                       relocationSections: relocationSections, modinfo: modinfo, versions: versions,
                                       thisModuleName: thisModuleName, patch: patch, patchProblem: patchProblem)
            module.architecture = elf.architecture
            if elf.architecture == .ppc64le {
                module.callsWithoutNop = try PPC64CallSites.callsWithoutNop(relocationSections: relocationSections) {
                    try elf.contents(of: elf.sections[$0])
                }
            }
            module.structGaps = audit.gaps
            module.extendedVersionSymbols = extendedSymbols
            module.shadowCalls = try ShadowCallDecoder.calls(in: elf)
            if let patch { module.states = try KlpStateReader.ids(in: elf, patch: patch) }
            module.signature = try SignatureState.read(elf)
            return module
        } catch let error as CheckError {
            throw error
        } catch let error as LivepatchError {
            throw CheckError.unreadable(error.message)
        } catch let error as ELFError {
            throw CheckError.unreadable(error.naming(file).description)
        } catch {
            throw CheckError.unreadable("\(file): error: \(error)")
        }
    }

    /// The module name: `.modinfo name=`, else the name in `.gnu.linkonce.this_module`, else the
    /// file name without `.ko` (or `.ko.xz`, `.ko.zst`, `.ko.gz`).
    package var name: String {
        if let name = modinfo.value("name"), !name.isEmpty { return name }
        if let thisModuleName, !thisModuleName.isEmpty { return thisModuleName }
        for suffix in [".ko.xz", ".ko.zst", ".ko.gz", ".ko"] where file.hasSuffix(suffix) {
            return String(file.dropLast(suffix.count))
        }
        return file
    }

    /// The objects the module patches: its klp_objects, else the objects its `.klp.rela` sections name.
    package var patchedObjects: [ObjectName] {
        if let patch {
            return patch.objects.compactMap { try? ObjectName(normalizing: $0.name ?? "vmlinux") }
        }
        var names: [ObjectName] = []
        for section in klpRelocationSections {
            if let raw = KlpNames.parseRelocationSection(section.section.name),
               let name = try? ObjectName(normalizing: raw), !names.contains(name) {
                names.append(name)
            }
        }
        return names
    }

    /// Relocation sections that are livepatch relocation sections by name or by flag.
    package var klpRelocationSections: [RelocationSection] {
        relocationSections.filter { Self.isKlpRelocationSection($0.section) }
    }

    /// Relocation sections the loader applies itself (neither named `.klp.rela.` nor flagged).
    package var ordinaryRelocationSections: [RelocationSection] {
        relocationSections.filter { !Self.isKlpRelocationSection($0.section) }
    }

    static func isKlpRelocationSection(_ section: Section) -> Bool {
        section.name.hasPrefix(KlpNames.relocationSectionPrefix) || section.flags.contains(.relaLivepatch)
    }

    /// Symbols this module exports (`__ksymtab_<name>` markers modpost reads).
    package var exportedSymbols: Set<String> {
        Set(symbols.compactMap { symbol in
            symbol.name.hasPrefix("__ksymtab_") ? String(symbol.name.dropFirst("__ksymtab_".count)) : nil
        })
    }

    /// `SHN_UNDEF` symbols with a name: what the loader resolves and depmod records. Not the one the
    /// loader sets itself (`Architecture.loaderProvidedSymbol`, ppc64le's `.TOC.`).
    package var undefinedSymbols: [Symbol] {
        symbols.filter {
            $0.index != 0 && $0.sectionIndex == .undefined && !$0.name.isEmpty && $0.type != .section && $0.type != .file
                && $0.name != architecture.loaderProvidedSymbol
        }
    }

    /// The section a symbol's `st_shndx` names, if ordinary.
    func section(of symbol: Symbol) -> Section? {
        let index = Int(symbol.sectionIndex.rawValue)
        guard symbol.sectionIndex.isOrdinary, symbol.sectionIndex != .undefined, index < sections.count else { return nil }
        return sections[index]
    }
}
