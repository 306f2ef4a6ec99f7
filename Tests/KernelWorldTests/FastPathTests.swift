@testable import KernelWorld
import Testing

/// kallsyms and Module.symvers in the kernel's exact format take a fast path that indexes names
/// as byte ranges (`KallsymsTable.scan`, `IndexedSymvers`); anything else takes the general parse.
/// The same file with `\r\n` line ends forces the general path, so both must give the same values.
@Suite("fast and general paths agree")
struct FastPathTests {
    private static func crlf(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }

    @Test("the real kallsyms dump: every vmlinux name and every loaded module give the same occurrences")
    func kallsyms() throws {
        let text = String(decoding: try TextFile(contentsOf: Fixture.kallsyms).bytes, as: UTF8.self)
        #expect(KallsymsTable.scan(TextFile(name: "k", text: text)) != nil)
        #expect(KallsymsTable.scan(TextFile(name: "k", text: Self.crlf(text))) == nil)
        let fast = try KallsymsTable(parsing: text, file: "k")
        let general = try KallsymsTable(parsing: Self.crlf(text), file: "k")
        #expect(fast.vmlinux.symbolCount == general.vmlinux.symbolCount)
        #expect(fast.vmlinux.countingOrderNames == general.vmlinux.countingOrderNames)
        #expect(fast.vmlinux.nameCount == general.vmlinux.nameCount)
        for name in general.vmlinux.names {
            #expect(fast.vmlinux.occurrences(of: name) == general.vmlinux.occurrences(of: name))
        }
        #expect(fast.vmlinux.occurrences(of: "no_such_symbol_anywhere").isEmpty)
        #expect(!fast.vmlinux.contains("no_such_symbol_anywhere"))
        #expect(fast.loadedModules == general.loadedModules)
        for module in general.loadedModules {
            let names = general.symbolOrder(of: module)?.countingOrderNames
            #expect(fast.symbolOrder(of: module)?.countingOrderNames == names)
        }
    }

    @Test("a dump out of address order is sorted the same way (address, then file order)")
    func unsortedKallsyms() throws {
        let text = "ffffffff81000020 t b\nffffffff81000010 T a\nffffffff81000010 t b\nffffffff81000020 t a\nffffffffc0000000 t a\t[cdrom]\n"
        let fast = try KallsymsTable(parsing: text, file: "k")
        let general = try KallsymsTable(parsing: Self.crlf(text), file: "k")
        #expect(fast.vmlinux.countingOrderNames == ["a", "b", "b", "a"])
        #expect(fast.vmlinux.countingOrderNames == general.vmlinux.countingOrderNames)
        #expect(fast.vmlinux.occurrences(of: "a") == general.vmlinux.occurrences(of: "a"))
        #expect(fast.vmlinux.occurrences(of: "b") == general.vmlinux.occurrences(of: "b"))
        #expect(fast.loadedModules == general.loadedModules)
    }

    @Test("malformed or unusual dumps leave the fast path: same errors as before")
    func kallsymsFallback() throws {
        for text in ["", "0000000000000000 T a\n", "ffffffff81000000 T a\n\nffffffff81000001 T b\n",
                     "0xffffffff81000000 T a\n", "ffffffff81000000 TT a\n", "ffffffff81000000 T a b c d\n",
                     "ffffffff81000000 T a\t[bad\n", "ffffffff81000000 T a \n", "ffffffff81000000 T \u{e9}\n"] {
            #expect(KallsymsTable.scan(TextFile(name: "k", text: text)) == nil, "\(text.debugDescription)")
        }
    }

    @Test("a byte the fast path refuses is found in every position of a long name (the scan reads 8 bytes at a time)")
    func kallsymsWordScan() throws {
        let name = Array("a_long_symbol_name_of_forty_bytes_abcdef".utf8)
        for position in name.indices {
            for bad: UInt8 in [0x01, 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff] {
                var bytes = Array("ffffffff81000000 T ".utf8)
                var spoilt = name
                spoilt[position] = bad
                bytes += spoilt + [UInt8(ascii: "\n")]
                let file = TextFile(name: "k", text: String(decoding: bytes, as: UTF8.self))
                #expect(KallsymsTable.scan(file) == nil, "byte 0x\(String(bad, radix: 16)) at \(position)")
            }
        }
        // The clean name takes the fast path with its full length, whatever its alignment.
        for prefix in 0..<8 {
            let padded = String(repeating: "x", count: prefix) + String(decoding: name, as: UTF8.self)
            let text = "ffffffff81000000 T \(padded)\nffffffff81000010 t \(padded)\tc\n"
            let fast = try #require(KallsymsTable.scan(TextFile(name: "k", text: "ffffffff81000000 T \(padded)\n")))
            #expect(fast.vmlinux.countingOrderNames == [padded])
            #expect(KallsymsTable.scan(TextFile(name: "k", text: text)) == nil)
        }
    }

