import ELF
import KernelWorld
import Livepatch
@testable import Planner
import Testing

/// One row of the split-section table (issue 19): a layout of several objects in one section, the
/// parts that must carry each object, and the only errors.
struct SplitCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let build: @Sendable (inout SyntheticPatch) -> Void
    /// `object: part, part` for every object of the split section.
    let carriers: [String]
    let errors: [String]
    let warnings: [String]

    init(_ description: String, carriers: [String], errors: [String] = [], warnings: [String] = [],
         build: @escaping @Sendable (inout SyntheticPatch) -> Void) {
        testDescription = description
        self.carriers = carriers
        self.errors = errors
        self.warnings = warnings
        self.build = build
    }
}

@Suite("Sections holding several objects are split between parts, never owned whole (issue 19)")
struct SplitSectionTests {
    static let onceFlags: [(name: String, size: UInt64)] = [("__already_done.0", 1), ("__already_done.1", 1), ("__already_done.2", 1)]
    static let descriptors: [(name: String, size: UInt64)] = [("ddebug.0", 56), ("ddebug.1", 56), ("ddebug.2", 56)]

    static let cases: [SplitCase] = [
        .init("pr_warn_once flags in .data.once: each flag goes to the part whose code tests it (cmpb $0, flag(%rip): addend - 5)",
              carriers: ["__already_done.0: lp", "__already_done.1: lp__fat", "__already_done.2: lp__vfat"]) { patch in
            patch.sharedSection(".data.once", objects: onceFlags)
            patch.referenceInto(".data.once", offset: 0, from: "new_cmdline", pcRelative: true, immediate: 1)
            patch.referenceInto(".data.once", offset: 1, from: "new_fat", pcRelative: true, immediate: 1)
            patch.referenceInto(".data.once", offset: 2, from: "new_vfat", pcRelative: true, immediate: 1)
        },
        .init("6.12 spells it .data..once; a flag read without an immediate (movzbl flag(%rip)) is the same flag",
              carriers: ["__already_done.0: lp__fat", "__already_done.1: lp__vfat", "__already_done.2: lp__vfat"]) { patch in
            patch.sharedSection(".data..once", objects: onceFlags)
            patch.referenceInto(".data..once", offset: 0, from: "new_fat", pcRelative: true)
            patch.referenceInto(".data..once", offset: 1, from: "new_vfat", pcRelative: true, immediate: 1)
            patch.referenceInto(".data..once", offset: 2, from: "new_vfat", pcRelative: true)
        },
        .init("one flag tested by two parts (a helper duplicated into both) is copied into each, with a warning",
              carriers: ["__already_done.0: lp__fat, lp__vfat", "__already_done.1: lp__vfat", "__already_done.2: none"],
              warnings: ["once-per-part"]) { patch in
            patch.sharedSection(".data.once", objects: onceFlags)
            patch.referenceInto(".data.once", offset: 0, from: "new_fat", pcRelative: true, immediate: 1)
            patch.referenceInto(".data.once", offset: 0, from: "new_vfat", pcRelative: true, immediate: 1)
            patch.referenceInto(".data.once", offset: 1, from: "new_vfat", pcRelative: true, immediate: 1)
        },
        .init("__dyndbg descriptors split by entry (struct _ddebug, 56 bytes): each follows the code passing it",
              carriers: ["ddebug.0: lp", "ddebug.1: lp__fat", "ddebug.2: lp__fat"]) { patch in
            patch.sharedSection("__dyndbg", objects: descriptors)
            patch.referenceInto("__dyndbg", offset: 0, from: "new_cmdline")
            patch.referenceInto("__dyndbg", offset: 56, from: "new_fat")
            patch.referenceInto("__dyndbg", offset: 112, from: "new_fat")
        },
        .init("a __jump_table entry keyed on a descriptor (key +0x28, flag bit) brings that descriptor to the code's part",
              carriers: ["ddebug.0: lp__vfat", "ddebug.1: lp", "ddebug.2: none"]) { patch in
            patch.sharedSection("__dyndbg", objects: descriptors)
            patch.specialEntry("__jump_table", entrySize: 16, code: "new_vfat", keySection: "__dyndbg", keyOffset: 0x28 + 1)
            patch.specialEntry("__jump_table", entrySize: 16, code: "new_cmdline", keySection: "__dyndbg", keyOffset: 56 + 0x28)
        },
        .init("a descriptor of the main part and one of a module part: no reference between the parts, no cycle",
              carriers: ["ddebug.0: lp", "ddebug.1: lp__fat", "ddebug.2: none"]) { patch in
            patch.sharedSection("__dyndbg", objects: descriptors)
            patch.referenceInto("__dyndbg", offset: 0, from: "new_cmdline")
            patch.specialEntry("__jump_table", entrySize: 16, code: "new_cmdline", keySection: "__dyndbg", keyOffset: 0x28)
            patch.referenceInto("__dyndbg", offset: 56, from: "new_fat")
            patch.specialEntry("__jump_table", entrySize: 16, code: "new_fat", keySection: "__dyndbg", keyOffset: 56 + 0x28)
        },
        .init("one descriptor used by two parts is copied into each: dynamic debug registers it per module",
              carriers: ["ddebug.0: lp__fat, lp__vfat", "ddebug.1: none", "ddebug.2: none"]) { patch in
            patch.sharedSection("__dyndbg", objects: descriptors)
            patch.referenceInto("__dyndbg", offset: 0, from: "new_fat")
            patch.referenceInto("__dyndbg", offset: 0, from: "new_vfat")
        },
        .init("a writable variable of an explicit section used by two parts is real shared state, named by its symbol",
              carriers: ["a: lp__fat, lp__vfat", "b: lp__vfat"], errors: ["shared-state"]) { patch in
            patch.sharedSection(".data..read_mostly", objects: [("a", 8), ("b", 8)])
            patch.referenceInto(".data..read_mostly", offset: 0, from: "new_fat")
            patch.referenceInto(".data..read_mostly", offset: 0, from: "new_vfat")
            patch.referenceInto(".data..read_mostly", offset: 8, from: "new_vfat")
        },
        .init("an explicit section of several variables (__read_mostly) is split by symbol like .data.once",
              carriers: ["a: lp__fat", "b: lp__vfat", "c: lp"]) { patch in
            patch.sharedSection(".data..read_mostly", objects: [("a", 8), ("b", 8), ("c", 16)])
            patch.referenceInto(".data..read_mostly", offset: 0, from: "new_fat")
            patch.referenceInto(".data..read_mostly", offset: 8, from: "new_vfat")
            patch.referenceInto(".data..read_mostly", offset: 20, from: "new_cmdline")
        },
        .init("an unknown section whose bytes outside its objects are used cannot be split: its own error, not shared state",
              carriers: ["a: lp__fat, lp__vfat", "b: lp__fat, lp__vfat"], errors: ["unsplittable-section"]) { patch in
            patch.sharedSection(".data.mine", objects: [("a", 8), ("b", 8)])
            patch.referenceInto(".data.mine", offset: 0, from: "new_fat")
            patch.referenceInto(".data.mine", offset: 8, from: "new_vfat")
            patch.referenceInto(".data.mine", offset: 24, from: "new_vfat")
        },
    ]

