/// klp-convert's symbol map, `symbols.klp` (v7 [PATCH 03/10], domain notes §3.1): the first line is
/// `klp-convert-symbol-data.0.1`, then for each object a `*<object>` line followed by its symbol
/// names, one per line.
///
/// klp-convert counted sympos in file order but kbuild wrote `nm` (name-sorted) order; klp-split
/// writes and reads KERNEL order instead (vmlinux: kallsyms address order; a module: the core
/// symbols of its real `.ko` in `.symtab` order), so counting a name's lines gives its sympos.
package struct SymbolsKlp: Sendable {
    /// The first line of every symbols.klp.
    package static let header = "klp-convert-symbol-data.0.1"

    /// The objects in file order, each with its names in counting order.
    package let orders: [SymbolOrder]

    package init(orders: [SymbolOrder]) { self.orders = orders }

    /// Reads a symbols.klp; `displayName` (default: `path`) names it in messages.
    package init(contentsOf path: String, displayName: String? = nil) throws(KernelWorldError) {
        let file = try TextFile(contentsOf: path, displayName: displayName)
        try self.init(parsing: String(decoding: file.bytes, as: UTF8.self), file: file.name)
    }

    /// Parses symbols.klp text; malformed input is one error naming `file:line`.
    package init(parsing text: String, file: String) throws(KernelWorldError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, first == Substring(Self.header) else {
            throw KernelWorldError(.malformedLine, file: file, line: 1, message:
                "not a symbols.klp file: the first line must be '\(Self.header)'; write one with 'klp-split symbols -o FILE'")
        }
        var orders: [SymbolOrder] = []
        var current: (object: ObjectName, entries: [SymbolOrder.Entry])?
        var seen: Set<ObjectName> = []
        func finish() {
            if let current { orders.append(SymbolOrder(object: current.object, source: file, countingOrder: current.entries)) }
        }
        for (offset, line) in lines.enumerated().dropFirst() {
            let number = offset + 1
            if line.hasPrefix("*") {
                let object: ObjectName
                do {
                    object = try ObjectName(normalizing: String(line.dropFirst()))
                } catch {
                    throw error.located(file: file, line: number)
                }
                guard !seen.contains(object) else {
                    throw KernelWorldError(.malformedLine, file: file, line: number, message:
                        "object '\(object)' is listed twice; each object's names must be in one block")
                }
                seen.insert(object)
                finish()
                current = (object, [])
                continue
            }
            let name = String(line)
            guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw KernelWorldError(.malformedLine, file: file, line: number, message:
                    "'\(name)' is not a symbol name (one name per line, no spaces, no empty lines)")
            }
            guard current != nil else {
                throw KernelWorldError(.malformedLine, file: file, line: number, message:
                    "symbol '\(name)' comes before any '*<object>' line; start each object's names with '*vmlinux' or '*<module>'")
            }
            current?.entries.append(SymbolOrder.Entry(name: name, address: 0, type: "?", isLocal: true))
        }
        finish()
        self.orders = orders
    }

    /// The order for one object, if the file lists it.
    package func symbolOrder(of object: ObjectName) -> SymbolOrder? {
        orders.first { $0.object == object }
    }

    /// Exports as klp-convert derived them when no Module.symvers is given: a name is exported by
    /// the object that lists `__ksymtab_<name>` (no CRC, no namespace, kind unknown: EXPORT_SYMBOL).
    package func derivedExports() throws(KernelWorldError) -> ExportTable {
        var text = ""
        for order in orders {
            for name in order.countingOrderNames where name.hasPrefix("__ksymtab_") && name.count > "__ksymtab_".count {
                text += "0x00000000\t\(name.dropFirst("__ksymtab_".count))\t\(order.object.rawValue)\tEXPORT_SYMBOL\t\n"
            }
        }
        return try ExportTable(parsing: text, file: orders.first?.source ?? "symbols.klp", allowEmpty: true)
    }

    /// The file: the header, then each object's block.
    package func rendered() -> String {
        var text = Self.header + "\n"
        for order in orders {
            text += "*\(order.object.rawValue)\n"
            for name in order.countingOrderNames { text += name + "\n" }
        }
        return text
    }
}
