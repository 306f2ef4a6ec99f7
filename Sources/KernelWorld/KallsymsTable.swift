/// The symbols of a running target kernel, from a dump of its /proc/kallsyms taken as root.
///
/// Gives sympos order for vmlinux (address order, as kernel/kallsyms.c counts for
/// `klp_find_object_symbol()`) and for every module that was loaded when the dump was taken
/// (file order, which is `.symtab` order of the module's `core_kallsyms`, the order
/// `module_kallsyms_on_each_symbol()` in kernel/module/kallsyms.c counts).
///
/// Refuses a dump whose addresses are all 0 (taken without root, `kptr_restrict`) and Debian's
/// placeholder System.map.
package struct KallsymsTable: Sendable {
    /// vmlinux symbols in sympos order.
    package let vmlinux: SymbolOrder
    /// Symbols of each module in the dump (including pseudo-modules such as `bpf` and
    /// `__builtin__ftrace`), in file order.
    private let modules: [ObjectName: SymbolOrder]

    /// Reads the dump at `path`; `displayName` (default: `path`) is how messages name it.
    package init(contentsOf path: String, displayName: String? = nil) throws(KernelWorldError) {
        try self.init(file: TextFile(contentsOf: path, displayName: displayName))
    }

    /// Parses dump text; `file` names it in messages.
    package init(parsing text: String, file: String) throws(KernelWorldError) {
        try self.init(file: TextFile(name: file, text: text))
    }

    init(file: TextFile) throws(KernelWorldError) {
        if let scanned = Self.scan(file) {
            (vmlinux, modules) = scanned
            return
        }
        let listing = try SymbolListing(file: file, emptyNextStep: KernelWorldError.dumpKallsyms,
                                        malformedNextStep: KernelWorldError.dumpKallsyms)
        vmlinux = listing.vmlinuxOrder(source: file.name)
        var entriesByModule: [ObjectName: [SymbolOrder.Entry]] = [:]
        for line in listing.lines {
            guard let module = line.module else { continue }
            entriesByModule[module, default: []].append(SymbolListing.entry(line))
        }
        var named: [ObjectName: SymbolOrder] = [:]
        for (module, entries) in entriesByModule {
            named[module] = SymbolOrder(object: module, source: file.name, countingOrder: entries)
        }
        modules = named
    }

    /// Modules that were loaded when the dump was taken, sorted.
    package var loadedModules: [ObjectName] { modules.keys.sorted() }

    /// sympos order for vmlinux or a module that was loaded; nil for a module not in the dump.
    package func symbolOrder(of object: ObjectName) -> SymbolOrder? {
        object.isVmlinux ? vmlinux : modules[object]
    }

    /// The fast path for a dump in exactly the format the kernel prints (`%016lx %c %s`, module
    /// symbols with `\t[%s]`), ASCII names: one pass over the bytes that keeps vmlinux symbols as
    /// byte ranges (`CompactSymbols`) instead of a `String` and a dictionary entry per line.
    ///
    /// Returns nil for anything else (blank or malformed lines, `\r`, non-ASCII names, only zero
    /// addresses, ...): the general parse then gives the same result or the same error.
    static func scan(_ file: TextFile) -> (vmlinux: SymbolOrder, modules: [ObjectName: SymbolOrder])? {
        var entries: [CompactSymbols.Entry] = []
        entries.reserveCapacity(file.bytes.count / 40)
        var hashes: [UInt64] = []
        hashes.reserveCapacity(file.bytes.count / 40)
        var moduleLines: [SymbolListing.Line] = []
        var sorted = true
        var lastAddress: UInt64 = 0
        var anyAddress = false
        let scanned = file.bytes.withUnsafeBufferPointer { all -> Bool in
          ByteScanning.hexValues.withUnsafeBufferPointer { hexValues -> Bool in
            let end = all.count
            let raw = UnsafeRawBufferPointer(all)
            var index = 0
            var number = 0
            while index < end {
                number += 1
                let lineStart = index
                var address: UInt64 = 0
                var digits = 0
                // The kernel prints exactly 16 digits (`%016lx`): 16 independent table loads.
                if index + 16 < end, all[index + 16] == UInt8(ascii: " ") {
                    var invalid: UInt8 = 0
                    var value: UInt64 = 0
                    for offset in 0..<16 {
                        let digit = hexValues[Int(all[index &+ offset])]
                        invalid |= digit
                        value = value &<< 4 | UInt64(digit & 0x0f)
                    }
                    if invalid & 0x80 == 0 {
                        address = value
                        digits = 16
                        index += 16
                    }
                }
                while index < end {
                    let digit = hexValues[Int(all[index])]
                    if digit == 0xff { break }
                    address = address << 4 | UInt64(digit)
                    digits &+= 1
                    index += 1
                }
                guard digits >= 1, digits <= 16, index + 3 < end, all[index] == UInt8(ascii: " ") else { return false }
                let type = all[index + 1]
                guard (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(type | 0x20) || type == UInt8(ascii: "?"),
                      all[index + 2] == UInt8(ascii: " ") else { return false }
                index += 3
                let nameStart = index
                index = ByteScanning.skipPlainWords(raw, from: index, limit: 0x21)
                while index < end {
                    let byte = all[index]
                    if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: " ") { break }
                    guard byte > 0x20, byte < 0x7f else { return false }
                    index += 1
                }
                guard index > nameStart, index - nameStart <= Int(Int32.max) else { return false }
                if index < end, all[index] != UInt8(ascii: "\n") {
                    // A module symbol: the general parse for its `[module]` tag (a few thousand lines).
                    var lineEnd = index
                    while lineEnd < end, all[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                    guard let line = try? SymbolListing.parse(file.bytes[lineStart..<lineEnd], file: file.name, number: number,
                                                              nextStep: KernelWorldError.dumpKallsyms),
                          line.module != nil else { return false }
                    moduleLines.append(line)
                    index = lineEnd
                } else {
                    entries.append(CompactSymbols.Entry(nameStart: Int32(nameStart), nameLength: Int32(index - nameStart),
                                                        address: address, type: type))
                    hashes.append(ByteNameIndex.hash(UnsafeBufferPointer(rebasing: all[nameStart..<index])))
                    if address < lastAddress { sorted = false }
                    lastAddress = address
                }
                if address != 0 { anyAddress = true }
                index += 1
            }
            return true
          }
        }
        guard scanned, anyAddress else { return nil }
        if !sorted {
            // Address order, ties in file order, as `SymbolListing.vmlinuxOrder` sorts.
            let order = entries.indices.sorted { (entries[$0].address, $0) < (entries[$1].address, $1) }
            entries = order.map { entries[$0] }
            hashes = order.map { hashes[$0] }
        }
        let vmlinux = SymbolOrder(object: .vmlinux, source: file.name, compact: CompactSymbols(
            bytes: file.bytes, entries: entries, sectionNames: [], hashes: hashes))
        var entriesByModule: [ObjectName: [SymbolOrder.Entry]] = [:]
        for line in moduleLines {
            guard let module = line.module else { continue }
            entriesByModule[module, default: []].append(SymbolListing.entry(line))
        }
        var named: [ObjectName: SymbolOrder] = [:]
        for (module, entries) in entriesByModule {
            named[module] = SymbolOrder(object: module, source: file.name, countingOrder: entries)
        }
        return (vmlinux, named)
    }
}
