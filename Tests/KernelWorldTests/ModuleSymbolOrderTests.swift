import ELF
import Foundation
@testable import KernelWorld
import Testing

@Suite("ModuleSymbolOrder")
struct ModuleSymbolOrderTests {
    static let cdromPath = Fixture.module("kernel/drivers/cdrom/cdrom.ko")
    static let scsiModPath = Fixture.module("kernel/drivers/scsi/scsi_mod.ko")

    @Test("cdrom.ko: core_kallsyms keeps 316 of its 342 defined symbols")
    func cdromCounts() throws {
        // Counted independently with readelf -SW -sW: defined, st_name != 0 (so no STT_SECTION
        // symbols, which readelf shows by their section name), SHF_ALLOC at load, not .init*.
        let order = try ModuleSymbolOrder(moduleAt: Self.cdromPath, displayName: "cdrom.ko")
        #expect(order.object.rawValue == "cdrom")
        #expect(order.loaded.symbolCount == 316)
        #expect(order.coming.symbolCount == 342)
        #expect(order.loaded.source == "cdrom.ko")
    }

    @Test("cdrom.ko: an exported function is found with its symtab index, section and kallsyms type")
    func cdromFunction() throws {
        let order = try ModuleSymbolOrder(moduleAt: Self.cdromPath)
        let found = try order.loaded.resolve("cdrom_check_events", sympos: 0)
        #expect(found.symbolIndex == 347)
        #expect(found.sectionName == ".text")
        #expect(found.address == 0x32a0)
        #expect(found.type == "t")
        #expect(!found.isLocal)
        #expect(found.position == 1)
        #expect(found.addressDescription == ".text+0x32a0 t")
    }

    @Test("cdrom.ko: kallsyms types follow the kernel's elf_type()", arguments: [
        ("autoeject", Character("b")),        // .bss
        ("CSWTCH.298", "r"),                  // .rodata
        ("__this_module", "d"),               // .gnu.linkonce.this_module
        ("cdrom_open", "t"),                  // .text
    ])
    func kallsymsTypes(name: String, type: Character) throws {
        let order = try ModuleSymbolOrder(moduleAt: Self.cdromPath)
        #expect(order.loaded.occurrences(of: name).map(\.type) == [type])
    }

