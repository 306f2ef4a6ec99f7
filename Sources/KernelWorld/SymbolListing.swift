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

    static func parse(_ bytes: ArraySlice<UInt8>, file: String, number: Int, nextStep: String) throws(KernelWorldError) -> Line {
        let fields = Fields(bytes)
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
        if let ascii = type.asciiValue {
            return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(ascii)
                && ascii != UInt8(ascii: "u") && ascii != UInt8(ascii: "v") && ascii != UInt8(ascii: "w")
        }
        return type.isLowercase && !"uvw".contains(type)
    }

    /// The first four fields of a line separated by runs of spaces and tabs, and how many fields
    /// it has, without an array per line (kallsyms has about 96,000 lines).
    private struct Fields {
        private(set) var count = 0
        private var ranges: (Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0)
        private let bytes: ArraySlice<UInt8>

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            var index = bytes.startIndex
            while index < bytes.endIndex {
                while index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
                    index += 1
                }
                guard index < bytes.endIndex else { break }
                let start = index
                while index < bytes.endIndex, bytes[index] != UInt8(ascii: " "), bytes[index] != UInt8(ascii: "\t") {
                    index += 1
                }
                switch count {
                case 0: ranges.0 = start..<index
                case 1: ranges.1 = start..<index
                case 2: ranges.2 = start..<index
                case 3: ranges.3 = start..<index
                default: break
                }
                count += 1
            }
        }

        /// Field 0, 1, 2 or 3 (only those below `count` are meaningful).
        subscript(_ field: Int) -> ArraySlice<UInt8> {
            switch field {
            case 0: bytes[ranges.0]
            case 1: bytes[ranges.1]
            case 2: bytes[ranges.2]
            default: bytes[ranges.3]
            }
        }
    }

    /// The vmlinux symbols in kallsyms address order; ties keep file order.
    ///
    /// Whichever way kernel/kallsyms.c walks the table for `klp_find_object_symbol()` — every
    /// symbol in address order (`kallsyms_on_each_symbol()`), or only the matches through the
    /// name-sorted `kallsyms_seqs_of_names` (`kallsyms_on_each_match_symbol()`), whose ties
    /// scripts/kallsyms.c `compare_names()` breaks by address and then by address-table position —
    /// the count comes out in address order, ties in the order /proc/kallsyms prints them.
    func vmlinuxOrder(source: String) -> SymbolOrder {
        var vmlinux = lines.indices.filter { lines[$0].module == nil }
        // A dump is almost always in address order already: sort (by address, then file order)
        // only when it is not.
        if zip(vmlinux, vmlinux.dropFirst()).contains(where: { lines[$0].address > lines[$1].address }) {
            vmlinux.sort { (lines[$0].address, $0) < (lines[$1].address, $1) }
        }
        let ordered = vmlinux.map { Self.entry(lines[$0]) }
        return SymbolOrder(object: .vmlinux, source: source, countingOrder: ordered)
    }

    static func entry(_ line: Line) -> SymbolOrder.Entry {
        SymbolOrder.Entry(name: line.name, address: line.address, type: line.type, isLocal: isLocal(line.type))
    }
}
