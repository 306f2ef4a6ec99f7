import Foundation
import Testing
import TestSupport

/// Coupling between parts through the CLI (issue 17): `plan` warns and `--strict` refuses for
/// lp_coupling and lp_shadow on both kernels, `check` finds the same in the parts `build` writes,
/// `--accept-coupling` accepts a window with a reason, and nothing is reported for the fixtures
/// without coupling.
@Suite("plan and check report coupling between parts")
struct CouplingCommandTests {
    struct Kernel: Sendable, CustomTestStringConvertible {
        let modules: String
        let world: String
        var testDescription: String { modules }
        func fixture(_ name: String) -> String { Repository.path("\(modules)/\(name).ko") }
        var worldPath: String { Repository.path(world) }
    }

    static let kernels = [Kernel(modules: "Fixtures/modules", world: "Fixtures/world"),
                          Kernel(modules: "Fixtures/modules-6.12", world: "Fixtures/world-6.12")]

    static let patchedCall = "warning: new code of part 'lp_coupling__cdrom' calls or takes the address of 'cmdline_proc_show' (vmlinux), which part 'lp_coupling' patches"
    static let replacementCall = "warning: new code of part 'lp_coupling__cdrom' calls or takes the address of 'livepatch_coupling_cmdline_proc_show', the replacement part 'lp_coupling' installs"
    static let acceptBoth = ["--accept-coupling", "coupling-patched-call:cmdline_proc_show=the part only prints the address",
                             "--accept-coupling", "coupling-replacement-call:livepatch_coupling_cmdline_proc_show=the part only prints the address"]

    func run(_ arguments: [String]) throws -> ProcessResult { try runProcess(Repository.executable, arguments) }

