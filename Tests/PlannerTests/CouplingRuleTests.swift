import ELF
import KernelWorld
import Livepatch
@testable import Planner
import Testing

/// One row of the coupling table: a synthetic patch over vmlinux, fat and vfat (`Layout`), extra
/// facts (shadow calls, states, callbacks), and the coupling findings expected as
/// `rule:symbol parts`.
struct CouplingCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let world: SyntheticWorld
    let build: @Sendable (inout SyntheticPatch) -> Void
    /// Shadow calls as `(function holding the call, id)`.
    let shadow: [(String, ShadowID)]
    let states: [String: [UInt64]]
    /// Callbacks as `(object, function)`: the function is added as a livepatch function of its own.
    let callbacks: [(String?, String)]
    let expected: [String]

    init(_ description: String, world: SyntheticWorld = Layout.world, shadow: [(String, ShadowID)] = [],
         states: [String: [UInt64]] = [:], callbacks: [(String?, String)] = [], expected: [String],
         build: @escaping @Sendable (inout SyntheticPatch) -> Void = { _ in }) {
        testDescription = description
        self.world = world
        self.build = build
        self.shadow = shadow
        self.states = states
        self.callbacks = callbacks
        self.expected = expected
    }
}

@Suite("Coupling between parts: each rule over synthetic plans (issue 17)")
struct CouplingRuleTests {
    static var exportingFat: SyntheticWorld {
        var world = Layout.world
        world.exports["fat_readdir"] = "fat"
        world.exports["cmdline_proc_show"] = "vmlinux"
        return world
    }

    static let cases: [CouplingCase] = [
        .init("no coupling: every part calls only what no other part patches", expected: []) { patch in
            patch.reference(from: "new_fat", to: "printk")
            patch.reference(from: "new_vfat", to: "fat_search_long")
        },
        .init("patched-call through a klp relocation: the fat part calls the vmlinux function the main part patches",
              expected: ["coupling-patched-call:cmdline_proc_show lp,lp__fat"]) { patch in
            patch.reference(from: "new_fat", to: "cmdline_proc_show")
        },
        .init("patched-call through a vmlinux export (A) the main part patches", world: exportingFat,
              expected: ["coupling-patched-call:cmdline_proc_show lp,lp__vfat"]) { patch in
            patch.reference(from: "new_vfat", to: "cmdline_proc_show")
        },
        .init("patched-call through another module's export: vfat's new code calls fat_readdir, which the fat part patches",
              world: exportingFat, expected: ["coupling-patched-call:fat_readdir lp__fat,lp__vfat"]) { patch in
            patch.reference(from: "new_vfat", to: "fat_readdir")
        },
        .init("a part calling a function it patches itself is no coupling", world: exportingFat, expected: []) { patch in
            patch.reference(from: "new_fat", to: "fat_readdir")
        },
        .init("replacement-call (C): the fat part takes the address of the main part's replacement",
              expected: ["coupling-replacement-call:new_cmdline2 lp,lp__fat"]) { patch in
            patch.replacement("new_cmdline2", object: nil, old: "seq_show", exported: true, file: "vmlinux.c")
            patch.reference(from: "new_fat", to: "new_cmdline2")
        },
        .init("replacement-call (D): the vfat part calls the fat part's replacement",
              expected: ["coupling-replacement-call:new_fat2 lp__fat,lp__vfat"]) { patch in
            patch.replacement("new_fat2", object: "fat", old: "__fat_readdir", exported: true, file: "fat.c")
            patch.reference(from: "new_vfat", to: "new_fat2")
        },
        .init("a helper exported by another part (not a replacement) is no coupling", expected: []) { patch in
            patch.exportedHelper("fat_note", file: "fat.c", needs: ["__fat_readdir"], usedBy: ["new_fat", "new_vfat"])
        },
        .init("shadow-id: two parts use id 0x10", shadow: [("new_cmdline", .constant(0x10)), ("new_fat", .constant(0x10))],
              expected: ["coupling-shadow-id:0x10 lp,lp__fat"]),
        .init("shadow-id: an id made of one object's address in two parts",
              shadow: [("new_fat", .address(symbol: "lp_key", addend: 0)), ("new_vfat", .address(symbol: "lp_key", addend: 0))],
              expected: ["coupling-shadow-id:&lp_key lp__fat,lp__vfat"]),
        .init("different shadow ids, or one id in one part only, are no coupling",
              shadow: [("new_cmdline", .constant(0x10)), ("new_cmdline", .constant(0x11)), ("new_fat", .constant(0x11 + 1))],
              expected: []),
        .init("shadow-unknown: ids not decoded in two parts",
              shadow: [("new_cmdline", .unknown("read from 'id'")), ("new_vfat", .unknown("computed"))],
              expected: ["coupling-shadow-unknown:unknown lp,lp__vfat"]),
        .init("an id not decoded in one part only is no finding", shadow: [("new_fat", .unknown("computed")), ("new_vfat", .constant(1))],
              expected: []),
        .init("state-id: the main and the fat part declare klp_state 1", states: ["vmlinux": [1, 2], "fat": [1], "vfat": [3]],
              expected: ["coupling-state-id:0x1 lp,lp__fat"]),
        .init("callback-object: a fat callback calls vmlinux's patched function", callbacks: [("fat", "fat_pre_patch")],
              expected: ["coupling-callback-object:fat_pre_patch lp,lp__fat"]) { patch in
            patch.function("fat_pre_patch", file: "fat.c")
            patch.reference(from: "fat_pre_patch", to: "cmdline_proc_show")
        },
        .init("callback-object: a vfat callback uses fat, which the fat part patches", world: exportingFat,
              callbacks: [("vfat", "vfat_pre_patch")],
              expected: ["coupling-callback-object:vfat_pre_patch lp__fat,lp__vfat"]) { patch in
            patch.function("vfat_pre_patch", file: "vfat.c")
            patch.reference(from: "vfat_pre_patch", to: "fat_search_long")
        },
        .init("a callback using vmlinux functions no part patches is no coupling", callbacks: [("fat", "fat_pre_patch")],
              expected: []) { patch in
            patch.function("fat_pre_patch", file: "fat.c")
            patch.reference(from: "fat_pre_patch", to: "printk")
        },
    ]