    @Test("addresses of fewer than 16 digits, and upper-case hex, give the same values on both paths")
    func kallsymsShortAddresses() throws {
        let text = "81000010 T a\nFFFFFFFF81000020 t b\nffffffff8100003 t c\nffffffff81000040 t d\n"
        let fast = try #require(KallsymsTable.scan(TextFile(name: "k", text: text)))
        let general = try KallsymsTable(parsing: Self.crlf(text), file: "k")
        #expect(fast.vmlinux.countingOrderNames == general.vmlinux.countingOrderNames)
        for name in ["a", "b", "c", "d"] {
            #expect(fast.vmlinux.occurrences(of: name) == general.vmlinux.occurrences(of: name))
        }
        #expect(fast.vmlinux.occurrences(of: "b").first?.address == 0xffff_ffff_8100_0020)
        #expect(KallsymsTable.scan(TextFile(name: "k", text: "1ffffffff81000000 T a\n")) == nil)
    }

    @Test("the real Module.symvers: every symbol gives the same exports on both paths")
    func symvers() throws {
        let text = String(decoding: try TextFile(contentsOf: Fixture.symvers).bytes, as: UTF8.self)
        #expect(IndexedSymvers(file: TextFile(name: "s", text: text)) != nil)
        #expect(IndexedSymvers(file: TextFile(name: "s", text: Self.crlf(text))) == nil)
        let fast = try ExportTable(parsing: text, file: "s")
        let general = try ExportTable(parsing: Self.crlf(text), file: "s")
        #expect(fast.exports == general.exports)
        #expect(fast.count == general.count)
        #expect(fast.symbolCount == general.symbolCount)
        for export in general.exports {
            #expect(fast.exports(of: export.symbol) == general.exports(of: export.symbol))
        }
        #expect(fast.lookup("no_such_export") == .none)
    }

    @Test("unusual Module.symvers lines leave the fast path")
    func symversFallback() throws {
        #expect(IndexedSymvers(file: TextFile(name: "s", text: "0x1\ta\tvmlinux\tEXPORT_SYMBOL\n")) != nil)
        for line in ["1234\ta\tvmlinux\tEXPORT_SYMBOL\t",
                     "0x123456789\ta\tvmlinux\tEXPORT_SYMBOL\t", "0x1\ta b\tvmlinux\tEXPORT_SYMBOL\t",
                     "0x1\ta\tfoo.ko\tEXPORT_SYMBOL\t", "0x1\ta\tvmlinux\tEXPORT_SYMBOL_X\t",
                     "0x1\ta\tNS\tvmlinux\tEXPORT_SYMBOL", "0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\t", "",
                     "0x1\t\u{e9}\tvmlinux\tEXPORT_SYMBOL\t", "0x1\ta\tdrivers/cd$(id)rom\tEXPORT_SYMBOL\t",
                     "0x1\ta\tdrivers/cd\u{e9}\tEXPORT_SYMBOL\t", "0x1\ta\tx/-r;y\tEXPORT_SYMBOL\t"] {
            #expect(IndexedSymvers(file: TextFile(name: "s", text: line + "\n")) == nil, "\(line.debugDescription)")
        }
        // The general path still reads the 5.4 layout (namespace before the module).
        let table = try ExportTable(parsing: "0x1\ta\tNS\tvmlinux\tEXPORT_SYMBOL\n", file: "s")
        #expect(table.lookup("a").unique?.namespace == "NS")
    }

    @Test("specialBytes marks exactly the bytes below 0x20, DEL and non-ASCII, in every position of a word")
    func specialBytesExact() {
        for position in 0..<8 {
            for value in 0...255 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[position] = UInt8(value)
                // The neighbours vary too: the byte below, and one of each kind around it.
                if position > 0 { bytes[position - 1] = UInt8((value + 0x7f) & 0xff) }
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                var expected: UInt64 = 0
                for (index, byte) in bytes.enumerated() where byte < 0x20 || byte >= 0x7f {
                    expected |= 0x80 << (8 * UInt64(index))
                }
                #expect(ByteScanning.specialBytes(word) == expected, "byte 0x\(String(value, radix: 16)) at \(position)")
            }
        }
    }

    @Test("Module.symvers lines of every length, with and without a final newline, give the same exports on both paths")
    func symversLineLengths() throws {
        for length in 1...24 {
            let name = String(repeating: "s", count: length)
            for final in ["", "\n"] {
                let text = "0x1\t\(name)\tvmlinux\tEXPORT_SYMBOL\t\n0x12345678\tx\(name)\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL_GPL" + final
                let fast = try #require(IndexedSymvers(file: TextFile(name: "s", text: text)), "\(text.debugDescription)")
                let general = try ExportTable(parsing: Self.crlf(text), file: "s")
                for symbol in [name, "x" + name] {
                    #expect(fast.exports(of: symbol) == general.exports(of: symbol), "\(text.debugDescription)")
                }
                #expect(fast.count == 2)
                // A refused byte anywhere in the name leaves the fast path.
                for refused: UInt8 in [0x01, 0x0d, 0x7f, 0xc3] {
                    var bytes = Array(text.utf8)
                    bytes[4 + length / 2] = refused
                    #expect(IndexedSymvers(file: TextFile(name: "s", text: String(decoding: bytes, as: UTF8.self))) == nil)
                }
            }
        }
    }
}
