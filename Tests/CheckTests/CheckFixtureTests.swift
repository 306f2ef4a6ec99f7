import Check
import ELF
import Foundation
import Testing
import TestSupport

/// Every committed fixture under `Fixtures/check/` breaks exactly the rule it is named after.
@Suite("check reports exactly the rule each fixture breaks")
struct CheckFixtureTests {
    @Test("the fixture breaks its rule and no other error", arguments: CheckFixtures.all)
    func fixtureBreaksItsRule(fixture: CheckFixtures.Fixture) throws {
        let paths = [CheckFixtures.path(fixture.file)] + fixture.partners.map(CheckFixtures.path)
        let report = try FixtureWorld.check(paths)
        let rule = try #require(Rule.all.first { $0.id == fixture.rule })
        let errors = Set(report.findings.filter { $0.severity == .error }.map(\.id))
        let rendered = report.renderText()
        if rule.severity == .error {
            #expect(errors == [fixture.rule], "\(rendered)")
            #expect(!report.passes(strict: false))
        } else {
            #expect(errors.isEmpty, "\(rendered)")
            #expect(report.findings.contains { $0.id == fixture.rule && $0.file == fixture.file }, "\(rendered)")
            #expect(report.passes(strict: false))
            #expect(!report.passes(strict: true))
        }
        // every finding names the file and is one line in the compiler style
        for finding in report.findings {
            #expect(finding.rendered.hasPrefix("\(finding.file): "))
            #expect(!finding.rendered.contains("\n"))
        }
    }

    @Test("a module whose name kbuild would never produce is refused when it is read, with one line", arguments: CheckFixtures.refused)
    func fixtureIsRefused(fixture: CheckFixtures.Fixture) throws {
        let error = #expect(throws: CheckError.self) { try CheckedModule.read(path: CheckFixtures.path(fixture.file)) }
        #expect(error?.kind == .unreadable)
        #expect(error?.message.hasPrefix("\(fixture.file): \(fixture.rule)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("\n") == false)
    }

    @Test("every rule has a fixture, except the ones only the world can break")
    func everyRuleHasAFixture() {
        let covered = Set(CheckFixtures.all.map(\.rule))
        let worldOnly: Set<String> = ["no-symbol-order", "unreadable-patch"]
        // Two real builds (lp_split for 6.1 and for 6.12) are their fixtures: BuildProvenanceTests.
        let twoBuilds: Set<String> = ["mixed-build", "target-build"]
        for rule in Rule.all where !worldOnly.contains(rule.id) && !twoBuilds.contains(rule.id) {
            #expect(covered.contains(rule.id), "no fixture for \(rule.id)")
        }
    }

    @Test("the clean base parts have no errors", arguments: ["lp_cdrom__cdrom", "lp_klpbuild", "lp_klpbuild__cdrom", "lp_vmlinux", "lp_split", "lp_split__cdrom", "lp_split__sr_mod", "lp_nodatasections__cdrom"])
    func basePartsAreClean(part: String) throws {
        let report = try FixtureWorld.check([CheckFixtures.base(part)])
        #expect(report.errorCount == 0, "\(report.renderText())")
    }

    @Test("each lost klp struct pointer is one finding naming the struct, the member, its offset and the fix", arguments: [
        ("klp-struct-relocation-patch-mod.ko", [".data.patch+0x0: error: struct klp_patch.mod (offset 0) has no relocation"]),
        ("klp-struct-relocation-patch-objs.ko", [".data.patch+0x8: error: struct klp_patch.objs (offset 8) has no relocation"]),
        ("klp-struct-relocation-object-name.ko", [".data.objs+0x0: error: struct klp_object[0].name (offset 0) has no relocation, so the kernel reads NULL there; it must point to the string \"cdrom\""]),
        ("klp-struct-relocation-object-funcs.ko", [".data.objs+0x8: error: struct klp_object[0].funcs (offset 8) has no relocation"]),
        ("klp-struct-relocation-func-old-name.ko", [".data.funcs+0x0: error: struct klp_func[0].old_name (offset 0) of object 'cdrom' has no relocation"]),
        ("klp-struct-relocation-func-new-func.ko", [".data.funcs+0x8: error: struct klp_func[0].new_func (offset 8) of object 'cdrom' has no relocation"]),
        ("klp-struct-relocation-klpbuild-new-func.ko", [".init.klp_funcs+0x8: error: struct klp_func_ext[0].new_func (offset 8) of object 'cdrom' has no relocation"]),
        ("klp-struct-relocation-issue15.ko", [".data+0x0: error: struct klp_patch.mod (offset 0)", ".data+0x8: error: struct klp_patch.objs (offset 8)"]),
    ])
    func structPointerFindings(file: String, expected: [String]) throws {
        let report = try FixtureWorld.check([CheckFixtures.path(file)])
        let findings = report.findings.filter { $0.id == "klp-struct-relocation" }
        #expect(findings.count == expected.count, "\(report.renderText())")
        for (finding, text) in zip(findings, expected) {
            #expect(finding.rendered.contains(text), "\(finding.rendered)")
            #expect(finding.rendered.contains("KCFLAGS=-fdata-sections"))
        }
    }

