@testable import KernelWorld
import Testing

@Suite("KallsymsTable and SystemMap")
struct KallsymsTableTests {
    /// A trimmed /proc/kallsyms: a duplicated local `show_map` listed out of address order, a
    /// duplicated name in a module, and a pseudo-module.
    static let dump = """
        ffffffff81000000 T _text
        ffffffff81300000 t show_map
        ffffffff81200000 t show_map
        ffffffff81250000 T vfs_read
        ffffffff81300000 t show_map
        0000000000000000 A fixed_percpu_data
        ffffffffc0400000 t cdrom_ioctl\t[cdrom]
        ffffffffc0401000 T cdrom_check_events\t[cdrom]
        ffffffffc0300000 t helper\t[cdrom]
        ffffffffc0402000 t helper\t[cdrom]
        ffffffffc0500000 t sr_probe\t[sr_mod]
        ffffffffc0600000 t bpf_prog_6deef7357e7b4530_sd_devices\t[bpf]

        """

    @Test("vmlinux occurrences come in address order, ties in file order, with positions from 1")
    func vmlinuxOrder() throws {
        let table = try KallsymsTable(parsing: Self.dump, file: "kallsyms")
        let maps = table.vmlinux.occurrences(of: "show_map")
        #expect(maps.map(\.address) == [0xffffffff81200000, 0xffffffff81300000, 0xffffffff81300000])
        #expect(maps.map(\.position) == [1, 2, 3])
        #expect(maps.allSatisfy { $0.isLocal && $0.type == "t" })
        #expect(table.vmlinux.symbolCount == 6)
        #expect(table.vmlinux.object == .vmlinux)
        #expect(table.vmlinux.occurrences(of: "vfs_read").first?.isLocal == false)
        #expect(!table.vmlinux.contains("cdrom_ioctl"))
    }

    @Test("module symbols keep file order (symtab order) per module")
    func moduleOrder() throws {
        let table = try KallsymsTable(parsing: Self.dump, file: "kallsyms")
        #expect(table.loadedModules.map(\.rawValue) == ["bpf", "cdrom", "sr_mod"])
        let cdrom = try #require(table.symbolOrder(of: try ObjectName(normalizing: "cdrom")))
        #expect(cdrom.object.rawValue == "cdrom")
        #expect(cdrom.occurrences(of: "helper").map(\.address) == [0xffffffffc0300000, 0xffffffffc0402000])
        #expect(cdrom.occurrences(of: "cdrom_check_events").first?.isLocal == false)
        #expect(table.symbolOrder(of: try ObjectName(normalizing: "xfs")) == nil)
        #expect(table.symbolOrder(of: .vmlinux)?.symbolCount == 6)
    }

    @Test("sympos resolves as klp_find_object_symbol does", arguments: [
        ("vfs_read", 0, 0xffffffff81250000 as UInt64?),
        ("vfs_read", 1, 0xffffffff81250000),
        ("show_map", 1, 0xffffffff81200000),
        ("show_map", 2, 0xffffffff81300000),
        ("show_map", 3, 0xffffffff81300000),
    ])
    func resolves(name: String, sympos: Int, address: UInt64?) throws {
        let table = try KallsymsTable(parsing: Self.dump, file: "kallsyms")
        let found = try table.vmlinux.resolve(name, sympos: sympos)
        #expect(found.address == address)
        #expect(found.position == max(sympos, 1))
    }

