/// The checks `ELFWriter` makes before it creates any file.
///
/// Each problem is one `ELFError` of kind `.invalidImage` (or `.unsupported`) that names the section
/// or symbol. `problems(file:)` lists them all, so a caller can report every one; the writer throws
/// the first.
extension ELFImage {
    /// `SHN_LORESERVE`: section indices from here on are reserved, so an image has fewer sections.
    package static let maximumSectionCount = 0xff00

    /// Every reason this image cannot be written, in section then symbol order; empty when it can.
    /// `file` is the output path, used in the messages.
    package func problems(file: String) -> [ELFError] {
        var problems: [ELFError] = []
        func report(_ what: String) { problems.append(.invalidImage(file, what)) }

        if fileType != ELFFile.relocatable {
            problems.append(.unsupported(file, "e_type \(fileType) is not ET_REL (1)"))
        }
        if Architecture(machine: machine, flags: flags) == nil {
            problems.append(.unsupported(file, Architecture.refusal(machine: machine, flags: flags)))
        }
        if sections.first != ImageSection.null {
            report("section [0] must be the null section (ImageSection.null)")
        }
        if sections.count >= ELFImage.maximumSectionCount {
            report("\(sections.count) sections do not fit below SHN_LORESERVE (0xff00); split the module further")
        }
        let symbolTables = sections.indices.filter { sections[$0].contents == .symbolTable }
        let sectionNameTables = sections.indices.filter { sections[$0].contents == .sectionNames }
        if sectionNameTables.count != 1 {
            report("\(sectionNameTables.count) sections hold section names (.sectionNames); an image needs exactly one .shstrtab")
        }
        if symbolTables.count > 1 {
            report("\(symbolTables.count) symbol tables (sections \(symbolTables.map { "[\($0)]" }.joined(separator: ", "))); an image has at most one .symtab")
        }
        if symbolTables.isEmpty && !symbols.isEmpty {
            report("\(symbols.count) symbols but no .symbolTable section to hold them; add a .symtab section")
        }
        if !symbolTables.isEmpty && symbols.isEmpty {
            report("section [\(symbolTables[0])] \(sections[symbolTables[0]].name) has no symbols; it needs at least the null symbol")
        }
        for index in sections.indices.dropFirst() {
            checkSection(index, symbolTable: symbolTables.first, report: report)
        }
        checkSymbols(report: report)
        return problems
    }

    /// Throws the first of `problems(file:)`.
    package func validate(file: String) throws(ELFError) {
        if let first = problems(file: file).first { throw first }
    }

    private func label(_ index: Int) -> String { "section [\(index)] \(sections[index].name)" }

    private func symbolLabel(_ index: Int) -> String { "symbol \(index) '\(symbols[index].name)'" }

    private func checkSection(_ index: Int, symbolTable: Int?, report: (String) -> Void) {
        let section = sections[index]
        let name = label(index)
        if section.name.utf8.contains(0) {
            report("\(name) has a NUL byte in its name")
        }
        if section.alignment != 0 && section.alignment & (section.alignment - 1) != 0 {
            report("\(name) alignment \(section.alignment) is not a power of two")
        }
        if section.link < 0 || section.link >= sections.count {
            report("\(name) sh_link \(section.link) is out of range (the image has \(sections.count) sections)")
        }
        switch (section.type, section.contents) {
        case (.symbolTable, _): break
        case (.group, _):
            if section.info < 0 || section.info >= symbols.count {
                report("\(name) sh_info \(section.info) names no symbol (the image has \(symbols.count))")
            }
        default:
            if section.info < 0 || section.info >= sections.count {
                report("\(name) sh_info \(section.info) is out of range (the image has \(sections.count) sections)")
            }
        }
        checkContents(index, symbolTable: symbolTable, report: report)
        if section.flags.contains(.relaLivepatch) {
            if section.type != .rela {
                report("\(name) has SHF_RELA_LIVEPATCH but type \(section.type); livepatch relocation sections are SHT_RELA")
            }
            if !section.flags.isSuperset(of: [.alloc, .infoLink]) {
                report("\(name) has SHF_RELA_LIVEPATCH without SHF_ALLOC|SHF_INFO_LINK; the module loader needs both")
            }
        }
    }

