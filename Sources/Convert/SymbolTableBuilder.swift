import ELF
import Planner

/// The `.symtab` of one part: locals first, then globals (ELF gABI), with the symbols of dropped
/// sections and entries left out, undefined symbols kept only when an ordinary relocation still uses
/// them (the module loader resolves every undefined symbol and would pin its owner), and the
/// `SHN_LIVEPATCH` `.klp.sym.*` symbols last.
struct SymbolTableBuilder {
    let builder: PartBuilder
    let selection: SectionSelection
    let relocations: RelocationRewriter

    private(set) var symbols: [ImageSymbol] = [.null]
    private(set) var index: [PartBuilder.SymbolKey: Int] = [:]
    /// Names of the undefined symbols the part still imports.
    private(set) var undefinedNames: Set<String> = []

    init(builder: PartBuilder, selection: SectionSelection, relocations: RelocationRewriter) {
        self.builder = builder
        self.selection = selection
        self.relocations = relocations
    }

    /// `__ksymtab_strings` as the part carries it: old string offset → new offset. kmod's depmod
    /// reads a module's exports from this section (libkmod-elf.c `kmod_elf_get_symbols()`), so it
    /// must hold only the names of the exports the part keeps.
    private(set) var exportStrings: (section: Int, offsets: [UInt64: UInt64])?

    /// Keeps the strings of `__ksymtab_strings` that a kept relocation names through their
    /// `__kstrtab_<sym>`/`__kstrtabns_<sym>` symbols, packed in their old order.
    private mutating func packExportStrings() {
        let input = builder.input
        guard let section = input.sections.firstIndex(where: { $0.name == "__ksymtab_strings" }),
              selection.kept.contains(section), case .bytes(let bytes) = input.sections[section].contents else { return }
        var starts: Set<UInt64> = []
        for key in relocations.usedSymbols {
            guard case .original(let index) = key else { continue }
            let symbol = input.symbols[index]
            guard Int(symbol.section.rawValue) == section, symbol.section.isOrdinary else { continue }
            if symbol.type == .section { return }  // addressed by offset: keep the section as it is
            starts.insert(symbol.value)
        }
        var offsets: [UInt64: UInt64] = [:]
        var next: UInt64 = 0
        for start in starts.sorted() where start < UInt64(bytes.count) {
            offsets[start] = next
            next += UInt64(bytes[Int(start)...].prefix { $0 != 0 }.count) + 1
        }
        exportStrings = (section, offsets)
    }

    /// The packed `__ksymtab_strings` bytes.
    func exportStringBytes(_ original: [UInt8]) -> [UInt8] {
        guard let pool = exportStrings else { return original }
        var result: [UInt8] = []
        for (old, _) in pool.offsets.sorted(by: { $0.value < $1.value }) {
            result += original[Int(old)...].prefix { $0 != 0 } + [0]
        }
        return result
    }

    mutating func run() {
        packExportStrings()
        let input = builder.input
        let used = relocations.usedSymbols
        index[.original(0)] = 0  // no symbol: ppc64le R_PPC64_ENTRY at a function's global entry
        for pass in [true, false] {
            for (position, symbol) in input.symbols.enumerated() where position > 0 && (symbol.binding == .local) == pass {
                guard let kept = keep(symbol, used: used.contains(.original(position))) else { continue }
                index[.original(position)] = symbols.count
                symbols.append(kept)
            }
        }
        let originalUndefined = Dictionary(
            input.symbols.enumerated().filter { $0.element.section == .undefined && $0.offset > 0 }
                .compactMap { item in index[.original(item.offset)].map { (item.element.name, $0) } },
            uniquingKeysWith: { a, _ in a })
        let names = used.compactMap { key -> String? in if case .undefined(let name) = key { return name }; return nil }
        for name in names.sorted() {
            if let existing = originalUndefined[name] {
                index[.undefined(name)] = existing
            } else {
                index[.undefined(name)] = symbols.count
                symbols.append(ImageSymbol(name: name, binding: .global, section: .undefined))
            }
        }
        let klp = used.compactMap { key -> String? in if case .livepatch(let name) = key { return name }; return nil }
        for name in klp.sorted() {
            index[.livepatch(name)] = symbols.count
            symbols.append(ImageSymbol(name: name, type: .noType, binding: .global, section: .livepatch))
        }
        undefinedNames = Set(symbols.filter { $0.section == .undefined && !$0.name.isEmpty }.map(\.name))
    }

    /// The symbol as the part carries it, or nil when it stays behind.
    private func keep(_ symbol: ImageSymbol, used: Bool) -> ImageSymbol? {
        switch symbol.section {
        case .undefined, .livepatch:
            return used ? symbol : nil
        case .absolute:
            return symbol.binding == .local ? symbol : (used ? symbol : nil)
        default:
            guard symbol.section.isOrdinary else { return used ? symbol : nil }
        }
        let section = Int(symbol.section.rawValue)
        guard selection.kept.contains(section) else { return nil }
        let sectionName = builder.input.sections[section].name
        // .modinfo is rewritten, so offsets into it mean nothing any more.
        if sectionName == ".modinfo" && symbol.type != .section { return nil }
        var result = symbol
        if symbol.type == .section { return result }
        if let pool = exportStrings, pool.section == section {
            guard let value = pool.offsets[symbol.value] else { return nil }
            result.value = value
            return result
        }
        // The objects array now holds one entry and its terminator: its symbol stays at the array's
        // start, with a size a reader can derive sizeof(struct klp_object) from.
        if let array = selection.objectsArray, array.section == section, symbol.value == array.start {
            if symbol.size == array.extent { result.size = 2 * array.stride }
            return result
        }
        if (selection.foreignObjects[section] ?? []).contains(where: { $0.contains(symbol.value) }) { return nil }
        guard let value = selection.newOffset(section: section, offset: symbol.value) else { return nil }
        result.value = value
        if symbol.value == 0 && symbol.size == selection.sectionSize(section) {
            result.size = selection.newSize(section)  // a symbol covering the whole table, such as ____versions
        }
        return result
    }
}
