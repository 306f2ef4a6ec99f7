import ELF
import Livepatch
import Planner

/// The relocations of one part: ordinary ones kept or re-pointed, and klp relocations grouped into
/// `.klp.rela.<object>.<section>` sections.
struct RelocationRewriter {
    let builder: PartBuilder
    let selection: SectionSelection

    /// One `.klp.rela.<object>.<section>` section: the object whose symbols it resolves and the input
    /// index of the section it patches.
    struct KlpSectionKey: Hashable, Comparable {
        let object: String
        let target: Int
        static func < (a: KlpSectionKey, b: KlpSectionKey) -> Bool { (a.object, a.target) < (b.object, b.target) }
    }

    /// Ordinary relocations by input index of the section they patch.
    private(set) var ordinary: [Int: [PartBuilder.PendingRelocation]] = [:]
    /// The name of the input relocation section for each patched section.
    private(set) var ordinaryNames: [Int: String] = [:]
    private(set) var livepatch: [KlpSectionKey: [PartBuilder.PendingRelocation]] = [:]
    /// Every symbol some relocation uses.
    private(set) var usedSymbols: Set<PartBuilder.SymbolKey> = []

    /// Special sections whose entries may not use a module's static key or static call through a
    /// klp relocation (kpatch create-diff-object.c, objtool klp-diff.c).
    static let keySections: Set<String> = ["__jump_table", ".static_call_sites"]

    init(builder: PartBuilder, selection: SectionSelection) throws(ConvertError) {
        self.builder = builder
        self.selection = selection
    }

    var file: String { builder.file }

    mutating func run() throws(ConvertError) {
        let references = builder.referencesBySite()
        let input = builder.input
        let exported = Set(input.symbols.compactMap { symbol -> String? in
            symbol.name.hasPrefix("__ksymtab_") ? String(symbol.name.dropFirst("__ksymtab_".count)) : nil
        })
        for target in selection.kept.sorted() {
            let targetName = input.sections[target].name
            for (tableName, entries) in selection.relocationTables(for: target, includingLivepatch: builder.wholeModule) {
                if ordinaryNames[target] == nil && !tableName.hasPrefix(".klp.rela.") { ordinaryNames[target] = tableName }
                for entry in entries {
                    guard selection.keepsRelocation(section: target, offset: entry.offset),
                          let offset = selection.newOffset(section: target, offset: entry.offset) else { continue }
                    let site = "\(targetName)+0x\(String(entry.offset, radix: 16))"
                    if let reference = references["\(targetName)\u{0}\(entry.offset)"] {
                        try convert(entry, offset: offset, reference: reference, target: target, site: site, exported: exported)
                        continue
                    }
                    if let section = selection.definedSection(of: entry.symbolIndex), !selection.kept.contains(section) {
                        // Alternatives' replacement code for code this part does not carry: no
                        // .altinstructions entry of this part names it, so nothing reads it here.
                        if SectionRole.specialAuxiliary.contains(targetName) { continue }
                        throw .inconsistent(file, "\(site) points into \(input.sections[section].name), which part '\(builder.part.name)' does not carry")
                    }
                    let addend = try selection.movedAddend(entry, in: target, site: site) ?? entry.addend
                    append(PartBuilder.PendingRelocation(offset: offset, type: entry.type, symbol: .original(entry.symbolIndex),
                                                         addend: addend), to: target)
                }
            }
        }
        try verifyNothingDropped()
    }

    /// The invariant: every input relocation of a byte the part keeps is in the part, as an ordinary
    /// relocation or a `.klp.rela` one. Only dropped entries, other objects' `klp_func` entries and
    /// alternatives' replacement code for other parts' code lose theirs.
    private func verifyNothingDropped() throws(ConvertError) {
        let input = builder.input
        var emitted: [Int: Int] = ordinary.mapValues(\.count)
        for (key, entries) in livepatch { emitted[key.target, default: 0] += entries.count }
        for target in selection.kept.sorted() {
            let auxiliary = SectionRole.specialAuxiliary.contains(input.sections[target].name)
            var expected = 0
            for (_, entries) in selection.relocationTables(for: target, includingLivepatch: builder.wholeModule) {
                for entry in entries where selection.keepsRelocation(section: target, offset: entry.offset) {
                    if auxiliary, let section = selection.definedSection(of: entry.symbolIndex), !selection.kept.contains(section) { continue }
                    expected += 1
                }
            }
            let actual = emitted[target] ?? 0
            if actual != expected {
                throw .inconsistent(file, "\(input.sections[target].name) keeps \(actual) of the \(expected) relocations of the bytes part '\(builder.part.name)' carries")
            }
        }
    }

    private mutating func append(_ relocation: PartBuilder.PendingRelocation, to target: Int) {
        ordinary[target, default: []].append(relocation)
        usedSymbols.insert(relocation.symbol)
    }

    private mutating func convert(_ entry: Relocation, offset: UInt64, reference: Reference, target: Int,
                                  site: String, exported: Set<String>) throws(ConvertError) {
        let targetName = builder.input.sections[target].name
        switch reference.category {
        case .vmlinuxExport:
            append(.init(offset: offset, type: entry.type, symbol: .original(entry.symbolIndex), addend: entry.addend), to: target)
        case .patchedModuleExport, .otherModuleExport, .moduleLocal, .vmlinuxLocal:
            guard reference.ok, let sympos = reference.sympos, let owner = reference.owner else {
                throw .inconsistent(file, "\(site): reference to '\(reference.symbol)' has no position")
            }
            if Self.keySections.contains(targetName) && reference.category != .vmlinuxLocal {
                throw .staticKey(file, site, key: reference.symbol, module: owner, section: targetName)
            }
            let relocationObject = reference.relocationObject
                ?? (reference.category == .vmlinuxLocal ? "vmlinux" : builder.part.object)
            let name = KlpNames.symbol(object: owner, name: reference.symbol, sympos: sympos)
            let key = KlpSectionKey(object: relocationObject, target: target)
            livepatch[key, default: []].append(.init(offset: offset, type: entry.type, symbol: .livepatch(name), addend: entry.addend))
            usedSymbols.insert(.livepatch(name))
        case .mainLivepatchExport, .interLivepatch:
            guard reference.ok else { throw .inconsistent(file, "\(site): forbidden reference to '\(reference.symbol)'") }
            guard exported.contains(reference.symbol),
                  let definition = builder.input.symbols.first(where: {
                      $0.name == reference.symbol && $0.binding != .local && $0.section.isOrdinary && $0.section != .undefined
                  }) else {
                throw .missingExport(file, site, symbol: reference.symbol, owner: reference.owner ?? "?")
            }
            let original = builder.input.symbols[entry.symbolIndex]
            let addend = entry.addend &+ Int64(bitPattern: original.value) &- Int64(bitPattern: definition.value)
            append(.init(offset: offset, type: entry.type, symbol: .undefined(reference.symbol), addend: addend), to: target)
        case .ambiguous, .unresolved:
            throw .inconsistent(file, "\(site): '\(reference.symbol)' is \(reference.category.rawValue)")
        }
    }
}
