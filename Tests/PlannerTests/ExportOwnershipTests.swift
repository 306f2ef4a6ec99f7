import ELF
import KernelWorld
@testable import Planner
import Testing

/// A patch of vmlinux (optional), fat and vfat, each replacement in its own source file unless
/// `oneFile`; the world of Debian 6.1 in miniature: vfat depends on fat, fat exports
/// `fat_search_long`, `__fat_readdir` and `vfat_hashi` are static.
enum Layout {
    static let world = SyntheticWorld(
        exports: ["fat_search_long": "fat", "printk": "vmlinux"],
        dependencies: ["fat": [], "vfat": ["fat"]],
        names: ["vmlinux": ["cmdline_proc_show", "seq_show", "saved_command_line"], "fat": ["fat_readdir", "__fat_readdir"],
                "vfat": ["vfat_hash", "vfat_hashi"]])

    static func patch(main: Bool = true, oneFile: Bool = false) -> SyntheticPatch {
        var patch = SyntheticPatch()
        if main { patch.replacement("new_cmdline", object: nil, old: "cmdline_proc_show", file: oneFile ? "lp.c" : "vmlinux.c") }
        patch.replacement("new_fat", object: "fat", old: "fat_readdir", file: oneFile ? "lp.c" : "fat.c")
        patch.replacement("new_vfat", object: "vfat", old: "vfat_hash", file: oneFile ? "lp.c" : "vfat.c")
        return patch
    }

    static func plan(_ patch: SyntheticPatch, world: SyntheticWorld = Layout.world, units: Bool = true) throws -> Plan {
        Planner.plan(try world.input(for: patch, units: units))
    }
}

extension Plan {
    /// The parts that carry a symbol of the livepatch.
    func carriers(of symbol: String) -> [String] { parts.filter { $0.symbols.contains(symbol) }.map(\.name) }
    var errorIds: [String] { diagnostics.filter { $0.severity == .error }.map(\.id) }
    func references(_ category: Category) -> [Reference] { references.filter { $0.category == category } }
}

/// One row of the ownership table: a layout, and who must export `helper` (or the error).
struct OwnershipCase: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable, Equatable { case owner(String, ExportOwnership.Evidence), error(String) }
    let testDescription: String
    let main: Bool
    let oneFile: Bool
    let units: Bool
    /// The export whose owner the row is about.
    let symbol: String
    let build: @Sendable (inout SyntheticPatch) -> Void
    let expected: Expected

    init(_ description: String, main: Bool = true, oneFile: Bool = false, units: Bool = true, symbol: String = "helper",
         _ expected: Expected, build: @escaping @Sendable (inout SyntheticPatch) -> Void) {
        testDescription = description
        self.symbol = symbol
        self.main = main
        self.oneFile = oneFile
        self.units = units
        self.build = build
        self.expected = expected
    }
}

