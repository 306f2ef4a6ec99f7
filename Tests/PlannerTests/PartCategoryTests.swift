import ELF
import KernelWorld
@testable import Planner
import Testing

/// One row of the category table: a layout, the categories of the references between parts, the
/// part dependencies, and the only error (if any).
struct CategoryCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let main: Bool
    let world: SyntheticWorld
    let build: @Sendable (inout SyntheticPatch) -> Void
    /// `part -> symbol: category`, for every reference between parts of the livepatch.
    let references: [String]
    /// `part -> part` for every dependency between parts.
    let dependsOn: [String]
    let errors: [String]
    let warnings: [String]

    init(_ description: String, main: Bool = true, world: SyntheticWorld = Layout.world, references: [String],
         dependsOn: [String], errors: [String] = [], warnings: [String] = [],
         build: @escaping @Sendable (inout SyntheticPatch) -> Void) {
        testDescription = description
        self.main = main
        self.world = world
        self.build = build
        self.references = references
        self.dependsOn = dependsOn
        self.errors = errors
        self.warnings = warnings
    }
}

@Suite("C and D follow seed 003: C is the main part's exports, D mirrors modules.dep")
struct PartCategoryTests {
    static var cyclic: SyntheticWorld {
        var world = Layout.world
        world.dependencies["fat"] = ["vfat"]
        return world
    }