    private func checkContents(_ index: Int, symbolTable: Int?, report: (String) -> Void) {
        let section = sections[index]
        let name = label(index)
        switch section.contents {
        case .bytes(let bytes):
            if section.type == .noBits || section.type == .symbolTable {
                report("\(name) is \(section.type) but holds bytes; use .noBits or .symbolTable contents")
            }
            if section.entrySize > 0 && UInt64(bytes.count) % section.entrySize != 0 {
                report("\(name) size \(bytes.count) is not a multiple of its sh_entsize \(section.entrySize)")
            }
        case .noBits(let size):
            if section.type != .noBits {
                report("\(name) has .noBits contents but type \(section.type); use SHT_NOBITS")
            }
            if size > UInt64(Int.max) {
                report("\(name) size 0x\(String(size, radix: 16)) is too large")
            }
        case .symbolNames, .sectionNames:
            if section.type != .stringTable {
                report("\(name) holds names but has type \(section.type); use SHT_STRTAB")
            }
            if section.contents == .symbolNames && (symbolTable.map { sections[$0].link } != index) {
                report("\(name) holds symbol names but the symbol table does not link to it")
            }
        case .symbolTable:
            if section.type != .symbolTable {
                report("\(name) holds the symbol table but has type \(section.type); use SHT_SYMTAB")
            }
            if section.entrySize != ELFImage.symbolEntrySize {
                report("\(name) sh_entsize \(section.entrySize) is not 24 (sizeof(Elf64_Sym))")
            }
            if section.link >= 0 && section.link < sections.count && sections[section.link].contents != .symbolNames {
                report("\(name) links to \(label(section.link)), which does not hold symbol names (.symbolNames)")
            }
        case .relocations(let entries):
            checkRelocations(entries, in: index, symbolTable: symbolTable, report: report)
        }
    }

    private func checkRelocations(_ entries: [Relocation], in index: Int, symbolTable: Int?,
                                  report: (String) -> Void) {
        let section = sections[index]
        let name = label(index)
        if section.type != .rela {
            report("\(name) holds Elf64_Rela entries but has type \(section.type); use SHT_RELA")
        }
        if section.entrySize != ELFImage.relocationEntrySize {
            report("\(name) sh_entsize \(section.entrySize) is not 24 (sizeof(Elf64_Rela))")
        }
        if symbolTable == nil || section.link != symbolTable {
            report("\(name) sh_link \(section.link) does not name the symbol table")
        }
        guard section.info > 0, section.info < sections.count, section.info != index else {
            report("\(name) sh_info \(section.info) does not name a section the relocations apply to")
            return
        }
        let target = sections[section.info]
        for (entry, relocation) in entries.enumerated() {
            if relocation.symbolIndex < 0 || relocation.symbolIndex >= symbols.count {
                report("\(name) entry \(entry) names symbol \(relocation.symbolIndex), but the image has \(symbols.count) symbols")
            }
            let width = (Architecture(machine: machine, flags: flags) ?? .x86_64).relocatedFieldSize(type: relocation.type)
            guard let size = target.knownSize else {
                report("\(name) applies to \(label(section.info)), a table the writer builds; relocations cannot patch it")
                return
            }
            if relocation.offset > size || size - relocation.offset < width {
                report("\(name) entry \(entry) at offset 0x\(String(relocation.offset, radix: 16)) (\(width) bytes) lies outside \(label(section.info)) of size 0x\(String(size, radix: 16))")
            }
        }
    }

    private func checkSymbols(report: (String) -> Void) {
        if let first = symbols.first, first != ImageSymbol.null {
            report("symbol 0 must be the null symbol (ImageSymbol.null), not '\(first.name)'")
        }
        var firstGlobal: Int?
        for index in symbols.indices {
            let symbol = symbols[index]
            if symbol.name.utf8.contains(0) {
                report("\(symbolLabel(index)) has a NUL byte in its name")
            }
            if symbol.binding != .local {
                if firstGlobal == nil { firstGlobal = index }
            } else if let firstGlobal {
                report("\(symbolLabel(index)) is LOCAL but follows \(symbols[firstGlobal].binding) \(symbolLabel(firstGlobal)); order all local symbols before the others")
            }
            if symbol.section == .extended {
                report("\(symbolLabel(index)) has st_shndx SHN_XINDEX, which needs a .symtab_shndx section the writer does not make")
            } else if symbol.section.isOrdinary && Int(symbol.section.rawValue) >= sections.count {
                report("\(symbolLabel(index)) is defined in section \(symbol.section.rawValue), but the image has \(sections.count) sections")
            }
        }
    }
}
