/// Every symbol the target kernel exports, read from one or more Module.symvers files.
///
/// Reads the three layouts modpost has written (scripts/mod/modpost.c `write_dump()`), as kpatch's
/// lookup.c `symvers_read()` does, telling them apart by the column that holds the export macro:
///
/// | kernels     | columns (tab-separated)                          |
/// |-------------|--------------------------------------------------|
/// | up to 5.3   | `CRC  symbol  module  type`                      |
/// | 5.4 – 5.9   | `CRC  symbol  namespace  module  type`           |
/// | 5.10 and on | `CRC  symbol  module  type  namespace` (6.1)     |
///
/// Several files merge into one table (the kernel's own file first, then `--symvers` files and
/// KBUILD_EXTRA_SYMBOLS of out-of-tree modules); `lookup(_:)` reports a symbol exported by two
/// different owners as a conflict instead of picking one.
package struct ExportTable: Sendable {
    /// Every line read, in file order, files in the order merged.
    package var exports: [Export] { indexed?.allExports ?? parsed }
    /// The lines parsed, when the table is not `indexed`.
    private var parsed: [Export] = []
    /// A single Module.symvers in modpost's exact form, parsed line by line only when asked
    /// about a symbol; nil once parsed or merged.
    private var indexed: IndexedSymvers?
    /// Indices into `exports`, by symbol name.
    private var indicesBySymbol: [String: Indices] = [:]

    /// The lines of one symbol: almost every symbol has one, and an empty `more` allocates nothing.
    private struct Indices {
        let first: Int
        var more: [Int] = []

        var all: [Int] { [first] + more }
    }

    /// An empty table.
    package init() {}

    /// Reads the Module.symvers file at `path`.
    ///
    /// - Parameters:
    ///   - displayName: how messages and `Export.origin` name the file (default: `path`); pass a
    ///     short name to keep absolute paths out of output.
    ///   - allowEmpty: accept a file without exports (modpost writes one for an external module
    ///     that exports nothing); the kernel's own Module.symvers is never empty.
    package init(contentsOf path: String, displayName: String? = nil, allowEmpty: Bool = false) throws(KernelWorldError) {
        try self.init(file: TextFile(contentsOf: path, displayName: displayName), allowEmpty: allowEmpty)
    }

    /// Parses Module.symvers text; `file` names it in messages and in each `Export.origin`.
    package init(parsing text: String, file: String, allowEmpty: Bool = false) throws(KernelWorldError) {
        try self.init(file: TextFile(name: file, text: text), allowEmpty: allowEmpty)
    }

    init(file: TextFile, allowEmpty: Bool) throws(KernelWorldError) {
        if file.isBlank {
            if allowEmpty { return }
            throw .emptyFile(file.name, nextStep: KernelWorldError.regenerateSymvers)
        }
        if let indexed = IndexedSymvers(file: file) {
            self.indexed = indexed
            return
        }
        try file.forEachLine { (number, line) throws(KernelWorldError) in
            let line = line.withoutCarriageReturn
            if line.isBlank { return }
            append(try Self.parse(line, file: file.name, number: number))
        }
    }

    /// Appends the exports of `other` after this table's own.
    package mutating func merge(_ other: ExportTable) {
        if let indexed {
            self.indexed = nil
            for export in indexed.allExports { append(export) }
        }
        for export in other.exports { append(export) }
    }

    /// The tables merged in order: the first one's lines come first.
    package static func merging(_ tables: [ExportTable]) -> ExportTable {
        // The first table as it is: appending its exports one by one to an empty table gives the
        // same table again (the kernel's Module.symvers alone is 24,700 lines).
        var merged = tables.first ?? ExportTable()
        for table in tables.dropFirst() { merged.merge(table) }
        return merged
    }

    /// Number of lines read (a symbol listed by two files counts twice).
    package var count: Int { indexed?.count ?? parsed.count }

    /// Number of distinct symbol names.
    package var symbolCount: Int {
        if let indexed { return Set(indexed.allExports.map(\.symbol)).count }
        return indicesBySymbol.count
    }

    /// Every object that exports something.
    package var owners: Set<ObjectName> { Set(exports.map(\.owner)) }

    /// Every line for `symbol`, in the order read.
    package func exports(of symbol: String) -> [Export] {
        if let indexed { return indexed.exports(of: symbol) }
        return (indicesBySymbol[symbol]?.all ?? []).map { parsed[$0] }
    }

    /// Every export of `owner`, in the order read.
    package func exports(ownedBy owner: ObjectName) -> [Export] {
        exports.filter { $0.owner == owner }
    }

    /// Who exports `symbol`: nobody, one owner, or several different owners.
    package func lookup(_ symbol: String) -> ExportLookup {
        let found = exports(of: symbol)
        guard let first = found.first else { return .none }
        var perOwner: [Export] = []
        for export in found where !perOwner.contains(where: { $0.owner == export.owner }) {
            perOwner.append(export)
        }
        return perOwner.count == 1 ? .unique(first) : .conflicting(perOwner)
    }

    /// Every symbol exported by more than one owner, sorted by name, with one export per owner.
    package var conflicts: [(symbol: String, exports: [Export])] {
        let symbols = indexed.map { Set($0.allExports.map(\.symbol)) } ?? Set(indicesBySymbol.keys)
        return symbols.sorted().compactMap { symbol in
            if case .conflicting(let exports) = lookup(symbol) { return (symbol, exports) }
            return nil
        }
    }

    private mutating func append(_ export: Export) {
        let index = parsed.count
        if indicesBySymbol[export.symbol]?.more.append(index) == nil {
            indicesBySymbol[export.symbol] = Indices(first: index)
        }
        parsed.append(export)
    }

    /// Parses one non-blank line in any of the three layouts.
    static func parse(_ line: ArraySlice<UInt8>, file: String, number: Int) throws(KernelWorldError) -> Export {
        let fields = TabFields(line)
        guard fields.count == 4 || fields.count == 5 else {
            throw .malformedSymversLine(file, line: number, detail: "\(fields.count) tab-separated column\(fields.count == 1 ? "" : "s")")
        }
        let symbol = fields[1]
        let ownerField: ArraySlice<UInt8>
        let kindField: ArraySlice<UInt8>
        let namespaceField: ArraySlice<UInt8>?
        if fields.count == 4 {
            (ownerField, kindField, namespaceField) = (fields[2], fields[3], nil)
        } else if ExportKind(rawValue: fields[3].string) != nil {
            (ownerField, kindField, namespaceField) = (fields[2], fields[3], fields[4])
        } else if ExportKind(rawValue: fields[4].string) != nil {
            (ownerField, kindField, namespaceField) = (fields[3], fields[4], fields[2])
        } else {
            throw .malformedSymversLine(file, line: number, detail: "no EXPORT_SYMBOL* in column 4 or 5")
        }
        guard let kind = ExportKind(rawValue: kindField.string) else {
            throw .malformedSymversLine(file, line: number, detail: "unknown export type '\(kindField.string)'")
        }
        guard !symbol.isEmpty, !symbol.contains(UInt8(ascii: " ")) else {
            throw .malformedSymversLine(file, line: number, detail: "bad symbol name '\(symbol.string)'")
        }
        let crc = try parseCRC(fields[0], file: file, number: number)
        let owner: ObjectName
        do {
            owner = try ObjectName(normalizing: ownerField.string)
        } catch {
            throw error.located(file: file, line: number)
        }
        let namespace = namespaceField.flatMap { $0.isEmpty ? nil : $0.string }
        return Export(symbol: symbol.string, owner: owner, crc: crc, namespace: namespace, kind: kind,
                      origin: SourceLine(file: file, line: number))
    }

    /// `0x%08x`; also accepts fewer digits or no `0x`, as kpatch's `fscanf("%x")` does.
    private static func parseCRC(_ field: ArraySlice<UInt8>, file: String, number: Int) throws(KernelWorldError) -> UInt32? {
        guard let value = field.hexadecimalValue, value <= UInt64(UInt32.max) else {
            throw .badCRC(file, line: number, crc: field.string)
        }
        return value == 0 ? nil : UInt32(value)
    }
}

/// The tab-separated fields of a Module.symvers line, empty fields kept (`a\t\tb` has three), as
/// `fields(separatedBy:)` gives them but without an array per line: only the first five are kept,
/// `count` counts them all.
private struct TabFields {
    private(set) var count = 0
    private var ranges: (Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
    private let line: ArraySlice<UInt8>

    init(_ line: ArraySlice<UInt8>) {
        self.line = line
        var start = line.startIndex
        while true {
            let end = line[start...].firstIndex(of: UInt8(ascii: "\t")) ?? line.endIndex
            switch count {
            case 0: ranges.0 = start..<end
            case 1: ranges.1 = start..<end
            case 2: ranges.2 = start..<end
            case 3: ranges.3 = start..<end
            case 4: ranges.4 = start..<end
            default: break
            }
            count += 1
            guard end < line.endIndex else { break }
            start = end + 1
        }
    }

    /// Field 0 to 4 (only those below `count` are meaningful).
    subscript(_ field: Int) -> ArraySlice<UInt8> {
        switch field {
        case 0: line[ranges.0]
        case 1: line[ranges.1]
        case 2: line[ranges.2]
        case 3: line[ranges.3]
        default: line[ranges.4]
        }
    }
}