    @Test("who carries each object, and the only errors", arguments: cases)
    func split(_ row: SplitCase) throws {
        var patch = Layout.patch()
        row.build(&patch)
        let plan = try Layout.plan(patch)
        let rendered = plan.diagnostics.map(\.rendered).joined(separator: "\n")
        let objects = row.carriers.map { String($0.prefix { $0 != ":" }) }
        let carriers = objects.map { object in
            let parts = plan.carriers(of: object)
            return "\(object): \(parts.isEmpty ? "none" : parts.joined(separator: ", "))"
        }
        #expect(carriers == row.carriers, "\(rendered)")
        #expect(Set(plan.errorIds) == Set(row.errors), "\(rendered)")
        #expect(Set(plan.diagnostics.filter { $0.severity == .warning }.map(\.id)) == Set(row.warnings), "\(rendered)")
        #expect(plan.references(.interLivepatch).isEmpty && plan.references(.mainLivepatchExport).isEmpty, "\(rendered)")
    }

    @Test("build learns each piece's parts; a descriptor table is packed by entry, a flag section keeps its layout")
    func planPieces() throws {
        var patch = Layout.patch()
        patch.sharedSection("__dyndbg", objects: Self.descriptors)
        patch.sharedSection(".data.once", objects: Self.onceFlags)
        patch.referenceInto("__dyndbg", offset: 0, from: "new_cmdline")
        patch.referenceInto("__dyndbg", offset: 112, from: "new_fat")
        patch.referenceInto(".data.once", offset: 2, from: "new_cmdline", pcRelative: true, immediate: 1)
        let plan = try Layout.plan(patch)
        let pieces = plan.pieces.values.sorted { ($0.entrySize ?? 0) > ($1.entrySize ?? 0) }
        try #require(pieces.count == 2)
        #expect(pieces[0].entrySize == 56)
        #expect(pieces[0].carriers == [[0], [], [1]])
        #expect(pieces[1].entrySize == nil)
        #expect(pieces[1].ranges == [0..<1, 1..<2, 2..<3])
        #expect(pieces[1].carriers == [[], [], [0]])
    }