    @Test("sympos errors say what the kernel would say and what to do", arguments: [
        ("show_map", 0, KernelWorldError.Kind.ambiguousSymbol,
         "kallsyms: error: unresolvable ambiguity for symbol 'show_map' in object 'vmlinux': 3 occurrences at positions 1 (0xffffffff81200000 t), 2 (0xffffffff81300000 t), 3 (0xffffffff81300000 t); pick one with KLP_SYMPOS(show_map, N)"),
        ("show_map", 4, .symbolPositionNotFound,
         "kallsyms: error: symbol position 4 for symbol 'show_map' in object 'vmlinux' not found (it occurs 3 times); use a position from 1 to 3"),
        ("vfs_read", 2, .symbolPositionNotFound,
         "kallsyms: error: symbol position 2 for symbol 'vfs_read' in object 'vmlinux' not found (it occurs 1 time); use a position from 1 to 1"),
        ("no_such_symbol", 0, .symbolNotFound,
         "kallsyms: error: symbol 'no_such_symbol' not found in object 'vmlinux'; the target kernel does not have it, so check the kernel version or the symbol name"),
    ])
    func sympostErrors(name: String, sympos: Int, kind: KernelWorldError.Kind, message: String) throws {
        let table = try KallsymsTable(parsing: Self.dump, file: "kallsyms")
        #expect {
            try table.vmlinux.resolve(name, sympos: sympos)
        } throws: { error in
            let error = error as? KernelWorldError
            return error?.kind == kind && error?.description == message
        }
    }

    @Test("position(of:at:) finds the sympos of a known address")
    func positionAtAddress() throws {
        let table = try KallsymsTable(parsing: Self.dump, file: "kallsyms")
        #expect(table.vmlinux.position(of: "show_map", at: 0xffffffff81200000) == 1)
        #expect(table.vmlinux.position(of: "show_map", at: 0xffffffff81000000) == nil)
    }

    @Test("a System.map gives the same vmlinux order")
    func systemMap() throws {
        let map = try SystemMap(parsing: """
            ffffffff81000000 T _text
            ffffffff81200000 t show_map
            ffffffff81250000 T vfs_read
            ffffffff81300000 t show_map
            """, file: "System.map")
        #expect(map.vmlinux.occurrences(of: "show_map").map(\.position) == [1, 2])
        #expect(try map.vmlinux.resolve("show_map", sympos: 2).address == 0xffffffff81300000)
        #expect(map.vmlinux.source == "System.map")
    }

    // MARK: Refused input

    @Test("Debian's placeholder System.map is refused with what to pass instead")
    func placeholder() {
        let text = "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n"
        let message = "System.map: error: this is Debian's placeholder System.map ('The real System.map is in the linux-image-<version>-dbg package'); pass --kallsyms FILE (a /proc/kallsyms dump) or --vmlinux FILE instead"
        #expect {
            try SystemMap(parsing: text, file: "System.map")
        } throws: { error in
            (error as? KernelWorldError)?.kind == .placeholderSystemMap && (error as? KernelWorldError)?.description == message
        }
        // Passed by mistake as a kallsyms dump, it gets the same answer.
        #expect {
            try KallsymsTable(parsing: text, file: "System.map")
        } throws: { error in
            (error as? KernelWorldError)?.description == message
        }
    }

    @Test("a dump taken without root (all addresses 0) is refused")
    func zeroAddresses() {
        #expect {
            try KallsymsTable(parsing: """
                0000000000000000 T _text
                0000000000000000 t show_map
                0000000000000000 t cdrom_ioctl\t[cdrom]
                """, file: "kallsyms")
        } throws: { error in
            (error as? KernelWorldError)?.description ==
                "kallsyms: error: all 3 addresses are 0, so this dump was taken without root (kptr_restrict hides addresses); dump it again as root with 'cat /proc/kallsyms > FILE'"
        }
    }

    @Test("malformed lines are errors naming file and line", arguments: [
        ("ffffffff81000000 T", "malformed line: 2 fields"),
        ("ffffffff81000000 T a b c", "malformed line: 5 fields"),
        ("ffffffffg1000000 T name", "malformed line: bad address 'ffffffffg1000000'"),
        ("0xffffffff81000000 T name", "malformed line: bad address '0xffffffff81000000'"),
        ("ffffffff81000000 TT name", "malformed line: bad type 'TT'"),
        ("ffffffff81000000 t name\tcdrom", "malformed line: bad module tag 'cdrom'"),
        ("ffffffff81000000 t name\t[my.mod]", "invalid object name 'my.mod'"),
    ])
    func malformed(line: String, messageStart: String) {
        #expect {
            try KallsymsTable(parsing: "ffffffff81000000 T _text\n" + line + "\n", file: "kallsyms")
        } throws: { error in
            guard let error = error as? KernelWorldError else { return false }
            return error.line == 2 && error.description.hasPrefix("kallsyms:2: error: " + messageStart)
        }
    }

    @Test("an empty dump and a System.map with module symbols are refused")
    func emptyAndModuleInSystemMap() {
        #expect {
            try KallsymsTable(parsing: "\n", file: "kallsyms")
        } throws: { error in
            (error as? KernelWorldError)?.description == "kallsyms: error: file is empty; dump it again as root with 'cat /proc/kallsyms > FILE'"
        }
        #expect {
            try SystemMap(parsing: "ffffffff81000000 T _text\n\nffffffffc0400000 t cdrom_ioctl\t[cdrom]\n", file: "System.map")
        } throws: { error in
            (error as? KernelWorldError)?.description ==
                "System.map:3: error: malformed line: module symbol in a System.map (expected 'ADDRESS TYPE NAME[<TAB>[MODULE]]'); pass a /proc/kallsyms dump with --kallsyms instead"
        }
    }

    @Test("the committed 6.1 kallsyms dump: vmlinux by address, loaded modules, real duplicates")
    func realDump() throws {
        let table = try Fixture.bootedKernel.get()
        // 96023 lines, of which 1757 carry a [module] tag.
        #expect(table.vmlinux.symbolCount == 94266)
        #expect(table.loadedModules.map(\.rawValue) == ["cdrom", "isofs", "loop", "scsi_common", "scsi_mod", "sr_mod"])
        #expect(table.symbolOrder(of: try ObjectName(normalizing: "cdrom"))?.symbolCount == 316)

        let printk = try table.vmlinux.resolve("_printk", sympos: 0)
        #expect(printk.address == 0xffffffff81a07e3d)
        #expect(printk.type == "T")
        #expect(!printk.isLocal)

        // `type_show` is a static function in 17 files: 17 positions, in address order.
        let typeShow = table.vmlinux.occurrences(of: "type_show")
        #expect(typeShow.count == 17)
        #expect(typeShow.map(\.position) == Array(1...17))
        #expect(zip(typeShow, typeShow.dropFirst()).allSatisfy { $0.address < $1.address })
        #expect(typeShow.allSatisfy { $0.isLocal })
        #expect {
            try table.vmlinux.resolve("type_show", sympos: 0)
        } throws: { error in
            (error as? KernelWorldError)?.description.hasPrefix(
                "proc/kallsyms: error: unresolvable ambiguity for symbol 'type_show' in object 'vmlinux': 17 occurrences at positions 1 (0x") == true
        }
    }
}