    /// Builds the parts of a fixture into a fresh directory and returns their paths.
    func buildParts(_ fixture: String, _ kernel: Kernel, _ extra: [String] = [], into directory: String) throws -> [String] {
        let build = try run(["build", kernel.fixture(fixture), "-b", kernel.worldPath, "-o", directory] + extra)
        #expect(build.status == 0, "\(build.stderr)")
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ko") }.sorted()
            .map { "\(directory)/\($0)" }
    }

    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-coupling-\(UUID().uuidString)").path
    }

    /// The rule ids of `check --format json`'s findings.
    func checkIDs(_ parts: [String], _ kernel: Kernel, _ extra: [String] = []) throws -> (status: Int32, ids: [String], output: String) {
        let result = try run(["check"] + parts + ["-b", kernel.worldPath, "--format", "json"] + extra)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        return (result.status, findings.compactMap { $0["id"] as? String }, result.stdout)
    }

    @Test("lp_coupling: plan warns (patched-call and replacement-call), --strict refuses, --accept-coupling accepts", arguments: kernels)
    func planCoupling(kernel: Kernel) throws {
        let plain = try run(["plan", kernel.fixture("lp_coupling"), "-b", kernel.worldPath])
        #expect(plain.status == 0, "\(plain.stderr)")
        // the text plan lists its problems on stdout
        #expect(plain.stdout.contains(Self.patchedCall), "\(plain.stdout)")
        #expect(plain.stdout.contains(Self.replacementCall), "\(plain.stdout)")
        #expect(plain.stdout.contains("--accept-coupling coupling-patched-call:cmdline_proc_show=REASON"))
        let strict = try run(["plan", kernel.fixture("lp_coupling"), "-b", kernel.worldPath, "--strict"])
        #expect(strict.status == 2)
        #expect(strict.stdout.contains(Self.patchedCall.replacingOccurrences(of: "warning:", with: "error:")), "\(strict.stdout)")
        #expect(strict.stderr.contains("error: the plan has 2 error(s)"), "\(strict.stderr)")
        let accepted = try run(["plan", kernel.fixture("lp_coupling"), "-b", kernel.worldPath, "--strict"] + Self.acceptBoth)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("note: accepted (--accept-coupling: the part only prints the address)"), "\(accepted.stdout)")
    }

    @Test("lp_shadow: plan warns once, for id 0x6c70 in both parts, not for 0x6c71 (one part)", arguments: kernels)
    func planShadow(kernel: Kernel) throws {
        let result = try run(["plan", kernel.fixture("lp_shadow"), "-b", kernel.worldPath, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 2)
        let coupling = try #require(object["coupling"] as? [[String: Any]])
        #expect(coupling.count == 1)
        #expect(coupling.first?["rule"] as? String == "coupling-shadow-id")
        #expect(coupling.first?["symbol"] as? String == "0x6c70")
        #expect(coupling.first?["parts"] as? [String] == ["lp_shadow", "lp_shadow__cdrom"])
        #expect(coupling.first?["related"] as? [String] == ["klp_shadow_get", "klp_shadow_get_or_alloc"])
        let strict = try run(["plan", kernel.fixture("lp_shadow"), "-b", kernel.worldPath, "--strict"])
        #expect(strict.status == 2)
    }

    @Test("check finds the coupling in the parts build writes; --strict fails; accepted findings are left out", arguments: kernels)
    func checkBuiltParts(kernel: Kernel) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let coupling = try buildParts("lp_coupling", kernel, into: "\(directory)/coupling")
        let found = try checkIDs(coupling, kernel)
        #expect(found.status == 0)
        #expect(found.ids.filter { $0.hasPrefix("coupling-") }.sorted() == ["coupling-patched-call", "coupling-replacement-call"], "\(found.output)")
        #expect(try checkIDs(coupling, kernel, ["--strict"]).status == 2)
        let accepted = try checkIDs(coupling, kernel, ["--strict"] + Self.acceptBoth)
        #expect(!accepted.ids.contains { $0.hasPrefix("coupling-") }, "\(accepted.output)")
        let shadow = try buildParts("lp_shadow", kernel, into: "\(directory)/shadow")
        let shadowFound = try checkIDs(shadow, kernel)
        #expect(shadowFound.ids.filter { $0.hasPrefix("coupling-") } == ["coupling-shadow-id"], "\(shadowFound.output)")
        #expect(shadowFound.output.contains("use shadow variables with id 0x6c70"))
        // each part alone has nothing to couple with
        for part in shadow + coupling {
            #expect(!(try checkIDs([part], kernel).ids.contains { $0.hasPrefix("coupling-") }))
        }
    }

    @Test("check --strict reports no coupling for the fixtures without coupling, and passes on 6.12 (on 6.1 only the reload hazard warns)",
          arguments: kernels)
    func noCouplingStaysClean(kernel: Kernel) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for fixture in ["lp_cdrom", "lp_klpbuild", "lp_vmlinux", "lp_exports", "lp_twofiles", "lp_nodatasections"] {
            let plan = try run(["plan", kernel.fixture(fixture), "-b", kernel.worldPath, "--strict"])
            #expect(plan.status == 0, "\(fixture): \(plan.stderr)")
            #expect(!plan.stderr.contains("coupling") && !plan.stdout.contains("coupling"), "\(fixture): \(plan.stderr)")
            let parts = try buildParts(fixture, kernel, into: "\(directory)/\(fixture)")
            let result = try checkIDs(parts, kernel, ["--strict"])
            #expect(!result.ids.contains { $0.hasPrefix("coupling-") }, "\(fixture): \(result.output)")
            if kernel.modules.hasSuffix("6.12") {
                #expect(result.status == 0 && result.ids.isEmpty, "\(fixture): \(result.output)")
            } else {
                #expect(result.ids.allSatisfy { $0 == "module-reload-hazard" }, "\(fixture): \(result.output)")
            }
        }
        // the check fixtures, all at once
        let checkSet = kernel.modules.hasSuffix("6.12") ? "Fixtures/check-6.12" : "Fixtures/check"
        let modules = try FileManager.default.contentsOfDirectory(atPath: Repository.path(checkSet)).filter { $0.hasSuffix(".ko") }
            .sorted().map { Repository.path("\(checkSet)/\($0)") }
        let all = try run(["check"] + modules + ["-b", kernel.worldPath, "--strict"])
        #expect(!all.stdout.contains("coupling-") && !all.stdout.contains("calls or takes the address"), "\(all.stdout)")
    }

    @Test("a malformed --accept-coupling is a usage error (exit 64) that says what is missing",
          arguments: [("coupling-shadow-id:0x6c70", "gives no reason"), ("shadow-id:0x6c70=why", "is not a coupling rule")])
    func badAcceptance(text: String, problem: String) throws {
        for command in ["plan", "check"] {
            let result = try run([command, Self.kernels[0].fixture("lp_shadow"), "-b", Self.kernels[0].worldPath, "--accept-coupling", text])
            #expect(result.status == 64)
            #expect(result.stderr.contains(problem), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("lp_state: refused without --states-in-every-part (klp-state); with it build copies klp_patch.states into every part, so plan and check report coupling-state-id 0x17", arguments: kernels)
    func stateID(kernel: Kernel) throws {
        let refused = try run(["plan", kernel.fixture("lp_state"), "-b", kernel.worldPath])
        #expect(refused.status == 2, "\(refused.stdout)")
        #expect(refused.stdout.contains("lp_state.ko: klp_patch.states: error: the patch declares klp_state entries"), "\(refused.stdout)")
        let plan = try run(["plan", kernel.fixture("lp_state"), "-b", kernel.worldPath, "--states-in-every-part"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("lp_state.ko: klp_patch.states: warning: parts 'lp_state', 'lp_state__cdrom' declare klp_state id 0x17"), "\(plan.stdout)")
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let parts = try buildParts("lp_state", kernel, ["--states-in-every-part"], into: "\(directory)/state")
        #expect(try checkIDs(parts, kernel).ids.filter { $0.hasPrefix("coupling-") } == ["coupling-state-id"])
        let accepted = try checkIDs(parts, kernel, ["--strict", "--accept-coupling", "coupling-state-id:0x17=the parts have no state callbacks"])
        #expect(!accepted.ids.contains { $0.hasPrefix("coupling-") }, "\(accepted.output)")
    }
}
