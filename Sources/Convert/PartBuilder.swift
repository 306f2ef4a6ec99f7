import ELF
import KernelWorld
import Livepatch
import Planner

/// Builds the ELF image of one part: the sections it carries, its special-section entries, its
/// `.klp.rela`/`.klp.sym` relocations, and its own `.modinfo`, `__versions` and module name.
///
/// Kernel rules followed (Documentation/livepatch/module-elf-format.rst, kernel/livepatch/core.c):
/// `.klp.rela.<obj>.<section>` sections are `SHT_RELA` with `SHF_ALLOC|SHF_INFO_LINK|SHF_RELA_LIVEPATCH`,
/// `sh_link` = `.symtab`, `sh_info` = the section they patch; `.klp.sym.<obj>.<name>,<pos>` symbols are
/// `SHN_LIVEPATCH`; vmlinux symbols go only in `.klp.rela.vmlinux.*` (v5.8 rule); no ordinary
/// relocation keeps pointing at a converted symbol; locals come before globals in `.symtab`.
struct PartBuilder {
    let input: ELFImage
    let livepatch: LivepatchModule
    let plan: Plan
    let partIndex: Int
    let noReplace: Bool
    /// `klp-split convert`: the whole module is kept (every non-debug section, no entry filters, no
    /// klp array narrowing, no renaming); only its relocations, symbols and identity are rewritten.
    var wholeModule = false
    /// What the part records about its build (`build` only; nil for `convert`).
    var provenance: BuildProvenance?

    var part: Part { plan.parts[partIndex] }
    var file: String { livepatch.file }
    var object: KlpObject { livepatch.patch.objects[partIndex] }

    /// What a relocation of the output points at, before the output symbol table exists.
    enum SymbolKey: Hashable {
        case original(Int)
        case undefined(String)
        case livepatch(String)
    }

    struct PendingRelocation {
        let offset: UInt64
        let type: UInt32
        let symbol: SymbolKey
        let addend: Int64
    }

    /// The references of this part by section name and offset.
    func referencesBySite() -> [String: Reference] {
        var result: [String: Reference] = [:]
        for reference in plan.references where reference.part == part.name {
            result["\(reference.section)\u{0}\(reference.offset)"] = reference
        }
        return result
    }

    func build() throws(ConvertError) -> ELFImage {
        let selection = try SectionSelection(builder: self)
        var relocations = try RelocationRewriter(builder: self, selection: selection)
        try relocations.run()
        var symbols = SymbolTableBuilder(builder: self, selection: selection, relocations: relocations)
        symbols.run()
        return try assemble(selection: selection, relocations: relocations, symbols: symbols)
    }

    /// Puts the sections together: kept sections in input order, each followed by its ordinary
    /// relocations, then the `.klp.rela` sections by name, then `.symtab`, `.strtab`, `.shstrtab`.
    private func assemble(selection: SectionSelection, relocations: RelocationRewriter,
                          symbols: SymbolTableBuilder) throws(ConvertError) -> ELFImage {
        var sections: [ImageSection] = [.null]
        var newIndex: [Int: Int] = [:]
        var relaPlaceholders: [(position: Int, target: Int)] = []
        for index in selection.kept.sorted() {
            newIndex[index] = sections.count
            sections.append(try selection.rewrittenSection(index, symbols: symbols))
            if let entries = relocations.ordinary[index], !entries.isEmpty {
                let name = relocations.ordinaryNames[index] ?? ".rela\(input.sections[index].name)"
                relaPlaceholders.append((sections.count, index))
                sections.append(ImageSection(name: name, type: .rela, flags: [.infoLink], alignment: 8,
                                             entrySize: ELFImage.relocationEntrySize, link: 0, info: 0,
                                             contents: .relocations([])))
            }
        }
        if let provenance {
            sections.append(ImageSection(name: BuildProvenance.noteSection, type: .note, flags: [.alloc], alignment: 4,
                                         contents: .bytes(provenance.note)))
        }
        var klpPlaceholders: [(position: Int, key: RelocationRewriter.KlpSectionKey)] = []
        for key in relocations.livepatch.keys.sorted() {
            klpPlaceholders.append((sections.count, key))
            sections.append(ImageSection(
                name: KlpNames.relocationSection(object: key.object, section: input.sections[key.target].name),
                type: .rela, flags: [.alloc, .infoLink, .relaLivepatch], alignment: 8,
                entrySize: ELFImage.relocationEntrySize, link: 0, info: 0, contents: .relocations([])))
        }
        let symtab = sections.count
        sections.append(ImageSection(name: ".symtab", type: .symbolTable, alignment: 8,
                                     entrySize: ELFImage.symbolEntrySize, link: symtab + 1, info: 0,
                                     contents: .symbolTable))
        sections.append(ImageSection(name: ".strtab", type: .stringTable, alignment: 1, link: 0, info: 0,
                                     contents: .symbolNames))
        sections.append(ImageSection(name: ".shstrtab", type: .stringTable, alignment: 1, link: 0, info: 0,
                                     contents: .sectionNames))

        func encode(_ pending: [PendingRelocation]) throws(ConvertError) -> [Relocation] {
            var result: [Relocation] = []
            for entry in pending {
                guard let index = symbols.index[entry.symbol] else {
                    throw .inconsistent(file, "relocation symbol \(entry.symbol) has no output symbol")
                }
                result.append(Relocation(offset: entry.offset, type: entry.type, symbolIndex: index, addend: entry.addend))
            }
            return result
        }
        for (position, target) in relaPlaceholders {
            guard let targetIndex = newIndex[target] else { throw .inconsistent(file, "relocations for a dropped section") }
            sections[position].link = symtab
            sections[position].info = targetIndex
            sections[position].contents = .relocations(try encode(relocations.ordinary[target] ?? []))
        }
        for (position, key) in klpPlaceholders {
            guard let targetIndex = newIndex[key.target] else { throw .inconsistent(file, "klp relocations for a dropped section") }
            sections[position].link = symtab
            sections[position].info = targetIndex
            sections[position].contents = .relocations(try encode(relocations.livepatch[key] ?? []))
        }
        // Sections that name another section (SHF_LINK_ORDER) follow it to its new index.
        for position in 1..<symtab where sections[position].type != .rela && sections[position].link != 0 {
            sections[position].link = newIndex[sections[position].link] ?? 0
        }
        var image = input
        image.sections = sections
        image.symbols = symbols.symbols.map { symbol in
            var symbol = symbol
            if symbol.section.isOrdinary, symbol.section != .undefined {
                let old = Int(symbol.section.rawValue)
                let new = newIndex[old] ?? 0
                symbol.section = SectionIndex(rawValue: UInt16(new))
                // A symbol that covered a whole rewritten section (____versions) covers the new one.
                if symbol.type != .section, symbol.value == 0, symbol.size > 0, symbol.size == selection.sectionSize(old),
                   case .bytes(let bytes) = sections[new].contents {
                    symbol.size = UInt64(bytes.count)
                }
            }
            return symbol
        }
        return image
    }
}
