import ELF
import Livepatch
import Planner

/// Which sections of the input a part keeps, which entries of its table sections, and the bytes
/// of the sections it rewrites (`.modinfo`, `__versions`, `.gnu.linkonce.this_module`, the klp arrays).
struct SectionSelection {
    let builder: PartBuilder
    /// Input indices of the kept sections (not counting the symbol, string and relocation tables).
    private(set) var kept: Set<Int> = []
    /// Sections whose fixed-size entries are filtered.
    private(set) var filters: [Int: EntryFilter] = [:]
    /// The classic `struct klp_object` array: this part's entry moves to the array's start.
    private(set) var objectsArray: (section: Int, start: UInt64, extent: UInt64, entryStart: UInt64, stride: UInt64)?
    /// Byte ranges of kept sections that this part's klp_patch never reaches: the other objects'
    /// `klp_func` entries (klp-build's `.init.klp_funcs`, or one `.data` for everything without
    /// `-fdata-sections`). Their relocations are dropped; every other relocation of a kept byte is
    /// kept or converted (`RelocationRewriter.verifyNothingDropped`).
    private(set) var unreachableRanges: [Int: [Range<UInt64>]] = [:]
    /// The other parts' objects in a section split by symbol (`.data.once`): their bytes are zeroed
    /// and their symbols left out, so a part holds only its own objects in its copy of the layout.
    private(set) var foreignObjects: [Int: [Range<UInt64>]] = [:]

    /// Export tables and the table whose entries pick theirs (linux/export-internal.h: `struct
    /// kernel_symbol` is 12 bytes with PREL32 members; a CRC is 4 bytes).
    static let exportTables: [String: UInt64] = ["__ksymtab": 12, "__ksymtab_gpl": 12]
    static let crcTables: [String: String] = ["__kcrctab": "__ksymtab", "__kcrctab_gpl": "__ksymtab_gpl"]
    /// Tables without relocations whose entries follow another table's, index for index.
    static let pairedTables: [String: String] = [".orc_unwind": ".orc_unwind_ip"]

    var input: ELFImage { builder.input }
    var file: String { builder.file }

    init(builder: PartBuilder) throws(ConvertError) {
        self.builder = builder
        if builder.wholeModule {
            try chooseEverySection()
            return
        }
        try chooseSections()
        try filterTables()
        chooseObjectsArray()
        chooseUnreachableFunctions()
        chooseUsedSlots()
        // A part records its own build (`BuildProvenance`); an input's note (a part split again) goes.
        if builder.provenance != nil {
            kept = kept.filter { input.sections[$0].name != BuildProvenance.noteSection }
        }
    }

    /// klp-convert's annotations (`.klp.module_relocs.<obj>`) only carry sympos for the conversion.
    static func isAnnotation(_ name: String) -> Bool { name.hasPrefix(".klp.module_relocs.") }

    /// `convert`: every section but the tables (rebuilt), DWARF and the annotations.
    private mutating func chooseEverySection() throws(ConvertError) {
        for (index, section) in input.sections.enumerated() where index > 0 {
            switch section.contents {
            case .symbolTable, .symbolNames, .sectionNames, .relocations: continue
            default: break
            }
            if section.type == .group {
                throw .unsupportedSection(file, section.name, "section groups (COMDAT) are not supported in kernel modules")
            }
            if section.name.hasPrefix(".debug") || Self.isAnnotation(section.name) { continue }
            kept.insert(index)
        }
    }

    private mutating func chooseSections() throws(ConvertError) {
        let patch = builder.livepatch.patch
        var metadata: Set<Int> = []
        if let location = patch.patchLocation { metadata.insert(location.section) }
        if let entry = builder.object.entry { metadata.insert(entry.section) }
        if let funcs = builder.object.functionsArray { metadata.insert(funcs.section) }
        for (index, section) in input.sections.enumerated() where index > 0 {
            switch section.contents {
            case .symbolTable, .symbolNames, .sectionNames, .relocations: continue
            default: break
            }
            if section.type == .group {
                throw .unsupportedSection(file, section.name, "section groups (COMDAT) are not supported in kernel modules")
            }
            let role = index < builder.plan.roles.count ? builder.plan.roles[index] : .notLoaded
            switch role {
            case .content:
                if builder.plan.carriers[index]?.contains(builder.partIndex) == true { kept.insert(index) }
            case .infrastructure:
                if patch.metadataSections.contains(index) {
                    if metadata.contains(index) { kept.insert(index) }
                } else {
                    kept.insert(index)
                }
            case .special:
                kept.insert(index)  // filtered below; dropped when no entry is left
            case .addressTable:
                kept.insert(index)  // ppc64le .toc: kept whole; the slots no kept code uses lose their relocations (chooseUsedSlots)
            case .notLoaded:
                if !section.name.hasPrefix(".debug") && !section.name.hasPrefix(".discard") && !Self.isAnnotation(section.name) {
                    kept.insert(index)
                }
            }
        }
        try refuseUnknownSpecialSections()
    }

