import ELF

/// The sympos order of a module's symbols, read from the real `.ko` the target kernel ships.
///
/// `klp_find_object_symbol()` (kernel/livepatch/core.c) counts a module's symbols with
/// `module_kallsyms_on_each_symbol()` (kernel/module/kallsyms.c), which walks `mod->kallsyms` in
/// `.symtab` order and skips `SHN_UNDEF`. Which symbols `mod->kallsyms` holds depends on *when*
/// the livepatch resolves them, so there are two orders:
///
/// - `loaded`: the target module was loaded before the livepatch. After its init ran,
///   `do_init_module()` switched `mod->kallsyms` to `core_kallsyms`, which keeps only the symbols
///   `is_core_symbol()` accepts (Linux 6.1, CONFIG_KALLSYMS_ALL=y, which LIVEPATCH requires):
///   `st_shndx` not `SHN_UNDEF` and below `e_shnum`, `st_name` not 0, and either in the per-cpu
///   section `.data..percpu` or in a section that keeps `SHF_ALLOC` at load and is not an init
///   section (name starting `.init`). `.modinfo` and `__versions` lose `SHF_ALLOC` in
///   `rewrite_section_headers()`, so their symbols do not count.
/// - `coming`: the target module loads after the livepatch. `klp_module_coming()` runs from
///   `prepare_coming_module()` before the module's init, while `mod->kallsyms` is still the whole
///   `.symtab` (`add_kallsyms()`), so every defined symbol counts.
///
/// A name whose occurrences differ between the two (a duplicate in an init section, say) has a
/// sympos that means different symbols depending on load order; `unstableNames` lists them.
package struct ModuleSymbolOrder: Sendable {
    /// The module's name.
    package let object: ObjectName
    /// Order when the module is already loaded (`core_kallsyms`).
    package let loaded: SymbolOrder
    /// Order while the module is coming (the full `.symtab`).
    package let coming: SymbolOrder
    /// Which build of the module the file is (its build id or srcversion), when read from a file.
    package private(set) var build: ModuleBuild?
    /// Positions in `coming`'s counting order (0-based) of the named symbols `loaded` leaves out.
    private let nonCorePositions: [Int32]

    /// Names whose occurrences differ between `loaded` and `coming`, sorted (built when asked for).
    package var unstableNames: [String] {
        Set(nonCorePositions.map { coming.name(at: Int($0)) }).sorted()
    }

    /// Number of named symbols that count while the module is coming but not once it is loaded.
    package var nonCoreSymbolCount: Int { nonCorePositions.count }

    /// The section the kernel calls the per-cpu section (`find_pcpusec()` in kernel/module/main.c).
    static let perCPUSectionName = ".data..percpu"
    /// Sections whose `SHF_ALLOC` the loader clears (`rewrite_section_headers()`).
    static let sectionsDroppedAtLoad: Set<String> = [".modinfo", "__versions"]

    /// Reads the `.ko` at `path`, compressed (`.ko.xz`, `.ko.zst`, `.ko.gz`) or not. The object name comes from the file name unless given;
    /// `displayName` (default: `path`) is how messages name the file.
    ///
    /// The symbol table is read packed (`ELFFile.packedSymbolTable()`): names stay bytes of
    /// `.strtab` until a lookup asks for them.
    package init(moduleAt path: String, object: ObjectName? = nil, displayName: String? = nil) throws(KernelWorldError) {
        let shownName = displayName ?? path
        let file: ELFFile
        do {
            file = try ELFFile(path: path, decodingSymbols: false)
        } catch {
            throw .unreadableModule(error.naming(shownName))
        }
        guard file.fileType == ELFFile.relocatable else {
            throw .unreadableModule(shownName, reason: "ELF type \(file.fileType) is not ET_REL, so this is not a kernel module")
        }
        guard file.symbolCount > 0 else {
            throw .unreadableModule(shownName, reason: "no .symtab (was it stripped with --strip-all?)")
        }
        let table: PackedSymbolTable
        do {
            table = try file.packedSymbolTable()
        } catch {
            throw .unreadableModule(error.naming(shownName))
        }
        let name: ObjectName
        if let object {
            name = object
        } else {
            do {
                name = try ObjectName(normalizing: path)
            } catch {
                throw error.located(file: shownName, line: nil)
            }
        }
        self.init(object: name, source: shownName, sections: file.sections, packedSymbols: table)
        do {
            build = try ModuleBuild(file: file)
        } catch {
            throw .unreadableModule(error.naming(shownName))
        }
    }

    /// Builds both orders from a module's section headers and its packed `.symtab`, without a
    /// `String` per symbol; the same orders as `init(object:source:sections:symbols:)`.
    package init(object: ObjectName, source: String?, sections: [Section], packedSymbols table: PackedSymbolTable) {
        let perCPU = sections.first { $0.name == Self.perCPUSectionName && $0.flags.contains(.alloc) }?.index
        let coreSections = sections.map { $0.index == perCPU || Self.isCoreSection($0) }
        let sectionLetters = sections.map { Self.kallsymsType(of: $0) }
        var comingEntries: [CompactSymbols.Entry] = []
        var loadedEntries: [CompactSymbols.Entry] = []
        var comingHashes: [UInt64] = []
        var loadedHashes: [UInt64] = []
        var nonCore: [Int32] = []
        comingEntries.reserveCapacity(table.entries.count)
        loadedEntries.reserveCapacity(table.entries.count)
        comingHashes.reserveCapacity(table.entries.count)
        loadedHashes.reserveCapacity(table.entries.count)
        table.strings.withUnsafeBufferPointer { strings in
            for number in table.entries.indices.dropFirst() {
                let symbol = table.entries[number]
                guard symbol.sectionIndex != .undefined else { continue }
                let index = Int(symbol.sectionIndex.rawValue)
                let inSection = symbol.sectionIndex.isOrdinary && index < sections.count
                let type = Self.kallsymsType(binding: symbol.binding, type: symbol.type, sectionIndex: symbol.sectionIndex,
                                             sectionLetter: inSection ? sectionLetters[index] : nil, isPerCPU: index == perCPU)
                let entry = CompactSymbols.Entry(
                    nameStart: symbol.nameStart, nameLength: symbol.nameLength, address: symbol.value,
                    type: type.asciiValue ?? UInt8(ascii: "?"), isLocal: symbol.binding == .local,
                    symbolIndex: Int32(number), section: inSection ? Int32(index) : -1)
                let hash = ByteNameIndex.hash(UnsafeBufferPointer(
                    rebasing: strings[Int(symbol.nameStart)..<Int(symbol.nameStart + symbol.nameLength)]))
                comingEntries.append(entry)
                comingHashes.append(hash)
                // isCoreSymbol(), with the section part precomputed
                if index < sections.count, symbol.nameLength > 0, coreSections[index] {
                    loadedEntries.append(entry)
                    loadedHashes.append(hash)
                } else if symbol.nameLength > 0 {
                    nonCore.append(Int32(comingEntries.count - 1))
                }
            }
        }
        let sectionNames = sections.map(\.name)
        self.object = object
        loaded = SymbolOrder(object: object, source: source, compact: CompactSymbols(
            bytes: table.strings, entries: loadedEntries, sectionNames: sectionNames, hashes: loadedHashes))
        coming = SymbolOrder(object: object, source: source, compact: CompactSymbols(
            bytes: table.strings, entries: comingEntries, sectionNames: sectionNames, hashes: comingHashes))
        nonCorePositions = nonCore
    }

    /// Builds both orders from a module's section headers and decoded `.symtab`.
    package init(object: ObjectName, source: String?, sections: [Section], symbols: [Symbol]) {
        let perCPU = sections.first { $0.name == Self.perCPUSectionName && $0.flags.contains(.alloc) }?.index
        var loadedEntries: [SymbolOrder.Entry] = []
        var comingEntries: [SymbolOrder.Entry] = []
        loadedEntries.reserveCapacity(symbols.count)
        comingEntries.reserveCapacity(symbols.count)
        // `loaded` is `coming` without the non-core symbols, in the same order, so a name's
        // occurrences differ between the two exactly when one of them is not a core symbol.
        var nonCore: [Int32] = []
        // What depends only on the section, once per section instead of once per symbol.
        let coreSections = sections.map { $0.index == perCPU || Self.isCoreSection($0) }
        let sectionLetters = sections.map { Self.kallsymsType(of: $0) }
        for symbol in symbols where symbol.index != 0 && symbol.sectionIndex != .undefined {
            let index = Int(symbol.sectionIndex.rawValue)
            let section = symbol.sectionIndex.isOrdinary && index < sections.count ? sections[index] : nil
            let entry = SymbolOrder.Entry(
                name: symbol.name, address: symbol.value,
                type: Self.kallsymsType(symbol, sectionLetter: section == nil ? nil : sectionLetters[index],
                                        isPerCPU: index == perCPU),
                isLocal: symbol.binding == .local, symbolIndex: symbol.index, sectionName: section?.name)
            comingEntries.append(entry)
            // isCoreSymbol(), with the section part precomputed
            if index < sections.count, !symbol.name.isEmpty, coreSections[index] {
                loadedEntries.append(entry)
            } else if !entry.name.isEmpty {
                nonCore.append(Int32(comingEntries.count - 1))
            }
        }
        self.object = object
        loaded = SymbolOrder(object: object, source: source, countingOrder: loadedEntries)
        coming = SymbolOrder(object: object, source: source, countingOrder: comingEntries)
        nonCorePositions = nonCore
    }

    /// `is_core_symbol()` of kernel/module/kallsyms.c (6.1) with CONFIG_KALLSYMS_ALL=y, on the
    /// section flags as the loader leaves them.
    static func isCoreSymbol(_ symbol: Symbol, sections: [Section], perCPUIndex: Int?) -> Bool {
        let index = Int(symbol.sectionIndex.rawValue)
        guard symbol.sectionIndex != .undefined, index < sections.count, !symbol.name.isEmpty else {
            return false
        }
        if index == perCPUIndex { return true }
        return isCoreSection(sections[index])
    }

    /// The section part of `is_core_symbol()` for a section other than the per-cpu one.
    static func isCoreSection(_ section: Section) -> Bool {
        section.flags.contains(.alloc)
            && !sectionsDroppedAtLoad.contains(section.name)
            && !section.name.hasPrefix(".init")
    }

    /// `elf_type()` of kernel/module/kallsyms.c (x86-64, where `ARCH_SHF_SMALL` is 0): the letter
    /// the module's `typetab` holds; /proc/kallsyms upper-cases it for exported symbols.
    static func kallsymsType(_ symbol: Symbol, section: Section?, isPerCPU: Bool) -> Character {
        kallsymsType(symbol, sectionLetter: section.map(kallsymsType(of:)), isPerCPU: isPerCPU)
    }

    /// `kallsymsType(_:section:isPerCPU:)` with the section's part already worked out by
    /// `kallsymsType(of:)` (nil when there is no section).
    static func kallsymsType(_ symbol: Symbol, sectionLetter: Character?, isPerCPU: Bool) -> Character {
        kallsymsType(binding: symbol.binding, type: symbol.type, sectionIndex: symbol.sectionIndex,
                     sectionLetter: sectionLetter, isPerCPU: isPerCPU)
    }

    /// `kallsymsType(_:sectionLetter:isPerCPU:)` on the symbol's fields.
    static func kallsymsType(binding: SymbolBinding, type: SymbolType, sectionIndex: SectionIndex,
                             sectionLetter: Character?, isPerCPU: Bool) -> Character {
        if binding == .weak { return type == .object ? "v" : "w" }
        if sectionIndex == .undefined { return "U" }
        if sectionIndex == .absolute || isPerCPU { return "a" }
        guard let sectionLetter, sectionIndex.isOrdinary else { return "?" }
        return sectionLetter
    }

    /// The letter `elf_type()` gives a symbol of an ordinary section, from the section alone.
    static func kallsymsType(of section: Section) -> Character {
        if section.flags.contains(.executable) { return "t" }
        let keepsAlloc = section.flags.contains(.alloc) && !sectionsDroppedAtLoad.contains(section.name)
        if keepsAlloc, section.type != .noBits {
            return section.flags.contains(.write) ? "d" : "r"
        }
        if section.type == .noBits { return "b" }
        if section.name.hasPrefix(".debug") { return "n" }
        return "?"
    }
}