    static func input(_ row: CouplingCase) throws -> PlanInput {
        var patch = Layout.patch()
        row.build(&patch)
        var input = try row.world.input(for: patch)
        let livepatch = input.livepatch
        func section(of function: String) -> Int {
            livepatch.symbols.first { $0.name == function }.map { Int($0.sectionIndex.rawValue) } ?? 0
        }
        if !row.callbacks.isEmpty {
            let objects = livepatch.patch.objects.map { object in
                KlpObject(synthetic: object.name, functions: object.functions, callbacks: row.callbacks.filter { $0.0 == object.name }.map {
                    KlpCallback(synthetic: "pre_patch", function: $0.1, at: Location(section: section(of: $0.1), offset: 0))
                })
            }
            let withCallbacks = LivepatchModule(file: livepatch.file, name: livepatch.name, modinfo: livepatch.modinfo,
                                                versions: livepatch.versions, sections: livepatch.sections, symbols: livepatch.symbols,
                                                relocationSections: livepatch.relocationSections, patch: KlpPatch(objects: objects))
            var replaced = PlanInput(livepatch: withCallbacks, exports: input.exports, dependencies: input.dependencies,
                                     symbolOrder: input.symbolOrder)
            replaced.translationUnits = input.translationUnits
            input = replaced
        }
        input.coupling.shadowCalls = row.shadow.enumerated().map { index, use in
            ShadowCall(function: "klp_shadow_get", section: section(of: use.0), offset: UInt64(1 + index), id: use.1)
        }
        input.coupling.states = row.states
        return input
    }

    static func summary(_ plan: Plan) -> [String] {
        plan.coupling.map { "\($0.rule.rawValue):\($0.symbol) \($0.parts.joined(separator: ","))" }
    }

    @Test("each rule finds its coupling and nothing else", arguments: cases)
    func rule(_ row: CouplingCase) throws {
        let plan = Planner.plan(try Self.input(row))
        #expect(Self.summary(plan) == row.expected)
        #expect(plan.errorCount == 0, "\(plan.diagnostics.filter { $0.severity == .error }.map(\.rendered))")
        let warnings = plan.diagnostics.filter { $0.severity == .warning && $0.id.hasPrefix("coupling-") }.map(\.id)
        #expect(warnings.sorted() == plan.coupling.map(\.rule.rawValue).sorted())
        for finding in plan.coupling {
            #expect(finding.message.contains(finding.symbol) || finding.rule == .shadowUnknown)
            #expect(finding.fix.contains("--accept-coupling \(finding.rule.rawValue):\(finding.symbol)=REASON"))
            #expect(finding.parts.contains(finding.part) && !finding.location.isEmpty)
        }
    }

    @Test("--strict makes every finding an error; --accept-coupling makes one a note with its reason")
    func strictAndAccept() throws {
        let row = Self.cases[9 - 1]  // shadow-id
        #expect(row.expected == ["coupling-shadow-id:0x10 lp,lp__fat"])
        var input = try Self.input(row)
        input.coupling.strict = true
        let strict = Planner.plan(input)
        #expect(strict.diagnostics.filter { $0.severity == .error }.map(\.id) == ["coupling-shadow-id"])
        input.coupling.acceptances = [try #require(CouplingAcceptance(parsing: "coupling-shadow-id:0x10=the counter is advisory"))]
        let accepted = Planner.plan(input)
        #expect(accepted.errorCount == 0)
        #expect(accepted.coupling.first?.accepted == "the counter is advisory")
        let note = try #require(accepted.diagnostics.first { $0.id == "coupling-shadow-id" })
        #expect(note.severity == .note && note.message.contains("the counter is advisory"))
    }

    @Test("a whole-module plan (convert) has no parts to couple")
    func wholeModule() throws {
        var input = try Self.input(Self.cases[1])
        input.wholeModule = true
        #expect(Planner.plan(input).coupling.isEmpty)
    }

    @Test("--accept-coupling takes RULE:SYMBOL=REASON and says what is wrong otherwise",
          arguments: [
            ("coupling-shadow-id:0x6c70=both parts only count", nil),
            ("coupling-patched-call:cmdline_proc_show=read-only: prints the address", nil),
            ("coupling-shadow-id:0x6c70", "gives no reason"),
            ("coupling-shadow-id:0x6c70=  ", "empty reason"),
            ("coupling-shadow-id:=why", "names no symbol"),
            ("shadow-id:0x6c70=why", "is not a coupling rule"),
            ("coupling-shadow-id", "no ':'"),
          ] as [(String, String?)])
    func acceptanceSyntax(_ text: String, _ problem: String?) {
        let found = CouplingAcceptance.problem(in: text)
        if let problem {
            #expect(found?.contains(problem) == true, "\(found ?? "nil")")
            #expect(CouplingAcceptance(parsing: text) == nil)
        } else {
            #expect(found == nil)
            #expect(CouplingAcceptance(parsing: text)?.description == text)
        }
    }
}