    /// An allocated data section no part uses but that points into the parts' code is most likely a
    /// special section klp-split does not know; its entries cannot be split, so refuse.
    private func refuseUnknownSpecialSections() throws(ConvertError) {
        for (index, section) in input.sections.enumerated() where index < builder.plan.roles.count {
            guard builder.plan.roles[index] == .content, builder.plan.carriers[index] == nil,
                  !section.flags.contains(.executable) else { continue }
            for (_, entries) in relocationTables(for: index) {
                let pointsIntoCode = entries.contains { entry in
                    guard let target = definedSection(of: entry.symbolIndex) else { return false }
                    return input.sections[target].flags.contains(.executable) && builder.plan.carriers[target] != nil
                }
                if pointsIntoCode {
                    throw .unsupportedSection(file, section.name,
                        "no part uses this section, but it points into the parts' code; if it is a special section, klp-split does not know its entry size (report it); otherwise remove it from the livepatch")
                }
            }
        }
    }

    private mutating func filterTables() throws(ConvertError) {
        let names = Dictionary(input.sections.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for index in kept.sorted() {
            let section = input.sections[index]
            let role = builder.plan.roles[index]
            var entrySize: UInt64?
            if case .special(let size) = role { entrySize = size }
            if let size = Self.exportTables[section.name] { entrySize = size }
            guard let entrySize, Self.pairedTables[section.name] == nil else { continue }
            let size = sectionSize(index)
            guard size % entrySize == 0 else {
                throw .unsupportedSection(file, section.name, "size \(size) is not a multiple of its entry size \(entrySize)")
            }
            var keep: Set<Int> = []
            for (_, entries) in relocationTables(for: index) {
                for entry in entries {
                    guard let target = definedSection(of: entry.symbolIndex), kept.contains(target) else { continue }
                    let isCode = input.sections[target].flags.contains(.executable)
                        && !SectionRole.specialAuxiliary.contains(input.sections[target].name)
                    let isExport = Self.exportTables[section.name] != nil && entry.offset % entrySize == 0
                    if isCode || isExport { keep.insert(Int(entry.offset / entrySize)) }
                }
            }
            filters[index] = EntryFilter(entrySize: entrySize, kept: Array(keep))
        }
        // Sections split between parts (issue 19): a table of descriptors keeps this part's entries,
        // packed; a section split by symbol keeps its layout and drops the others' relocations.
        for (index, pieces) in builder.plan.pieces where kept.contains(index) {
            let own = pieces.carriers.indices.filter { pieces.carriers[$0].contains(builder.partIndex) }
            if let entrySize = pieces.entrySize {
                guard sectionSize(index) % entrySize == 0 else {
                    throw .unsupportedSection(file, input.sections[index].name, "size \(sectionSize(index)) is not a multiple of its entry size \(entrySize)")
                }
                filters[index] = EntryFilter(entrySize: entrySize, kept: own)
            } else {
                let others = pieces.ranges.indices.filter { !pieces.carriers[$0].contains(builder.partIndex) }.map { pieces.ranges[$0] }
                if !others.isEmpty {
                    unreachableRanges[index, default: []] += others
                    foreignObjects[index] = others
                }
            }
        }
        // Tables that follow another table index for index.
        for (name, leader) in Self.pairedTables.merging(Self.crcTables, uniquingKeysWith: { a, _ in a }) {
            guard let index = names[name], kept.contains(index) else { continue }
            guard let leaderIndex = names[leader], let leaderFilter = filters[leaderIndex] else {
                kept.remove(index)
                continue
            }
            let leaderEntries = sectionSize(leaderIndex) / leaderFilter.entrySize
            guard leaderEntries > 0, sectionSize(index) % leaderEntries == 0 else {
                throw .unsupportedSection(file, name, "size \(sectionSize(index)) does not match the \(leaderEntries) entries of \(leader)")
            }
            filters[index] = EntryFilter(entrySize: sectionSize(index) / leaderEntries, kept: leaderFilter.kept)
        }
        // Drop tables with nothing left, and the alternatives' replacement code when no entry is left.
        for (index, filter) in filters where filter.kept.isEmpty { kept.remove(index) }
        if let alternatives = names[".altinstructions"], !kept.contains(alternatives) {
            for name in SectionRole.specialAuxiliary { if let index = names[name] { kept.remove(index) } }
        }
    }

    private mutating func chooseObjectsArray() {
        let patch = builder.livepatch.patch
        guard patch.source == .klpStructs, let entry = builder.object.entry,
              let first = patch.objects.compactMap(\.entry).min(by: { $0.offset < $1.offset }) else {
            if builder.livepatch.patch.source == .klpBuildMetadata, let entry = builder.object.entry {
                filters[entry.section] = EntryFilter(entrySize: patch.objectEntrySize,
                                                     kept: [Int(entry.offset / patch.objectEntrySize)])
            }
            return
        }
        let stride = patch.objectEntrySize
        objectsArray = (entry.section, first.offset, stride * UInt64(patch.objects.count + 1), entry.offset, stride)
    }

    private mutating func chooseUnreachableFunctions() {
        let own = builder.object
        let ownRange = own.functionsArray.map { $0.offset..<($0.offset + own.functionsArraySize) }
        for (index, object) in builder.livepatch.patch.objects.enumerated() where index != builder.partIndex {
            guard let funcs = object.functionsArray, kept.contains(funcs.section), object.functionsArraySize > 0 else { continue }
            let range = funcs.offset..<(funcs.offset + object.functionsArraySize)
            if let ownRange, own.functionsArray?.section == funcs.section, ownRange.overlaps(range) { continue }
            unreachableRanges[funcs.section, default: []].append(range)
        }
    }

    /// ppc64le `.toc` (`SectionRole.addressTable`): every part keeps the table whole, so the
    /// TOC16 offsets its code computes from `.TOC.` stay right (module_64.c `my_r2()`), but a slot
    /// only the other parts' code uses keeps no relocation here (its 8 bytes stay as in the input,
    /// zero under RELA): it may name code or data this part does not carry, or a symbol another
    /// part converts. A slot is used when a relocation of a byte this part keeps names it.
    private mutating func chooseUsedSlots() {
        let tables = kept.filter { builder.plan.roles.indices.contains($0) && builder.plan.roles[$0] == .addressTable }
        guard !tables.isEmpty else { return }
        let livepatch = builder.livepatch
        var used: [Int: Set<UInt64>] = [:]
        for relocations in livepatch.relocationSections where kept.contains(relocations.targetIndex)
            && !tables.contains(relocations.targetIndex) {
            for entry in relocations.entries where entry.symbolIndex > 0 && entry.symbolIndex < livepatch.symbols.count {
                let symbol = livepatch.symbols[entry.symbolIndex]
                guard symbol.isDefinedInSection, tables.contains(Int(symbol.sectionIndex.rawValue)),
                      keepsRelocation(section: relocations.targetIndex, offset: entry.offset) else { continue }
                let offset = livepatch.architecture.referencedOffset(symbolValue: symbol.value, relocation: entry)
                used[Int(symbol.sectionIndex.rawValue), default: []].insert(offset / AddressTable.slotSize)
            }
        }
        for table in tables.sorted() {
            let slots = (sectionSize(table) + AddressTable.slotSize - 1) / AddressTable.slotSize
            for slot in 0..<slots where !(used[table] ?? []).contains(slot) {
                unreachableRanges[table, default: []].append(slot * AddressTable.slotSize..<(slot + 1) * AddressTable.slotSize)
            }
        }
    }

    // MARK: lookups

    /// Whether the part keeps the relocation at this offset of a kept section: its bytes are kept
    /// (not a dropped entry) and this part's klp_patch can reach them.
    func keepsRelocation(section: Int, offset: UInt64) -> Bool {
        guard newOffset(section: section, offset: offset) != nil else { return false }
        return !(unreachableRanges[section] ?? []).contains { $0.contains(offset) }
    }

    /// The relocation tables that patch `target`; `.klp.rela.*` ones only with `includingLivepatch`
    /// (`convert` keeps the klp relocations an input already has).
    func relocationTables(for target: Int, includingLivepatch: Bool = false) -> [(name: String, entries: [Relocation])] {
        input.sections.compactMap { section in
            guard case .relocations(let entries) = section.contents, section.info == target,
                  includingLivepatch || !section.flags.contains(.relaLivepatch) else { return nil }
            return (section.name, entries)
        }
    }

    func definedSection(of symbolIndex: Int) -> Int? {
        guard symbolIndex > 0, symbolIndex < input.symbols.count else { return nil }
        let symbol = input.symbols[symbolIndex]
        guard symbol.section.isOrdinary, symbol.section != .undefined else { return nil }
        let index = Int(symbol.section.rawValue)
        return index < input.sections.count ? index : nil
    }

    func sectionSize(_ index: Int) -> UInt64 {
        switch input.sections[index].contents {
        case .bytes(let bytes): UInt64(bytes.count)
        case .noBits(let size): size
        default: 0
        }
    }

    /// Where a byte of an input section lands in the part, or nil when the part drops it.
    func newOffset(section: Int, offset: UInt64) -> UInt64? {
        if let filter = filters[section] { return filter.newOffset(offset) }
        if let array = objectsArray, array.section == section, offset >= array.start, offset < array.start + array.extent {
            guard offset >= array.entryStart, offset < array.entryStart + array.stride else { return nil }
            return array.start + (offset - array.entryStart)
        }
        return offset
    }

    /// The addend of an ordinary relocation whose symbol is in a table whose entries moved (a
    /// `__dyndbg` descriptor named from code or from a `__jump_table` key): it names the same byte
    /// of the same entry. Nil when nothing moved; throws when that entry is not in the part.
    func movedAddend(_ entry: Relocation, in target: Int, site: String) throws(ConvertError) -> Int64? {
        guard let section = definedSection(of: entry.symbolIndex), builder.plan.pieces[section] != nil,
              let filter = filters[section] else { return nil }
        let symbol = input.symbols[entry.symbolIndex]
        var bias: Int64 = 0
        if input.sections[target].flags.contains(.executable), [2, 4, 9, 41, 42].contains(entry.type) {
            bias = 4
            if case .bytes(let code) = input.sections[target].contents, entry.type == 2 || entry.type == 4 {
                bias += Int64(RipRelativeOperand.immediateSize(code: code, field: Int(entry.offset)))
            }
        }
        let referenced = Int64(bitPattern: symbol.value) &+ entry.addend &+ bias
        let newSymbol = symbol.type == .section ? symbol.value : filter.newOffset(symbol.value)
        guard referenced >= 0, let newTarget = filter.newOffset(UInt64(referenced)), let newSymbol else {
            throw .inconsistent(file, "\(site) names an entry of \(input.sections[section].name) that part '\(builder.part.name)' does not carry")
        }
        return Int64(bitPattern: newTarget) &- bias &- Int64(bitPattern: newSymbol)
    }

    /// The size of a kept section in the part.
    func newSize(_ index: Int) -> UInt64 {
        if let filter = filters[index] { return UInt64(filter.kept.count) * filter.entrySize }
        return sectionSize(index)
    }

    /// The section as the part carries it.
    func rewrittenSection(_ index: Int, symbols: SymbolTableBuilder) throws(ConvertError) -> ImageSection {
        var section = input.sections[index]
        guard case .bytes(var bytes) = section.contents else { return section }
        if let filter = filters[index] { bytes = filter.apply(to: bytes) }
        for range in foreignObjects[index] ?? [] {
            for offset in Int(range.lowerBound)..<min(Int(range.upperBound), bytes.count) { bytes[offset] = 0 }
        }
        if let array = objectsArray, array.section == index {
            let entry = Array(bytes[Int(array.entryStart)..<Int(array.entryStart + array.stride)])
            for offset in Int(array.start)..<Int(array.start + array.extent) where offset < bytes.count { bytes[offset] = 0 }
            bytes.replaceSubrange(Int(array.start)..<Int(array.start + array.stride), with: entry)
        }
        let patch = builder.livepatch.patch
        if builder.noReplace, patch.replace, let location = patch.patchLocation, location.section == index {
            bytes[Int(location.offset) + 24] = 0  // klp_patch.replace
        }
        let rewriter = ModuleIdentity(builder: builder)
        switch section.name {
        case ".modinfo": bytes = rewriter.modinfo()
        case "__versions": bytes = rewriter.versions(keeping: symbols.undefinedNames)
        case ExtendedVersions.crcSection, ExtendedVersions.nameSection:
            bytes = rewriter.extendedVersions(keeping: symbols.undefinedNames, section: section.name)
        case ".gnu.linkonce.this_module": bytes = try rewriter.thisModule(bytes)
        case "__ksymtab_strings": bytes = symbols.exportStringBytes(bytes)
        default: break
        }
        section.contents = .bytes(bytes)
        return section
    }
}
