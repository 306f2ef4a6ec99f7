import Foundation
import Planner
import Testing
import TestSupport
@testable import KlpSplitCommands

@Suite("plan output matches the golden files")
struct PlanGoldenTests {
    /// Plans are cached per fixture: reading the world (24k exports, 94k kallsyms lines) once is enough.
    static let cache = PlanCache()

    static func plan(_ fixture: String) throws -> Plan {
        try cache.plan(fixture) {
            let options = try KernelWorldOptions.parse(["-b", Repository.world])
            return try PlanCommand.makePlan(livepatch: Repository.fixture(fixture), world: options)
        }
    }

    @Test("the multi-object fixture's text, JSON and DOT output match the golden files")
    func multiObjectGoldens() throws {
        let plan = try Self.plan("lp_multi")
        try Golden.check(PlanTextRenderer.render(plan), against: "lp_multi.txt")
        try Golden.check(PlanJSONRenderer.render(plan), against: "lp_multi.json")
        try Golden.check(PlanDOTRenderer.render(plan), against: "lp_multi.dot")
    }

    @Test("every fixture's text plan matches its golden file", arguments: ["lp_vmlinux", "lp_cdrom", "lp_ambiguous", "lp_klpbuild", "lp_exports", "lp_exports_nodep"])
    func textGoldens(fixture: String) throws {
        try Golden.check(PlanTextRenderer.render(try Self.plan(fixture)), against: "\(fixture).txt")
    }

    @Test("planning twice gives byte-identical JSON")
    func deterministic() throws {
        let options = try KernelWorldOptions.parse(["-b", Repository.world])
        let first = try PlanCommand.makePlan(livepatch: Repository.fixture("lp_multi"), world: options)
        let second = try PlanCommand.makePlan(livepatch: Repository.fixture("lp_multi"), world: options)
        #expect(PlanJSONRenderer.render(first) == PlanJSONRenderer.render(second))
    }

    @Test("the JSON plan has no absolute paths and declares schemaVersion 2")
    func jsonHasNoAbsolutePaths() throws {
        let json = PlanJSONRenderer.render(try Self.plan("lp_multi"))
        #expect(!json.contains(Repository.root.path))
        #expect(!json.contains("\"/"))
        #expect(json.contains("\"schemaVersion\" : 2"))
    }

    @Test("dot -Tsvg renders the DOT output", .enabled(if: which("dot") != nil))
    func dotRenders() throws {
        let dot = PlanDOTRenderer.render(try Self.plan("lp_multi"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-\(getpid()).dot").path
        try dot.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try runProcess(which("dot")!, ["-Tsvg", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("<svg"))
        #expect(result.stdout.contains("lp_multi__sr_mod"))
    }
}

/// Plans by fixture name, computed once under a lock.
final class PlanCache: @unchecked Sendable {
    private let lock = NSLock()
    private var plans: [String: Plan] = [:]

    func plan(_ fixture: String, make: () throws -> Plan) throws -> Plan {
        lock.lock()
        defer { lock.unlock() }
        if let plan = plans[fixture] { return plan }
        let plan = try make()
        plans[fixture] = plan
        return plan
    }
}