    @Test("the unsplittable error names the section, its objects, the parts and the fix")
    func unsplittableMessage() throws {
        var patch = Layout.patch()
        patch.sharedSection(".data.mine", objects: [("a", 8), ("b", 8)])
        patch.referenceInto(".data.mine", offset: 0, from: "new_fat")
        patch.referenceInto(".data.mine", offset: 24, from: "new_vfat")
        let error = try #require(try Layout.plan(patch).diagnostics.first { $0.id == "unsplittable-section" })
        #expect(error.rendered == "lp.ko: .data.mine: error: 'a', 'b' share this section and parts lp__fat, lp__vfat use it, but klp-split cannot split it by object: .rela.text.new_vfat+0x4 points at +0x18, outside its objects; give each part's objects a section of their own (__section(\".data.<name>\")), or report the section if the kernel defines it")
    }

    @Test("RIP-relative operands: the immediate after the displacement", arguments: [
        ([0xC6, 0x05, 0, 0, 0, 0, 0x01] as [UInt8], 1),          // movb $1, x(%rip)
        ([0x80, 0x3D, 0, 0, 0, 0, 0x00], 1),                      // cmpb $0, x(%rip)
        ([0x0F, 0xB6, 0x05, 0, 0, 0, 0], 0),                      // movzbl x(%rip), %eax
        ([0xC7, 0x05, 0, 0, 0, 0, 1, 0, 0, 0], 4),                // movl $1, x(%rip)
        ([0x66, 0xC7, 0x05, 0, 0, 0, 0, 1, 0], 2),                // movw $1, x(%rip)
        ([0x48, 0xC7, 0x05, 0, 0, 0, 0, 1, 0, 0, 0], 4),          // movq $1, x(%rip)
        ([0xF6, 0x05, 0, 0, 0, 0, 0x04], 1),                      // testb $4, x(%rip)
        ([0xF7, 0x15, 0, 0, 0, 0], 0),                            // notl x(%rip): no immediate
        ([0xE8, 0, 0, 0, 0], 0),                                  // call rel32
    ])
    func immediates(_ code: [UInt8], _ expected: Int) {
        let field = code.count - 4 - expected
        #expect(RipRelativeOperand.immediateSize(code: code, field: field) == expected)
    }
}
