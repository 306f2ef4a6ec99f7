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
        do {
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
                relocationSections.append(RelocationSection(section: section, targetIndex: section.info, entries: entries))
            }
            try InputNames.symbolsAndSections(file: file, sections: elf.sections, symbols: elf.symbols)
            let contents = SectionContents(elf: elf)
            let dwarf = try elf.structLayouts(named: KlpLayout.structNames + KlpBuildLayout.structNames)
            let metadata = KlpMetadataReader(file: file, sections: elf.sections, symbols: elf.symbols,
                                             relocationSections: relocationSections, contents: contents,
                                             hasDWARF: elf.hasDWARF, dwarf: dwarf)
            let patch = try metadata.read()
            try InputNames.patch(file: file, patch)
            return LivepatchModule(
                file: file, name: name, modinfo: modinfo, versions: versions,
                sections: elf.sections, symbols: elf.symbols, relocationSections: relocationSections, patch: patch)
        } catch let error as LivepatchError {
            throw error
        } catch let error as ELFError {
            throw .elf(error.naming(file))
        } catch {
            throw .malformed(file, "ELF", "\(error)")
        }
    }
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