    static let cases: [CategoryCase] = [
        .init("issue 16, the positive layout: one C (fat uses the main part's export) and one allowed D (vfat uses fat's)",
              references: ["lp__fat -> count: main-livepatch-export ok", "lp__vfat -> fat_note: inter-livepatch ok"],
              dependsOn: ["lp__fat -> lp", "lp__vfat -> lp__fat"], warnings: ["main-livepatch-export"]) { patch in
            patch.exportedHelper("count", file: "vmlinux.c", usedBy: ["new_cmdline", "new_fat"])
            patch.exportedHelper("fat_note", file: "fat.c", needs: ["__fat_readdir"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("issue 16, the negative twin: fat uses the vfat part's export, and fat does not depend on vfat",
              references: ["lp__fat -> vfat_note: inter-livepatch error"],
              dependsOn: ["lp__fat -> lp__vfat"], errors: ["inter-livepatch"]) { patch in
            patch.exportedHelper("vfat_note", file: "vfat.c", needs: ["vfat_hashi"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("D without a main part is allowed the same way", main: false,
              references: ["lp__vfat -> fat_note: inter-livepatch ok"], dependsOn: ["lp__vfat -> lp__fat"]) { patch in
            patch.exportedHelper("fat_note", file: "fat.c", needs: ["__fat_readdir"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("D without a main part is refused the same way", main: false,
              references: ["lp__fat -> vfat_note: inter-livepatch error"], dependsOn: ["lp__fat -> lp__vfat"],
              errors: ["inter-livepatch"]) { patch in
            patch.exportedHelper("vfat_note", file: "vfat.c", needs: ["vfat_hashi"], usedBy: ["new_fat"])
        },
        .init("C: a module part calls a replacement function the main part exports",
              references: ["lp__vfat -> new_show: main-livepatch-export ok"], dependsOn: ["lp__vfat -> lp"],
              // issue 17: calling another part's replacement is also a coupling between the parts
              warnings: ["main-livepatch-export", "coupling-replacement-call"]) { patch in
            patch.replacement("new_show", object: nil, old: "seq_show", exported: true)
            patch.reference(from: "new_vfat", to: "new_show")
        },
        .init("the main part may not use a module part's export: that module may never be loaded",
              references: ["lp -> fat_note: inter-livepatch error"], dependsOn: ["lp -> lp__fat"],
              errors: ["main-part-uses-module-part"]) { patch in
            patch.exportedHelper("fat_note", file: "fat.c", needs: ["__fat_readdir"], usedBy: ["new_cmdline"])
        },
        .init("parts that use each other's exports form a cycle, even where modules.dep allows each edge",
              world: cyclic, references: ["lp__fat -> vfat_note: inter-livepatch ok", "lp__vfat -> fat_note: inter-livepatch ok"],
              dependsOn: ["lp__fat -> lp__vfat", "lp__vfat -> lp__fat"], errors: ["dependency-cycle"]) { patch in
            patch.exportedHelper("fat_note", file: "fat.c", needs: ["__fat_readdir"], usedBy: [])
            patch.exportedHelper("vfat_note", file: "vfat.c", needs: ["vfat_hashi"], usedBy: ["new_fat"])
            patch.reference(from: "new_vfat", to: "fat_note")
        },
        .init("a stateless static helper used by two parts is duplicated: no reference between parts",
              references: [], dependsOn: []) { patch in
            patch.function("tag")
            patch.variable("banner", writable: false)
            patch.reference(from: "tag", to: "banner")
            patch.reference(from: "new_fat", to: "tag")
            patch.reference(from: "new_vfat", to: "tag")
        },
        .init("static writable state used by two parts is shared state",
              references: [], dependsOn: [], errors: ["shared-state"]) { patch in
            patch.variable("hits", writable: true)
            patch.reference(from: "new_fat", to: "hits")
            patch.reference(from: "new_vfat", to: "hits")
        },
        .init("exported state used by three parts is the main part's: C for both module parts, no shared state",
              references: ["lp__fat -> hits: main-livepatch-export ok", "lp__vfat -> hits: main-livepatch-export ok"],
              dependsOn: ["lp__fat -> lp", "lp__vfat -> lp"], warnings: ["main-livepatch-export"]) { patch in
            patch.variable("hits", writable: true, exported: true, file: "vmlinux.c")
            patch.reference(from: "new_cmdline", to: "hits")
            patch.reference(from: "new_fat", to: "hits")
            patch.reference(from: "new_vfat", to: "hits")
        },
    ]

    @Test("categories, dependencies and the only errors", arguments: cases)
    func categories(_ row: CategoryCase) throws {
        var patch = Layout.patch(main: row.main)
        row.build(&patch)
        let plan = try Layout.plan(patch, world: row.world)
        let rendered = plan.diagnostics.map(\.rendered).joined(separator: "\n")
        let between = plan.references.filter { $0.category == .mainLivepatchExport || $0.category == .interLivepatch }
        #expect(between.map { "\($0.part) -> \($0.symbol): \($0.category.rawValue) \($0.ok ? "ok" : "error")" }.sorted()
                == row.references.sorted(), "\(rendered)")
        #expect(plan.parts.flatMap { part in part.dependsOn.map { "\(part.name) -> \($0)" } }.sorted() == row.dependsOn.sorted())
        #expect(Set(plan.errorIds) == Set(row.errors), "\(rendered)")
        #expect(Set(plan.diagnostics.filter { $0.severity == .warning }.map(\.id)) == Set(row.warnings), "\(rendered)")
        // Every refused reference has an error that names the fix.
        for error in plan.diagnostics where error.severity == .error {
            #expect(error.message.contains(";"), "a fix follows the cause: \(error.rendered)")
        }
    }

    @Test("the forbidden D states the mirror rule and the fix")
    func forbiddenDMessage() throws {
        var patch = Layout.patch()
        patch.exportedHelper("vfat_note", file: "vfat.c", needs: ["vfat_hashi"], usedBy: ["new_fat"])
        let error = try #require(try Layout.plan(patch).diagnostics.first { $0.id == "inter-livepatch" })
        #expect(error.rendered == "lp.ko: .text.new_fat+0x4: error: part 'lp__fat' uses 'vfat_note' of part 'lp__vfat', but fat does not depend on vfat; module parts may depend on each other only as their patched modules do (modules.dep); move 'vfat_note' into the part that uses it or into the main part")
    }

    @Test("the main part using a module part's export is refused with the fix")
    func mainUsesModulePartMessage() throws {
        var patch = Layout.patch()
        patch.exportedHelper("fat_note", file: "fat.c", needs: ["__fat_readdir"], usedBy: ["new_cmdline"])
        let error = try #require(try Layout.plan(patch).diagnostics.first { $0.id == "main-part-uses-module-part" })
        #expect(error.rendered == "lp.ko: .text.new_cmdline+0x4: error: the main part 'lp' uses 'fat_note' of part 'lp__fat', but fat may never be loaded and the main part must load without it; move 'fat_note' into the main part's code (then it must not need fat's own symbols), or call it only from module parts")
    }

    @Test("the helper of issue 16 no longer lands in the main part, so its static resolves in the fat part")
    func issue16HelperResolves() throws {
        var patch = Layout.patch()
        patch.exportedHelper("fat_note", file: "fat.c", needs: ["__fat_readdir"], usedBy: ["new_fat", "new_vfat"])
        let plan = try Layout.plan(patch)
        let local = try #require(plan.references.first { $0.symbol == "__fat_readdir" })
        #expect(local.part == "lp__fat")
        #expect(local.category == .moduleLocal)
        #expect(local.action == ".klp.sym.fat.__fat_readdir,0 in .klp.rela.fat..text.fat_note")
        #expect(plan.references(.unresolved).isEmpty)
    }
}
