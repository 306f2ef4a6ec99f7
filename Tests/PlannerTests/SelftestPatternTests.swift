import ELF
import KernelWorld
@testable import Planner
import Testing

/// The input forms of the kernel's own livepatch samples and selftests (issue 20), as synthetic
/// patches: samples/livepatch/livepatch-callbacks-demo.c, lib/livepatch/test_klp_callbacks_demo.c
/// (6.12: tools/testing/selftests/livepatch/test_modules/), test_klp_state*.c.
@Suite("the kernel's livepatch samples and selftests: callbacks, parameters, states, replace")
struct SelftestPatternTests {
    static let world = SyntheticWorld(
        exports: ["_printk": "vmlinux"],
        dependencies: ["mod": [], "busy": []],
        names: ["vmlinux": ["cmdline_proc_show"], "mod": ["mod_work"], "busy": ["busymod_work_func"]])

    /// test_klp_callbacks_demo in miniature: the same four-callback set on vmlinux and `mod` (no
    /// functions) and `busy` (one function), all reading the parameter `pre_patch_ret`.
    static func callbacksDemo(parameter: Bool = true) -> SyntheticPatch {
        var patch = SyntheticPatch(name: "demo")
        patch.function("callback_info")
        if parameter { patch.moduleParameter("pre_patch_ret") }
        for object in [nil, "mod", "busy"] as [String?] {
            patch.callback("pre_patch_callback", object: object)
            patch.callback("post_unpatch_callback", object: object, kind: "post_unpatch")
        }
        patch.replacement("patched_work_func", object: "busy", old: "busymod_work_func")
        patch.reference(from: "pre_patch_callback", to: "callback_info")
        patch.reference(from: "post_unpatch_callback", to: "callback_info")
        if parameter { patch.reference(from: "pre_patch_callback", to: "pre_patch_ret") }
        return patch
    }

    static func plan(_ patch: SyntheticPatch, statesInEveryPart: Bool = false) throws -> Plan {
        var input = try world.input(for: patch, units: false)
        input.statesInEveryPart = statesInEveryPart
        return Planner.plan(input)
    }

    @Test("one callback function given to several objects is copied into each part, not a shared root")
    func sharedCallbacksAreDuplicated() throws {
        let plan = try Self.plan(Self.callbacksDemo(parameter: false))
        #expect(plan.errorIds == [])
        #expect(plan.parts.map(\.name) == ["demo", "demo__mod", "demo__busy"])
        for part in plan.parts {
            #expect(part.callbacks == ["pre_patch=pre_patch_callback", "post_unpatch=post_unpatch_callback"])
            #expect(part.duplicated.contains("pre_patch_callback") && part.duplicated.contains("callback_info"))
        }
        #expect(plan.parts.map(\.functions.count) == [0, 0, 1])
    }

    @Test("an object with callbacks and no functions is a part of its own")
    func callbacksOnlyObjectIsAPart() throws {
        var patch = SyntheticPatch(name: "cb")
        patch.callback("only_callback", object: "mod")
        let plan = try Self.plan(patch)
        #expect(plan.errorIds == [])
        #expect(plan.parts.map(\.name) == ["cb__mod"])
        #expect(plan.parts.first?.symbols == ["only_callback"])
    }

    @Test("a replacement function that is also another object's callback is still one section of two parts")
    func replacementSharedWithCallbackIsRefused() throws {
        var patch = SyntheticPatch(name: "mix")
        patch.replacement("new_work", object: "busy", old: "busymod_work_func")
        patch.callback("new_work", object: "mod")
        #expect(try Self.plan(patch).errorIds == ["shared-root"])
    }

    @Test("a module parameter read by several parts is copied into every part, with a warning")
    func moduleParameterIsPerPart() throws {
        let plan = try Self.plan(Self.callbacksDemo())
        #expect(plan.errorIds == [])
        let warnings = plan.diagnostics.filter { $0.severity == .warning }
        #expect(warnings.map(\.id) == ["module-parameter"])
        #expect(warnings.first?.message.contains("demo, demo__mod, demo__busy") == true)
        #expect(plan.carriers(of: "pre_patch_ret") == ["demo", "demo__mod", "demo__busy"])
    }

    @Test("a module parameter only one part reads still goes into every part (each has __param), silently")
    func moduleParameterOfOnePart() throws {
        var patch = SyntheticPatch(name: "one")
        patch.moduleParameter("verbose")
        patch.replacement("new_cmdline", object: nil, old: "cmdline_proc_show")
        patch.replacement("new_work", object: "busy", old: "busymod_work_func")
        patch.reference(from: "new_cmdline", to: "verbose")
        let plan = try Self.plan(patch)
        #expect(plan.errorIds == [])
        #expect(!plan.diagnostics.contains { $0.id == "module-parameter" })
        #expect(plan.carriers(of: "verbose") == ["one", "one__busy"])
    }

    @Test("writable data that is not a parameter is still shared state")
    func otherWritableDataIsSharedState() throws {
        var patch = Self.callbacksDemo(parameter: false)
        patch.variable("counter", writable: true)
        patch.reference(from: "pre_patch_callback", to: "counter")
        #expect(try Self.plan(patch).errorIds == ["shared-state"])
    }

    @Test("klp_state across parts", arguments: [
        (parts: 1, flag: false, errors: [String](), notes: [String]()),
        (parts: 3, flag: false, errors: ["klp-state"], notes: []),
        (parts: 3, flag: true, errors: [], notes: ["klp-state"]),
    ])
    func states(parts: Int, flag: Bool, errors: [String], notes: [String]) throws {
        var patch: SyntheticPatch
        if parts == 1 {
            patch = SyntheticPatch(name: "state")
            patch.callback("pre_patch_callback", object: nil)
        } else {
            patch = Self.callbacksDemo(parameter: false)
        }
        patch.hasStates = true
        let plan = try Self.plan(patch, statesInEveryPart: flag)
        #expect(plan.errorIds == errors)
        #expect(plan.diagnostics.filter { $0.severity == .note && $0.id == "klp-state" }.map(\.id) == notes)
    }

    @Test("replace = true warns only when there are several parts (one part is the whole patch)", arguments: [
        (multi: false, warned: false), (multi: true, warned: true),
    ])
    func replace(multi: Bool, warned: Bool) throws {
        var patch: SyntheticPatch
        if multi {
            patch = Self.callbacksDemo(parameter: false)
        } else {
            patch = SyntheticPatch(name: "atomic")
            patch.replacement("new_cmdline", object: nil, old: "cmdline_proc_show")
        }
        patch.replace = true
        let plan = try Self.plan(patch)
        #expect(plan.diagnostics.contains { $0.id == "atomic-replace" } == warned)
        #expect(plan.errorIds == [])
    }
}
