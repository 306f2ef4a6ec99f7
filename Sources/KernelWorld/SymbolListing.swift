/// The lines of a /proc/kallsyms dump or a System.map, parsed but not yet ordered for sympos.
///
/// Both use the line format of kernel/kallsyms.c `s_show()`: `%px %c %s` for vmlinux symbols and
/// `%px %c %s\t[%s]` for module symbols (System.map, written by `nm -n` in
/// scripts/mksysmap, only has the first kind). Shared by `KallsymsTable` and `SystemMap`, which
/// add their own checks.
struct SymbolListing {
    /// One parsed line.
    struct Line {
        /// 1-based line number in the file.
        let number: Int
        let address: UInt64
        let type: Character
        let name: String
        /// The `[module]` tag, normalised; nil for vmlinux.
        let module: ObjectName?
    }

    /// The first words of Debian's placeholder System.map
    /// (`ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package`).
    static let placeholderMarker = "The real System.map is in"

    let lines: [Line]

    /// Parses every non-blank line; `nextStep` ends the message of a malformed line.
    init(file: TextFile, emptyNextStep: String, malformedNextStep: String) throws(KernelWorldError) {
        if file.isBlank {
            throw .emptyFile(file.name, nextStep: emptyNextStep)
        }
        var lines: [Line] = []
        try file.forEachLine { (number, bytes) throws(KernelWorldError) in
            let bytes = bytes.withoutCarriageReturn
            if bytes.isBlank { return }
            do throws(KernelWorldError) {
                lines.append(try Self.parse(bytes, file: file.name, number: number, nextStep: malformedNextStep))
            } catch {
                // The placeholder's name has spaces, so it never parses; say what it is instead.
                let text = bytes.string
                if text.contains(Self.placeholderMarker) {
                    let message = text.split(separator: " ", maxSplits: 2).dropFirst(2).first.map(String.init) ?? text
                    throw .placeholderSystemMap(file.name, text: message)
                }
                throw error
            }
        }
        if !lines.isEmpty, lines.allSatisfy({ $0.address == 0 }) {
            throw .zeroAddresses(file.name, count: lines.count)
        }
        self.lines = lines
    }

    private static func parse(_ bytes: ArraySlice<UInt8>, file: String, number: Int, nextStep: String) throws(KernelWorldError) -> Line {
        let fields = bytes.split(omittingEmptySubsequences: true) { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard fields.count == 3 || fields.count == 4 else {
            throw .malformedSymbolLine(file, line: number, detail: "\(fields.count) fields", nextStep: nextStep)
        }
        guard fields[0].first != UInt8(ascii: "0") || fields[0].dropFirst().first != UInt8(ascii: "x"),
              let address = fields[0].hexadecimalValue else {
            throw .malformedSymbolLine(file, line: number, detail: "bad address '\(fields[0].string)'", nextStep: nextStep)
        }
        guard fields[1].count == 1, let typeByte = fields[1].first,
              (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(typeByte | 0x20) || typeByte == UInt8(ascii: "?") else {
            throw .malformedSymbolLine(file, line: number, detail: "bad type '\(fields[1].string)'", nextStep: nextStep)
        }
        var module: ObjectName?
        if fields.count == 4 {
            let tag = fields[3]
            guard tag.count > 2, tag.first == UInt8(ascii: "["), tag.last == UInt8(ascii: "]") else {
                throw .malformedSymbolLine(file, line: number, detail: "bad module tag '\(tag.string)'", nextStep: nextStep)
            }
            do throws(KernelWorldError) {
                module = try ObjectName(normalizing: tag.dropFirst().dropLast().string)
            } catch {
                throw error.located(file: file, line: number)
            }
        }
        return Line(number: number, address: address, type: Character(Unicode.Scalar(typeByte)), name: fields[2].string, module: module)
    }

    /// Whether a kallsyms/nm type letter denotes a local symbol: lowercase, except `u` (unique
    /// global), `v` and `w` (weak).
    static func isLocal(_ type: Character) -> Bool {
        type.isLowercase && !"uvw".contains(type)
    }

    /// The vmlinux symbols in kallsyms address order; ties keep file order.
    ///
    /// Whichever way kernel/kallsyms.c walks the table for `klp_find_object_symbol()` — every
    /// symbol in address order (`kallsyms_on_each_symbol()`), or only the matches through the
    /// name-sorted `kallsyms_seqs_of_names` (`kallsyms_on_each_match_symbol()`), whose ties
    /// scripts/kallsyms.c `compare_names()` breaks by address and then by address-table position —
    /// the count comes out in address order, ties in the order /proc/kallsyms prints them.
    func vmlinuxOrder(source: String) -> SymbolOrder {
        let ordered = lines.enumerated()
            .filter { $0.element.module == nil }
            .sorted { ($0.element.address, $0.offset) < ($1.element.address, $1.offset) }
            .map { Self.entry($0.element) }
        return SymbolOrder(object: .vmlinux, source: source, countingOrder: ordered)
    }

    static func entry(_ line: Line) -> SymbolOrder.Entry {
        SymbolOrder.Entry(name: line.name, address: line.address, type: line.type, isLocal: isLocal(line.type))
    }
}