@Suite("who exports what: each export of the livepatch belongs to one part, from evidence")
struct ExportOwnershipTests {
    static let cases: [OwnershipCase] = [
        // 1. what it needs
        .init("issue 16: a helper in fat.c that prints fat's static belongs to the fat part, not the main part",
              .owner("lp__fat", .needs)) { patch in
            patch.exportedHelper(file: "fat.c", needs: ["__fat_readdir"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("needs decide even when the helper sits in a file of several parts' code", oneFile: true,
              .owner("lp__fat", .needs)) { patch in
            patch.exportedHelper(file: "lp.c", needs: ["__fat_readdir"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("needs reach through the static helpers only the export uses (gcc's .cold split)",
              .owner("lp__vfat", .needs)) { patch in
            patch.exportedHelper(usedBy: [])
            patch.function("helper_cold")
            patch.reference(from: "helper", to: "helper_cold")
            patch.reference(from: "helper_cold", to: "vfat_hashi")
            patch.reference(from: "new_vfat", to: "helper")
        },
        .init("a klp symbol of fat is a need of the fat part", .owner("lp__fat", .needs)) { patch in
            patch.exportedHelper(needs: [".klp.sym.fat.__fat_readdir,0"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("an export only reached through another export follows that export's owner", oneFile: true,
              .owner("lp__fat", .reach)) { patch in
            patch.exportedHelper(file: "lp.c", usedBy: [])
            patch.exportedHelper("outer", file: "lp.c", needs: ["__fat_readdir", "helper"], usedBy: ["new_fat", "new_vfat"])
        },
        // 2. who reaches it
        .init("used by one part only: that part", oneFile: true, .owner("lp__vfat", .reach)) { patch in
            patch.exportedHelper(file: "lp.c", usedBy: ["new_vfat"])
        },
        // 3. the compile unit
        .init("used by the main and the fat part, defined in vmlinux.c: the main part (C for fat)",
              .owner("lp", .unit)) { patch in
            patch.exportedHelper(file: "vmlinux.c", usedBy: ["new_cmdline", "new_fat"])
        },
        .init("used by fat and vfat, defined in fat.c, no main part: the fat part", main: false,
              .owner("lp__fat", .unit)) { patch in
            patch.exportedHelper(file: "fat.c", usedBy: ["new_fat", "new_vfat"])
        },
        .init("exported writable data used by two parts, defined in fat.c: the fat part, no shared state", main: false,
              symbol: "counter", .owner("lp__fat", .unit)) { patch in
            patch.variable("counter", writable: true, exported: true, file: "fat.c")
            patch.reference(from: "new_fat", to: "counter")
            patch.reference(from: "new_vfat", to: "counter")
        },
        // 4. the main part
        .init("used by fat and vfat in a one-file patch: the main part", oneFile: true,
              .owner("lp", .mainPart)) { patch in
            patch.exportedHelper(file: "lp.c", usedBy: ["new_fat", "new_vfat"])
        },
        .init("without DWARF the unit says nothing: the main part", units: false, .owner("lp", .mainPart)) { patch in
            patch.exportedHelper(file: "vfat.c", usedBy: ["new_fat", "new_vfat"])
        },
        .init("an exported replacement function stays its own part's root", symbol: "exported_new",
              .owner("lp__fat", .root)) { patch in
            patch.replacement("exported_new", object: "fat", old: "__fat_readdir", exported: true, file: "fat.c")
            patch.reference(from: "new_vfat", to: "exported_new")
        },
        // conflicts
        .init("no main part and nothing decides between fat and vfat", main: false, oneFile: true,
              .error("export-owner-undecided")) { patch in
            patch.exportedHelper(file: "lp.c", usedBy: ["new_fat", "new_vfat"])
        },
        .init("a call to fat's export keeps the helper out of the main part (it would pin fat); fat or vfat is not decided",
              oneFile: true, .error("export-owner-undecided")) { patch in
            patch.exportedHelper(file: "lp.c", needs: ["fat_search_long"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("needs of fat and of vfat in one export: no part can apply both", .error("export-owner-conflict")) { patch in
            patch.exportedHelper(needs: ["__fat_readdir", "vfat_hashi"], usedBy: ["new_fat"])
        },
        .init("needs fat's static but is defined in vfat.c: the signals disagree", .error("export-owner-conflict")) { patch in
            patch.exportedHelper(file: "vfat.c", needs: ["__fat_readdir"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("only fat uses it, but it is defined in vmlinux.c: the signals disagree", .error("export-owner-conflict")) { patch in
            patch.exportedHelper(file: "vmlinux.c", usedBy: ["new_fat"])
        },
    ]

    @Test("the owner of an export", arguments: cases)
    func owner(_ row: OwnershipCase) throws {
        var patch = Layout.patch(main: row.main, oneFile: row.oneFile)
        row.build(&patch)
        let input = try Layout.world.input(for: patch, units: row.units)
        let plan = Planner.plan(input)
        let rendered = plan.diagnostics.map(\.rendered).joined(separator: "\n")
        switch row.expected {
        case .owner(let part, let evidence):
            #expect(plan.errorIds.isEmpty, "\(rendered)")
            #expect(plan.carriers(of: row.symbol) == [part], "\(rendered)")
            if evidence != .root {
                #expect(plan.diagnostics.contains { $0.id == "export-owner" && $0.message.contains("part '\(part)': \(evidence.rawValue)") },
                        "\(rendered)")
            }
        case .error(let id):
            #expect(plan.errorIds == [id], "\(rendered)")
            let message = try #require(plan.diagnostics.first { $0.id == id }).message
            #expect(message.contains("source file of the part"), "the fix is named: \(message)")
        }
        // Whatever the evidence, no export is carried by two parts (an export whose needs no part
        // satisfies is carried by none: its conflict is the error).
        for symbol in ["helper", "outer", "counter", "exported_new"] where patch.symbols.contains(where: { $0.name == symbol }) {
            #expect(plan.carriers(of: symbol).count <= 1, "\(symbol): \(plan.carriers(of: symbol))")
        }
    }

    @Test("the conflict names every candidate part")
    func conflictNamesCandidates() throws {
        var patch = Layout.patch(main: false, oneFile: true)
        patch.exportedHelper(file: "lp.c", usedBy: ["new_fat", "new_vfat"])
        let message = try #require(try Layout.plan(patch).diagnostics.first { $0.id == "export-owner-undecided" })
        #expect(message.rendered == "lp.ko: .text.helper: error: nothing decides which part exports 'helper' (candidates: 'lp__fat', 'lp__vfat'): it needs no object's own symbols, and no compile unit holds one part's code alone; define it in the source file of the part that should export it (one file per patched object), or patch vmlinux too so that the main part exports it")
    }

    @Test("needs that no part satisfies list each symbol with the parts that can resolve it")
    func needsConflictListsSymbols() throws {
        var patch = Layout.patch()
        patch.exportedHelper(needs: ["__fat_readdir", "vfat_hashi"], usedBy: ["new_fat"])
        let message = try #require(try Layout.plan(patch).diagnostics.first { $0.id == "export-owner-conflict" }).message
        #expect(message.contains("'__fat_readdir' ('lp__fat'), 'vfat_hashi' ('lp__vfat')"), "\(message)")
    }
}