    @Test("the two klp-build parts pass together")
    func klpBuildPartsPassTogether() throws {
        let report = try FixtureWorld.check([CheckFixtures.base("lp_klpbuild"), CheckFixtures.base("lp_klpbuild__cdrom")])
        #expect(report.errorCount == 0, "\(report.renderText())")
    }

    @Test("a part that needs another part mirroring its module's dependency passes (sr_mod needs cdrom)")
    func mirroredDependencyPasses() throws {
        let parts = ["lp_split", "lp_split__cdrom", "lp_split__sr_mod"].map(CheckFixtures.base)
        let modules = try parts.map { try CheckedModule.read(path: $0) }
        let edges = SetRules.dependencyEdges(modules).map { "\(modules[$0.from].name) -> \(modules[$0.to].name)" }
        #expect(edges == ["lp_split__sr_mod -> lp_split__cdrom"])
        let report = try FixtureWorld.check(parts)
        #expect(report.errorCount == 0, "\(report.renderText())")
    }

    @Test("without the other part, its object comes from its name <patch>__<object>")
    func partObjectFromName() throws {
        let broken = try FixtureWorld.check([CheckFixtures.path("inter-part-dependency.ko")])
        #expect(broken.findings.filter { $0.severity == .error }.map(\.id) == ["inter-part-dependency"], "\(broken.renderText())")
        let mirrored = try FixtureWorld.check([CheckFixtures.base("lp_split__sr_mod")])
        #expect(mirrored.errorCount == 0, "\(mirrored.renderText())")
        #expect(mirrored.findings.contains { $0.id == "unknown-export" && $0.message.contains("'lp_split__cdrom'") })
    }

    @Test("the combined fixtures fail with implicit-dependency", arguments: ["lp_cdrom", "lp_klpbuild", "lp_multi"])
    func combinedFixturesFail(fixture: String) throws {
        let report = try FixtureWorld.check([Repository.path("Fixtures/modules/\(fixture).ko")])
        #expect(report.findings.contains { $0.id == "implicit-dependency" && $0.location == "cdrom_check_events" || $0.id == "implicit-dependency" && fixture == "lp_multi" },
                "\(report.renderText())")
        #expect(!report.passes(strict: false))
    }

    @Test("the plain extern to cdrom_check_events is named in lp_cdrom.ko's finding")
    func plainExternIsNamed() throws {
        let report = try FixtureWorld.check([Repository.path("Fixtures/modules/lp_cdrom.ko")])
        let finding = try #require(report.findings.first { $0.id == "implicit-dependency" && $0.location == "cdrom_check_events" })
        #expect(finding.message.contains("klp-split build"))
        #expect(finding.message.contains("klp-split convert"))
        #expect(finding.rendered.hasPrefix("lp_cdrom.ko: cdrom_check_events: error: "))
    }

    @Test("on a 6.3 target the reload hazard goes away")
    func noHazardOn63() throws {
        var image = try ELFImage(reading: try ELFFile(path: CheckFixtures.base("lp_cdrom__cdrom")))
        try image.editModinfo { entries in
            entries = entries.map { $0.hasPrefix("vermagic=") ? "vermagic=6.3.0 SMP preempt mod_unload modversions " : $0 }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klp-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ELFWriter.write(image, to: "\(directory)/lp_cdrom__cdrom.ko")
        let report = try FixtureWorld.check(["\(directory)/lp_cdrom__cdrom.ko"])
        #expect(report.findings.isEmpty, "\(report.renderText())")
    }

    @Test("without a vmlinux symbol order the vmlinux klp symbols are not checked, and check says so")
    func noSymbolOrder() throws {
        let report = try FixtureWorld.check([CheckFixtures.path("klp-symbol-ambiguous.ko")], kallsyms: false)
        #expect(report.errorCount == 0, "\(report.renderText())")
        #expect(report.findings.map(\.id) == ["no-symbol-order"], "\(report.renderText())")
    }

    @Test("the committed fixtures are what the generator writes")
    func fixturesAreUpToDate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klp-check-fixtures-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try CheckFixtures.generate(into: directory)
        for fixture in CheckFixtures.all + CheckFixtures.refused {
            #expect(FileManager.default.contents(atPath: "\(directory)/\(fixture.file)")
                    == FileManager.default.contents(atPath: CheckFixtures.path(fixture.file)),
                    "\(fixture.file) differs from what the generator writes; run Fixtures/check/make.sh")
        }
    }
}

/// `RECORD_CHECK_FIXTURES=1 swift test --filter CheckFixtureGeneration` rewrites `Fixtures/check/*.ko`.
@Suite("check fixture generation")
struct CheckFixtureGeneration {
    @Test("record the fixtures", .enabled(if: ProcessInfo.processInfo.environment["RECORD_CHECK_FIXTURES"] == "1"))
    func record() throws {
        try CheckFixtures.generate(into: CheckFixtures.directory)
    }
}
