import Foundation
import Planner
import Testing
import TestSupport
@testable import KlpSplitCommands

/// ppc64le livepatches built against the lab kernel (Fixtures/ppc64le/build.sh), planned against
/// that kernel's trimmed world (Fixtures/ppc64le/world: System.map, Module.symvers, fat + vfat).
@Suite("ppc64le plans")
struct PPC64PlanTests {
    static let world = Repository.path("Fixtures/ppc64le/world")
    static let release = "6.12.118-klplab"

    static func plan(_ fixture: String) throws -> Plan {
        let options = try KernelWorldOptions.parse(worldArguments)
        return try PlanCommand.makePlan(livepatch: Repository.path("Fixtures/ppc64le/modules/\(fixture).ko"), world: options)
    }

    @Test("the two-object ppc64le patch (vmlinux + vfat, a fat export) plans without errors and matches its golden file")
    func splitPlan() throws {
        let plan = try Self.plan("lp_ppc_split")
        #expect(plan.diagnostics.filter { $0.severity == .error }.isEmpty, "\(plan.diagnostics.map(\.rendered))")
        try Golden.check(PlanTextRenderer.render(plan), against: "ppc64le/lp_ppc_split.txt")
    }

    @Test("each ppc64le rule fixture is refused with its rule", arguments: [
        ("lp_ppc_nonop", "ppc64-call-without-nop"),
        ("lp_ppc_toc16", "ppc64-toc16-reference"),
    ])
    func ruleFixtures(fixture: String, rule: String) throws {
        let plan = try Self.plan(fixture)
        let errors = plan.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.id).contains(rule), "\(errors.map(\.rendered))")
        try Golden.check(errors.map(\.rendered).joined(separator: "\n") + "\n", against: "ppc64le/\(fixture).errors")
    }

    static var worldArguments: [String] {
        ["-b", world, "--system-map", "\(world)/boot/System.map-\(release)"]
    }

    @Test("check reads a ppc64le livepatch: the loader-set .TOC. is no finding, the unconverted vfat and fat references are")
    func checkReadsPPC64() throws {
        let result = try runProcess(Repository.executable,
                                    ["check", Repository.path("Fixtures/ppc64le/modules/lp_ppc_split.ko")] + Self.worldArguments)
        #expect(result.status == 2)
        #expect(!result.stdout.contains(".TOC.") && !result.stderr.contains(".TOC."))
        #expect((result.stdout + result.stderr).contains("vfat_fill_super"))
        #expect((result.stdout + result.stderr).contains("fat_fill_super"))
    }

    @Test("symbols lists the ppc64le world: vmlinux from System.map, then fat and vfat")
    func symbolsWorld() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-ppc64le-symbols-\(getpid()).klp").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try runProcess(Repository.executable, ["symbols"] + Self.worldArguments + ["-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("*") } == ["*vmlinux", "*fat", "*vfat"])
        #expect(lines.contains("vfat_fill_super"))
    }

    @Test("each ppc64le check fixture (klp relocations by the lab's klp-mini-convert.py) breaks its rule", arguments: [
        ("ppc64-toc16-klp-rela", "error"),
        ("ppc64-klp-call-without-nop", "error"),
        ("ppc64-stubs-reload", "warning"),
        ("ppc64-no-stubs", "error"),
    ])
    func checkFixtures(rule: String, severity: String) throws {
        let result = try runProcess(Repository.executable,
                                    ["check", Repository.path("Fixtures/ppc64le/check/\(rule).ko"), "--format", "json"] + Self.worldArguments)
        #expect(result.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        let mine = findings.filter { $0["id"] as? String == rule }
        #expect(!mine.isEmpty, "\(result.stdout)")
        #expect(mine.allSatisfy { $0["severity"] as? String == severity })
    }

    @Test("the ppc64le rules stay quiet where they do not apply: the nop fixture's source has its nop, and no x86 rule fires on ppc64le")
    func checkRulesAreSpecific() throws {
        let result = try runProcess(Repository.executable,
                                    ["check", Repository.path("Fixtures/ppc64le/check/ppc64-stubs-reload.ko"), "--format", "json"] + Self.worldArguments)
        let ids = Set(result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "\"id\" : \"") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        })
        #expect(ids == ["implicit-dependency", "ppc64-stubs-reload"], "\(result.stdout)")
    }
}