    @Test("cdrom.ko: init and .modinfo symbols count only while the module is coming")
    func initAndModinfo() throws {
        let order = try ModuleSymbolOrder(moduleAt: Self.cdromPath)
        for name in ["cdrom_init", "__UNIQUE_ID_license544"] {
            #expect(!order.loaded.contains(name))
            #expect(order.coming.occurrences(of: name).count == 1)
            #expect(order.unstableNames.contains(name))
        }
        #expect(!order.unstableNames.contains("cdrom_open"))
        #expect {
            try order.loaded.resolve("cdrom_init", sympos: 0)
        } throws: { error in
            (error as? KernelWorldError)?.kind == .symbolNotFound
        }
    }

    @Test("scsi_mod.ko: duplicate locals are counted in symtab order")
    func scsiModDuplicates() throws {
        let order = try ModuleSymbolOrder(moduleAt: Self.scsiModPath)
        #expect(order.loaded.symbolCount == 1157)
        #expect(order.coming.symbolCount == 1202)
        let funcs = order.loaded.occurrences(of: "__func__.0")
        #expect(funcs.map(\.symbolIndex) == [434, 555, 672, 900, 961])
        #expect(funcs.map(\.position) == [1, 2, 3, 4, 5])
        #expect(try order.loaded.resolve("__func__.0", sympos: 3).address == 0x9920)
        #expect {
            try order.loaded.resolve("__func__.0", sympos: 0)
        } throws: { error in
            (error as? KernelWorldError)?.description.hasPrefix(
                "\(Self.scsiModPath): error: unresolvable ambiguity for symbol '__func__.0' in object 'scsi_mod': 5 occurrences at positions 1 (.rodata+0x1540 r), 2 (.rodata+0x15f0 r)") == true
        }
    }

    @Test("a file that is not a kernel module is refused", arguments: [
        (Fixture.moduleDirectory + "/modules.dep", "not an ELF file"),
        (Fixture.moduleDirectory + "/no-such.ko", "cannot read"),
    ])
    func notAModule(path: String, messagePart: String) {
        #expect {
            try ModuleSymbolOrder(moduleAt: path)
        } throws: { error in
            guard let error = error as? KernelWorldError else { return false }
            return error.kind == .unreadableModule && error.file == path && error.message.contains(messagePart)
        }
    }

    /// Until issue 15 a `.ko.xz` was refused as "compressed module"; now it is read in memory.
    @Test("a compressed module gives the orders of the plain one", arguments: ["xz", "zst", "gz"])
    func compressedModule(suffix: String) throws {
        let root = Foundation.URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let plain = try ModuleSymbolOrder(moduleAt: root.appendingPathComponent("Fixtures/modules/lp_cdrom.ko").path)
        let packed = try ModuleSymbolOrder(moduleAt: root.appendingPathComponent("Fixtures/compressed/lp_cdrom.ko.\(suffix)").path)
        #expect(packed.object == plain.object)
        #expect(packed.coming.countingOrderNames == plain.coming.countingOrderNames)
        #expect(packed.loaded.countingOrderNames == plain.loaded.countingOrderNames)
        #expect(plain.coming.symbolCount > 20)
    }

    @Test("the order read from each .ko is exactly the order the booted kernel shows in /proc/kallsyms",
          arguments: ["kernel/drivers/cdrom/cdrom.ko", "kernel/drivers/scsi/sr_mod.ko",
                      "kernel/drivers/scsi/scsi_mod.ko", "kernel/drivers/scsi/scsi_common.ko"])
    func matchesBootedKernel(module: String) throws {
        let order = try ModuleSymbolOrder(moduleAt: Fixture.module(module))
        let kallsyms = try Fixture.bootedKernel.get()
        let booted = try #require(kallsyms.symbolOrder(of: order.object))
        #expect(order.loaded.symbolCount == booted.symbolCount)
        // Same names, same positions; kallsyms upper-cases the letter of exported symbols.
        let fromKo = Self.listing(order.loaded)
        let fromKallsyms = Self.listing(booted)
        #expect(fromKo.map(\.name) == fromKallsyms.map(\.name))
        #expect(fromKo.map(\.position) == fromKallsyms.map(\.position))
        #expect(fromKo.map { $0.type } == fromKallsyms.map { Character($0.type.lowercased()) })
    }

    /// Every occurrence, sorted by name then position (SymbolOrder keeps no global sequence).
    private static func listing(_ order: SymbolOrder) -> [SymbolOccurrence] {
        order.names.flatMap { order.occurrences(of: $0) }
    }

    /// The world's Debian modules and the committed fixture modules (livepatches with
    /// `SHN_LIVEPATCH` symbols among them).
    static let packedComparisonModules: [String] =
        ["kernel/drivers/cdrom/cdrom.ko", "kernel/drivers/scsi/sr_mod.ko", "kernel/drivers/scsi/scsi_mod.ko",
         "kernel/drivers/scsi/scsi_common.ko", "kernel/fs/fat/fat.ko"].map(Fixture.module)
        + ["lp_ambiguous", "lp_cdrom", "lp_klpbuild", "lp_multi", "lp_nosections", "lp_sharedsite", "lp_split", "lp_twofiles",
           "lp_vmlinux"]
        .map { Fixture.root + "/Fixtures/modules/\($0).ko" }

    @Test("the packed symbol table gives the same orders as the decoded one", arguments: packedComparisonModules)
    func packedEqualsDecoded(path: String) throws {
        let packed = try ModuleSymbolOrder(moduleAt: path)
        let file = try ELFFile(path: path)
        let decoded = ModuleSymbolOrder(object: packed.object, source: path, sections: file.sections, symbols: file.symbols)
        #expect(packed.coming.symbolCount > 0)
        #expect(packed.firstDifference(from: decoded) == nil)
        #expect(packed.coming.countingOrderNames == decoded.coming.countingOrderNames)
        #expect(packed.unstableNames == decoded.unstableNames)
        #expect(packed.nonCoreSymbolCount == packed.coming.symbolCount - packed.loaded.symbolCount
                - packed.coming.countingOrderNames.filter(\.isEmpty).count)
    }

    @Test("firstDifference finds a changed order")
    func firstDifferenceFindsChanges() throws {
        let cdrom = try ModuleSymbolOrder(moduleAt: Self.cdromPath)
        let scsi = try ModuleSymbolOrder(moduleAt: Self.scsiModPath, object: cdrom.object)
        #expect(scsi.firstDifference(from: cdrom) == "loaded: 1157 symbols against 316")
        let file = try ELFFile(path: Self.cdromPath)
        var symbols = file.symbols
        symbols.swapAt(symbols.firstIndex { $0.name == "cdrom_open" }!, symbols.firstIndex { $0.name == "cdrom_release" }!)
        let swapped = ModuleSymbolOrder(object: cdrom.object, source: nil, sections: file.sections, symbols: symbols)
        #expect(swapped.firstDifference(from: cdrom)?.hasPrefix("loaded: position ") == true)
    }
}
