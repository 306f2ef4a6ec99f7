import KernelWorld
import Livepatch
import Planner
import Testing

/// The `EXPORT_SYMBOL_FOR_MODULES` rule of the Planner over synthetic `PlanInput`s: the real
/// `lp_cdrom.ko` (one part, `lp_cdrom__cdrom`, which calls `proc_dostring`) planned against
/// made-up worlds that differ only in `proc_dostring`'s namespace and in how often vmlinux's
/// kallsyms has the name.
@Suite("restricted exports in the Planner")
struct RestrictedExportTests {
    static let root: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// Every export lp_cdrom.ko imports, with `proc_dostring` in `namespace`.
    static func exports(proc_dostring namespace: String) throws -> ExportTable {
        let lines = [
            "0x319d493d\tproc_dostring\tvmlinux\tEXPORT_SYMBOL_GPL\t\(namespace)",
            "0x656e4a6e\tsnprintf\tvmlinux\tEXPORT_SYMBOL\t", "0x4dfa8d4b\tmutex_lock\tvmlinux\tEXPORT_SYMBOL\t",
            "0x3213f038\tmutex_unlock\tvmlinux\tEXPORT_SYMBOL\t", "0x2b0e5a38\tklp_enable_patch\tvmlinux\tEXPORT_SYMBOL_GPL\t",
            "0x9a994cf7\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t", "0x5b8239ca\t__x86_return_thunk\tvmlinux\tEXPORT_SYMBOL\t",
            "0xf0fdf6cb\t__stack_chk_fail\tvmlinux\tEXPORT_SYMBOL\t",
            "0x5fb11b53\tcdrom_check_events\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\t",
        ]
        return try ExportTable(parsing: lines.joined(separator: "\n") + "\n", file: "Module.symvers")
    }

    static func input(namespace: String, vmlinuxCopies: Int?, wholeModule: Bool = false) throws -> PlanInput {
        let livepatch = try LivepatchReader.read(path: "\(root)/Fixtures/modules/lp_cdrom.ko", displayName: "lp_cdrom.ko")
        var orders: [ObjectName: SymbolOrder] = [
            try ObjectName(normalizing: "cdrom"): SymbolOrder(object: try ObjectName(normalizing: "cdrom"), source: "cdrom.ko", countingOrder: [
                .init(name: "cdrom_mutex", address: 0x100, type: "b", isLocal: true),
                .init(name: "cdrom_sysctl_settings", address: 0x200, type: "d", isLocal: true),
            ]),
        ]
        if let vmlinuxCopies {
            orders[.vmlinux] = SymbolOrder(object: .vmlinux, source: "kallsyms", countingOrder: (0..<vmlinuxCopies).map {
                .init(name: "proc_dostring", address: 0xffff_ffff_8100_0000 + UInt64($0) * 0x100, type: $0 == 0 ? "T" : "t", isLocal: $0 != 0)
            })
        }
        var input = PlanInput(livepatch: livepatch, exports: try exports(proc_dostring: namespace),
                              dependencies: [try ObjectName(normalizing: "cdrom"): []], symbolOrder: orders)
        input.wholeModule = wholeModule
        return input
    }

    @Test("proc_dostring's category, action and diagnostic follow its namespace and the part's name", arguments: [
        // namespace, copies in kallsyms, whole module (convert), category, action prefix, diagnostic (severity id)
        ("", 1, false, Category.vmlinuxExport, "keep a normal relocation", nil),
        ("CXL", 1, false, .vmlinuxExport, "keep a normal relocation", nil),                  // an ordinary namespace
        ("module:cdrom,sr-*", 1, false, .vmlinuxLocal, ".klp.sym.vmlinux.proc_dostring,0 in .klp.rela.vmlinux.", "note restricted-export"),
        ("module:lp-cdrom__*", 1, false, .vmlinuxExport, "keep a normal relocation", nil),    // tail glob, '-' = '_'
        ("module:lp_cdrom__cdrom", 1, false, .vmlinuxExport, "keep a normal relocation", nil),
        ("module:cdrom", 2, false, .ambiguous, "none (error)", "error ambiguous-symbol"),     // a static of the same name
        ("module:cdrom", nil, false, .vmlinuxExport, "none (error)", "error restricted-export"), // no kallsyms: no position
        ("module:lp_cdrom", 1, true, .vmlinuxExport, "keep a normal relocation", nil),         // convert: the module is lp_cdrom
        ("module:cdrom", 1, true, .vmlinuxLocal, ".klp.sym.vmlinux.proc_dostring,0 in .klp.rela.vmlinux.", "note restricted-export"),
    ] as [(String, Int?, Bool, Category, String, String?)])
    func restricted(namespace: String, copies: Int?, wholeModule: Bool, category: Category, action: String, diagnostic: String?) throws {
        let plan = Planner.plan(try Self.input(namespace: namespace, vmlinuxCopies: copies, wholeModule: wholeModule))
        let references = plan.references.filter { $0.symbol == "proc_dostring" }
        #expect(!references.isEmpty)
        for reference in references {
            #expect(reference.category == category, "\(reference)")
            #expect(reference.action.hasPrefix(action), "\(reference.action)")
        }
        let found = plan.diagnostics.filter { $0.message.contains("proc_dostring") }.map { "\($0.severity.rawValue) \($0.id)" }
        #expect(found == (diagnostic.map { [$0] } ?? []), "\(plan.diagnostics.map(\.rendered))")
        #expect(!plan.diagnostics.contains { $0.id == "unresolved-symbol" })
    }
}
