import ELF

/// Reads a livepatch `.ko` into a `LivepatchModule`.
package enum LivepatchReader {
    /// Opens, checks and reads one livepatch module.
    ///
    /// - Parameters:
    ///   - displayName: how diagnostics name the file (defaults to the path).
    ///   - requireLivepatchMarker: refuse a module without `livepatch=Y` in `.modinfo` (default);
    ///     `check` passes false so it can still read the patch of a module that lacks the marker.
    package static func read(path: String, displayName: String? = nil,
                             requireLivepatchMarker: Bool = true) throws(LivepatchError) -> LivepatchModule {
        let opened = try open(path: path, displayName: displayName, requireLivepatchMarker: requireLivepatchMarker)
        return try opened.module()
    }

    /// What `check` needs: the module as `read` makes it (or why it cannot), and the audit of every
    /// pointer of its klp structs, which does not need the module to be readable.
    package static func inspect(path: String, displayName: String? = nil) throws(LivepatchError) -> LivepatchInspection {
        let opened = try open(path: path, displayName: displayName, requireLivepatchMarker: false)
        var module: LivepatchModule?
        var problem: LivepatchError?
        do {
            module = try opened.module()
        } catch {
            problem = error
        }
        let release = opened.modinfo.value("vermagic").flatMap { $0.split(separator: " ").first.map(String.init) }
        return LivepatchInspection(module: module, problem: problem,
                                   audit: opened.metadata.audit(patch: module?.patch, release: release))
    }

    /// A module opened, with everything `read` needs before it reads the klp structs.
    private struct Opened {
        let file: String
        let modinfo: ModuleInfo
        let versions: [ModuleVersion]
        let extendedVersions: [ModuleVersion]?
        let elf: ELFFile
        let relocationSections: [RelocationSection]
        let metadata: KlpMetadataReader
        /// The module name, checked as a kbuild name (`InputNames.moduleName`).
        let name: String

        func module() throws(LivepatchError) -> LivepatchModule {
            let patch = try LivepatchReader.naming(file) { try metadata.read() }
            try InputNames.patch(file: file, patch)
            var module = LivepatchModule(
                file: file, name: name, modinfo: modinfo, versions: versions,
                sections: elf.sections, symbols: elf.symbols, relocationSections: relocationSections, patch: patch,
                architecture: elf.architecture)
            module.extendedVersions = extendedVersions
            if elf.architecture == .ppc64le {
                let contents = SectionContents(elf: elf)
                module.callsWithoutNop = try LivepatchReader.naming(file) {
                    try PPC64CallSites.callsWithoutNop(relocationSections: relocationSections, contents: contents.bytes)
                }
            }
            return module
        }
    }

    private static func open(path: String, displayName: String?, requireLivepatchMarker: Bool) throws(LivepatchError) -> Opened {
        let file = displayName ?? path
        let elf: ELFFile
        do {
            elf = try ELFFile(path: path)
        } catch {
            throw .elf(error.naming(file))
        }
        guard elf.fileType == ELFFile.relocatable else {
            throw .malformed(file, "ELF header", "not a kernel module (e_type \(elf.fileType), expected ET_REL); pass the .ko file")
        }
        return try naming(file) {
            let modinfoBytes = try elf.section(named: ".modinfo").map { try elf.contents(of: $0) } ?? []
            if let problem = ModuleInfo.problem(in: modinfoBytes) {
                throw LivepatchError.malformed(file, ".modinfo", problem)
            }
            let modinfo = ModuleInfo(bytes: modinfoBytes)
            let thisModuleName = try elf.section(named: ThisModule.sectionName).flatMap { ThisModule.name(in: try elf.contents(of: $0)) }
            let name = try InputNames.moduleName(file: file, modinfo: modinfo, thisModuleName: thisModuleName)
            guard modinfo.isLivepatch || !requireLivepatchMarker else { throw LivepatchError.notLivepatch(file) }
            var versions: [ModuleVersion] = []
            if let section = elf.section(named: "__versions") {
                guard let parsed = ModuleVersion.parse(try elf.contents(of: section)) else {
                    throw LivepatchError.malformed(file, "__versions", "size \(section.size) is not a multiple of 64 (struct modversion_info)")
                }
                versions = parsed
            }
            var extendedVersions: [ModuleVersion]?
            switch try ExtendedVersions.read(elf) {
            case .success(let parsed): extendedVersions = parsed
            case .failure(let problem): throw LivepatchError.malformed(file, problem.section, problem.detail)
            case nil: break
            }
            var relocationSections: [RelocationSection] = []
            for section in elf.sections where section.isRelocationSection {
                guard section.info > 0, section.info < elf.sections.count else {
                    throw LivepatchError.malformed(file, section.name, "sh_info \(section.info) names no section")
                }
                let entries = try elf.relocations(in: section)
                let target = elf.sections[section.info]
                if let stray = entries.firstIndex(where: { $0.offset >= target.size }) {
                    throw LivepatchError.malformed(file, section.name,
                        "relocation \(stray) at offset 0x\(String(entries[stray].offset, radix: 16)) lies outside \(target.name) (size 0x\(String(target.size, radix: 16))); the module is corrupt, rebuild it")
                }
                var table = RelocationSection(section: section, targetIndex: section.info, entries: entries)
                if target.flags.contains(.executable), target.type != .noBits {
                    let code = try elf.contents(of: target)
                    for (index, entry) in entries.enumerated() where entry.type == 2 || entry.type == 4 {
                        let size = RipRelativeOperand.immediateSize(code: code, field: Int(entry.offset))
                        if size > 0 { table.immediateSizes[index] = UInt64(size) }
                    }
                }
                relocationSections.append(table)
            }
            try InputNames.symbolsAndSections(file: file, sections: elf.sections, symbols: elf.symbols)
            let dwarf = try elf.structLayouts(named: KlpLayout.structNames + KlpBuildLayout.structNames)
            let metadata = KlpMetadataReader(file: file, sections: elf.sections, symbols: elf.symbols,
                                             relocationSections: relocationSections, contents: SectionContents(elf: elf),
                                             hasDWARF: elf.hasDWARF, dwarf: dwarf)
            return Opened(file: file, modinfo: modinfo, versions: versions, extendedVersions: extendedVersions, elf: elf,
                          relocationSections: relocationSections, metadata: metadata, name: name)
        }
    }

    /// Runs `body`, turning what it throws into a `LivepatchError` that names the file.
    private static func naming<T>(_ file: String, _ body: () throws -> T) throws(LivepatchError) -> T {
        do {
            return try body()
        } catch let error as LivepatchError {
            throw error
        } catch let error as ELFError {
            throw .elf(error.naming(file))
        } catch {
            throw .malformed(file, "ELF", "\(error)")
        }
    }
}

/// A module as `check` sees it: the patch when it can be read, and the audit of its klp structs.
package struct LivepatchInspection: Sendable {
    package let module: LivepatchModule?
    package let problem: LivepatchError?
    package let audit: KlpStructAudit
}

/// Section bytes, read once per section on demand.
final class SectionContents {
    private let elf: ELFFile
    private var cache: [Int: [UInt8]] = [:]

    init(elf: ELFFile) { self.elf = elf }

    func bytes(_ index: Int) throws(ELFError) -> [UInt8] {
        if let cached = cache[index] { return cached }
        let bytes = try elf.contents(of: elf.sections[index])
        cache[index] = bytes
        return bytes
    }
}
