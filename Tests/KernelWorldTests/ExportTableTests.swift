@testable import KernelWorld
import Testing

@Suite("ExportTable")
struct ExportTableTests {
    // MARK: The real Debian 6.1 file

    @Test("the real 6.1 Module.symvers parses with the right owners, CRCs, kinds and counts")
    func realSymvers() throws {
        let table = try ExportTable(contentsOf: Fixture.symvers)
        #expect(table.count == 24683)
        #expect(table.symbolCount == 24683)
        #expect(table.exports(ownedBy: .vmlinux).count == 10503)
        #expect(table.exports.filter { $0.kind == .symbol }.count == 11124)
        #expect(table.exports.filter { $0.kind == .gpl }.count == 13559)
        #expect(table.exports.filter { $0.namespace != nil }.count == 554)
        #expect(table.conflicts.isEmpty)

        let cdrom = try #require(table.lookup("cdrom_check_events").unique)
        #expect(cdrom.owner == (try ObjectName(normalizing: "cdrom")))
        #expect(cdrom.crc == 0xf370a173)
        #expect(cdrom.kind == .symbol)
        #expect(cdrom.namespace == nil)
        #expect(cdrom.origin.file == Fixture.symvers)

        let printk = try #require(table.lookup("_printk").unique)
        #expect(printk.owner == .vmlinux)
        #expect(printk.crc == 0x92997ed8)
        // In 6.1 `printk` is a macro around `_printk`; nothing exports the bare name.
        #expect(table.lookup("printk") == .none)

        let namespaced = try #require(table.lookup("insert_resource_expand_to_fit").unique)
        #expect(namespaced.namespace == "CXL")
        #expect(namespaced.kind == .gpl)

        #expect(table.lookup("twofish_enc_blk").owners.map(\.rawValue) == ["twofish_x86_64"])
    }

    // MARK: Layouts

    @Test("all three historical column layouts are read", arguments: [
        ("0x12345678\tfoo\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\n", nil as String?),                 // up to 5.3
        ("0x12345678\tfoo\tFOO_NS\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\n", "FOO_NS"),             // 5.4 - 5.9
        ("0x12345678\tfoo\t\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\n", nil),                         // 5.4 - 5.9, no namespace
        ("0x12345678\tfoo\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\tFOO_NS\n", "FOO_NS"),             // 5.10 and on
        ("0x12345678\tfoo\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\t\n", nil),                         // 5.10 and on, no namespace
    ])
    func layouts(line: String, namespace: String?) throws {
        let table = try ExportTable(parsing: line, file: "Module.symvers")
        let export = try #require(table.lookup("foo").unique)
        #expect(export.owner.rawValue == "cdrom")
        #expect(export.crc == 0x12345678)
        #expect(export.kind == .symbol)
        #expect(export.namespace == namespace)
        #expect(export.origin == SourceLine(file: "Module.symvers", line: 1))
    }

    @Test("a zero CRC (CONFIG_MODVERSIONS off) reads as no CRC, and old export kinds are known")
    func zeroCRCAndOldKinds() throws {
        let table = try ExportTable(parsing: """
            0x00000000\ta\tvmlinux\tEXPORT_SYMBOL_GPL_FUTURE
            0x1\tb\tvmlinux\tEXPORT_UNUSED_SYMBOL_GPL

            """, file: "Module.symvers")
        #expect(table.lookup("a").unique?.crc == nil)
        #expect(table.lookup("a").unique?.kind == .gplFuture)
        #expect(table.lookup("b").unique?.crc == 1)
        #expect(table.lookup("b").unique?.kind.isGPLOnly == true)
    }

    @Test("CRLF line ends and blank lines are tolerated; line numbers still count every line")
    func crlfAndBlankLines() throws {
        let table = try ExportTable(parsing: "0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\r\n\r\n\n0x2\tb\tfs/fat/fat\tEXPORT_SYMBOL_GPL\t\r\n",
                                    file: "Module.symvers")
        #expect(table.count == 2)
        #expect(table.lookup("b").unique?.origin.line == 4)
        #expect(table.lookup("b").unique?.description == "b (fat, EXPORT_SYMBOL_GPL, Module.symvers:4)")
    }

    @Test("a display name replaces the path in origins and messages")
    func displayName() throws {
        let table = try ExportTable(contentsOf: Fixture.symvers, displayName: "Module.symvers")
        #expect(table.lookup("cdrom_check_events").unique?.origin.description == "Module.symvers:16533")
    }

    // MARK: Merging and conflicts

    @Test("merged files keep in-tree first; the same owner twice is not a conflict")
    func mergeSameOwner() throws {
        let kernel = try ExportTable(parsing: "0x11111111\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n", file: "Module.symvers")
        let extra = try ExportTable(parsing: "0x22222222\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n", file: "extra/Module.symvers")
        let merged = ExportTable.merging([kernel, extra])
        #expect(merged.count == 2)
        #expect(merged.exports(of: "foo").count == 2)
        #expect(merged.lookup("foo").unique?.crc == 0x11111111)
        #expect(merged.conflicts.isEmpty)
    }

