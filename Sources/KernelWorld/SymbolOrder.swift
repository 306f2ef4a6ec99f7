/// The symbols of one object in the order the kernel counts them for sympos, and the rules that
/// turn a sympos into one symbol.
///
/// Mirrors kernel/livepatch/core.c `klp_find_object_symbol()` with `klp_match_callback()` /
/// `klp_find_callback()`: sympos 0 means "the name must be unique in the object", N ≥ 1 means
/// "the N-th occurrence". Occurrences come in the order the source gives them: `KallsymsTable`
/// and `SystemMap` sort vmlinux by address (stable), `ModuleSymbolOrder` keeps `.symtab` order.
package struct SymbolOrder: Sendable {
    /// The object these symbols belong to.
    package let object: ObjectName
    /// The file they were read from, for messages (nil for hand-built orders).
    package let source: String?
    /// The entries in counting order.
    private let entries: [Entry]
    /// For each name, the indices in `entries` of its first and last occurrence.
    private let chains: [String: Chain]
    /// For each entry, the index of the next occurrence of the same name, or -1.
    private let nextOccurrence: [Int32]
    /// The symbols as byte ranges of a kallsyms dump instead of `entries` (then `entries`,
    /// `chains` and `nextOccurrence` are empty): values are built only for the names asked about.
    private let compact: CompactSymbols?
    /// Number of symbols counted (every occurrence of every name).
    package let symbolCount: Int
    /// Every counted name, in counting order (a name appears once per occurrence), built from
    /// `entries` when asked for (only the symbols.klp writer does), not stored a second time.
    package var countingOrderNames: [String] {
        var names: [String] = []
        names.reserveCapacity(symbolCount)
        if let compact {
            for entry in compact.entries { names.append(compact.name(of: entry)) }
        } else {
            for entry in entries { names.append(entry.name) }
        }
        return names
    }

    /// The name of the symbol at `position` (0-based) in counting order.
    package func name(at position: Int) -> String {
        if let compact { return compact.name(of: compact.entries[position]) }
        return entries[position].name
    }

    /// One symbol as the source lists it, before positions are assigned.
    package struct Entry: Sendable {
        package let name: String
        package let address: UInt64
        package let type: Character
        package let isLocal: Bool
        package let symbolIndex: Int?
        package let sectionName: String?

        package init(name: String, address: UInt64, type: Character, isLocal: Bool,
                     symbolIndex: Int? = nil, sectionName: String? = nil) {
            self.name = name
            self.address = address
            self.type = type
            self.isLocal = isLocal
            self.symbolIndex = symbolIndex
            self.sectionName = sectionName
        }
    }

    /// Numbers the entries per name in the order given: `entries` must already be in the kernel's
    /// counting order.
    ///
    /// One dictionary entry per name and one flat array for all occurrences (no array per name):
    /// the full world has about 640,000 module symbols, most of them unique.
    package init(object: ObjectName, source: String?, countingOrder entries: [Entry]) {
        var chains: [String: Chain] = [:]
        chains.reserveCapacity(entries.count)
        var next = [Int32](repeating: -1, count: entries.count)
        for index in entries.indices {
            chains[entries[index].name, default: Chain(first: Int32(index))].append(Int32(index), next: &next)
        }
        self.object = object
        self.source = source
        self.entries = entries
        self.chains = chains
        nextOccurrence = next
        compact = nil
        symbolCount = entries.count
    }

    /// The symbols held as byte ranges (a listing or a module's `.strtab`), already in counting order.
    init(object: ObjectName, source: String?, compact: CompactSymbols) {
        self.object = object
        self.source = source
        entries = []
        chains = [:]
        nextOccurrence = []
        self.compact = compact
        symbolCount = compact.entries.count
    }

    /// The first and last occurrence of one name; `nextOccurrence` links the ones between.
    private struct Chain {
        let first: Int32
        var last: Int32 = -1

        init(first: Int32) { self.first = first }

        mutating func append(_ index: Int32, next: inout [Int32]) {
            if last >= 0 { next[Int(last)] = index }
            last = index
        }
    }

    /// Every occurrence of `name`, position 1 first; empty if the object has no such symbol.
    package func occurrences(of name: String) -> [SymbolOccurrence] {
        if let compact {
            return compact.entries(named: name).enumerated().map { position, entry in
                SymbolOccurrence(name: name, position: position + 1, address: entry.address,
                                 type: Character(Unicode.Scalar(entry.type)), isLocal: entry.isLocal,
                                 symbolIndex: entry.symbolIndex >= 0 ? Int(entry.symbolIndex) : nil,
                                 sectionName: compact.sectionName(of: entry))
            }
        }
        guard let chain = chains[name] else { return [] }
        var found: [SymbolOccurrence] = []
        var index = chain.first
        while index >= 0 {
            let entry = entries[Int(index)]
            found.append(SymbolOccurrence(
                name: entry.name, position: found.count + 1, address: entry.address, type: entry.type,
                isLocal: entry.isLocal, symbolIndex: entry.symbolIndex, sectionName: entry.sectionName))
            index = nextOccurrence[Int(index)]
        }
        return found
    }

    /// True if the object has at least one symbol called `name`.
    package func contains(_ name: String) -> Bool {
        if let compact { return !compact.entries(named: name).isEmpty }
        return chains[name] != nil
    }

    /// Number of distinct names.
    package var nameCount: Int {
        if compact != nil { return Set(countingOrderNames).count }
        return chains.count
    }

    /// Every distinct name, sorted.
    package var names: [String] {
        if compact != nil { return Set(countingOrderNames).sorted() }
        return chains.keys.sorted()
    }

    /// The symbol `sympos` selects, or the error the kernel would report when loading the patch:
    /// not found, ambiguous (sympos 0 but several occurrences), or no such position.
    package func resolve(_ name: String, sympos: Int) throws(KernelWorldError) -> SymbolOccurrence {
        let found = occurrences(of: name)
        guard let first = found.first else {
            throw .symbolNotFound(name, in: object, source: source)
        }
        if sympos == 0 {
            guard found.count == 1 else {
                throw .ambiguousSymbol(name, in: object, candidates: found, source: source)
            }
            return first
        }
        guard sympos > 0, sympos <= found.count else {
            throw .symbolPositionNotFound(name, position: sympos, in: object, count: found.count, source: source)
        }
        return found[sympos - 1]
    }

    /// The position of the occurrence of `name` at `address`, or nil if there is none there.
    package func position(of name: String, at address: UInt64) -> Int? {
        occurrences(of: name).first { $0.address == address }?.position
    }
}