    @Test("a symbol exported by two owners is a conflict naming both")
    func conflict() throws {
        var table = try ExportTable(parsing: "0x11111111\tfoo\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\t\n", file: "Module.symvers")
        table.merge(try ExportTable(parsing: """
            0x22222222\tfoo\t/home/me/mymod/my-mod\tEXPORT_SYMBOL_GPL\t
            0x33333333\tbar\t/home/me/mymod/my-mod\tEXPORT_SYMBOL_GPL\t
            """, file: "mymod/Module.symvers"))
        guard case .conflicting(let exports) = table.lookup("foo") else {
            Issue.record("expected a conflict, got \(table.lookup("foo"))")
            return
        }
        #expect(exports.map(\.owner.rawValue) == ["cdrom", "my_mod"])
        #expect(exports.map(\.origin.description) == ["Module.symvers:1", "mymod/Module.symvers:1"])
        #expect(table.conflicts.map(\.symbol) == ["foo"])
        #expect(table.lookup("bar").unique?.owner.rawValue == "my_mod")
        #expect(table.lookup("baz") == .none)
    }

    // MARK: Malformed input

    @Test("malformed lines are errors naming file and line", arguments: [
        ("0x12345678\tfoo\tvmlinux\n", KernelWorldError.Kind.malformedLine,
         "Module.symvers:2: error: malformed line: 3 tab-separated columns (expected 'CRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]'); regenerate it with 'make modules'"),
        ("0x12345678 foo vmlinux EXPORT_SYMBOL\n", .malformedLine,
         "Module.symvers:2: error: malformed line: 1 tab-separated column (expected 'CRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]'); regenerate it with 'make modules'"),
        ("0x12345678\tfoo\tvmlinux\tEXPORT_SYMBOL\tNS\textra\n", .malformedLine,
         "Module.symvers:2: error: malformed line: 6 tab-separated columns (expected 'CRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]'); regenerate it with 'make modules'"),
        ("0x12345678\tfoo\tvmlinux\tEXPORT_THING\t\n", .malformedLine,
         "Module.symvers:2: error: malformed line: no EXPORT_SYMBOL* in column 4 or 5 (expected 'CRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]'); regenerate it with 'make modules'"),
        ("0x12345678\tfoo\tvmlinux\tEXPORT_THING\n", .malformedLine,
         "Module.symvers:2: error: malformed line: unknown export type 'EXPORT_THING' (expected 'CRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]'); regenerate it with 'make modules'"),
        ("0x1234567g\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n", .badCRC,
         "Module.symvers:2: error: bad CRC '0x1234567g' (expected 0x and up to 8 hex digits); regenerate it with 'make modules'"),
        ("0x123456789\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n", .badCRC,
         "Module.symvers:2: error: bad CRC '0x123456789' (expected 0x and up to 8 hex digits); regenerate it with 'make modules'"),
        ("\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n", .badCRC,
         "Module.symvers:2: error: bad CRC '' (expected 0x and up to 8 hex digits); regenerate it with 'make modules'"),
        ("0x12345678\t\tvmlinux\tEXPORT_SYMBOL\t\n", .malformedLine,
         "Module.symvers:2: error: malformed line: bad symbol name '' (expected 'CRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]'); regenerate it with 'make modules'"),
        ("0x12345678\tfoo\tdrivers/my.mod\tEXPORT_SYMBOL\t\n", .invalidObjectName,
         "Module.symvers:2: error: invalid object name 'drivers/my.mod': 'my.mod' contains '.', which ends the object name in '.klp.sym.OBJECT.SYMBOL,POS'; name the module as 'modinfo -F name' prints it"),
        ("0x12345678\tfoo\tdrivers/cd$(id)rom\tEXPORT_SYMBOL\t\n", .invalidObjectName,
         "Module.symvers:2: error: invalid object name 'drivers/cd$(id)rom': 'cd$(id)rom' contains '$'; kbuild names are [A-Za-z0-9_] ('-' becomes '_'), at most 55 characters; name the module as 'modinfo -F name' prints it"),
    ])
    func malformed(line: String, kind: KernelWorldError.Kind, message: String) {
        let text = "0x11111111\tgood\tvmlinux\tEXPORT_SYMBOL\t\n" + line
        #expect {
            try ExportTable(parsing: text, file: "Module.symvers")
        } throws: { error in
            let error = error as? KernelWorldError
            return error?.kind == kind && error?.description == message && error?.line == 2
        }
    }

    @Test("an empty file is an error unless allowed", arguments: ["", "\n\n", "  \n"])
    func empty(text: String) throws {
        #expect {
            try ExportTable(parsing: text, file: "Module.symvers")
        } throws: { error in
            (error as? KernelWorldError)?.description == "Module.symvers: error: file is empty; regenerate it with 'make modules'"
        }
        #expect(try ExportTable(parsing: text, file: "extra/Module.symvers", allowEmpty: true).count == 0)
    }

    @Test("a missing file is an error naming it")
    func missing() {
        #expect {
            try ExportTable(contentsOf: "/nonexistent/Module.symvers")
        } throws: { error in
            (error as? KernelWorldError)?.description ==
                "/nonexistent/Module.symvers: error: cannot read file (No such file or directory); check the path and its permissions"
        }
    }
}
