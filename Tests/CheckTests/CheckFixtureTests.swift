import Check
import ELF
import Foundation
import Testing
import TestSupport

/// One fixture of one kernel's set.
struct CheckFixtureCase: Sendable, CustomStringConvertible {
    let set: CheckFixtureSet
    let fixture: CheckFixtures.Fixture
    var description: String { "\(set.relativeDirectory)/\(fixture.file)" }

    static let all = CheckFixtureSet.all.flatMap { set in set.fixtures.map { CheckFixtureCase(set: set, fixture: $0) } }
    static let refused = CheckFixtureSet.all.flatMap { set in CheckFixtures.refused.map { CheckFixtureCase(set: set, fixture: $0) } }
}

/// Every committed fixture under `Fixtures/check/` (6.1) and `Fixtures/check-6.12/` breaks exactly
/// the rule it is named after, checked against its kernel's world.
@Suite("check reports exactly the rule each fixture breaks")
struct CheckFixtureTests {
    @Test("the fixture breaks its rule and no other error", arguments: CheckFixtureCase.all)
    func fixtureBreaksItsRule(testCase: CheckFixtureCase) throws {
        let (set, fixture) = (testCase.set, testCase.fixture)
        let paths = [set.path(fixture.file)] + fixture.partners.map(set.path)
        let report = try FixtureWorld.check(paths, in: set)
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

    @Test("a module whose name kbuild would never produce is refused when it is read, with one line", arguments: CheckFixtureCase.refused)
    func fixtureIsRefused(testCase: CheckFixtureCase) throws {
        let fixture = testCase.fixture
        let error = #expect(throws: CheckError.self) { try CheckedModule.read(path: testCase.set.path(fixture.file)) }
        #expect(error?.kind == .unreadable)
        #expect(error?.message.hasPrefix("\(fixture.file): \(fixture.rule)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("\n") == false)
    }

    @Test("every rule has a fixture in each set, except the ones only the world can break and the ones the kernel cannot have",
          arguments: CheckFixtureSet.all)
    func everyRuleHasAFixture(set: CheckFixtureSet) {
        let covered = Set(set.fixtures.map(\.rule))
        let worldOnly: Set<String> = ["no-symbol-order", "unreadable-patch"]
        let omitted = Set(CheckFixtures.all.filter { set.omitted[$0.file] != nil }.map(\.rule))
        // Two real builds (lp_split for 6.1 and for 6.12) are their fixtures: BuildProvenanceTests.
        let twoBuilds: Set<String> = ["mixed-build", "target-build"]
        // The coupling rules judge a set of parts: their fixtures are the parts klp-split builds from
        // lp_coupling and lp_shadow (CouplingCheckTests), their logic CouplingRuleTests.
        let coupling = Set(Rule.coupling.map(\.id))
        // Signatures are appended after the ELF data, which ELFImage does not write: SigningTests
        // (KlpSplitCommandsTests) signs and breaks its own modules.
        let signatures: Set<String> = ["malformed-signature", "signature-required"]
        for rule in Rule.all where !worldOnly.contains(rule.id) && !omitted.contains(rule.id) && !twoBuilds.contains(rule.id)
            && !coupling.contains(rule.id) && !signatures.contains(rule.id)
            // The ppc64le rules cannot be broken by an x86-64 module: Fixtures/ppc64le/check (PPC64PlanTests).
            && !rule.id.hasPrefix("ppc64-") {
            #expect(covered.contains(rule.id), "no fixture for \(rule.id) in \(set.relativeDirectory)")
        }
    }

    @Test("the clean base parts have no errors", arguments: CheckFixtureSet.all,
          ["lp_cdrom__cdrom", "lp_klpbuild", "lp_klpbuild__cdrom", "lp_vmlinux", "lp_split", "lp_split__cdrom", "lp_split__sr_mod", "lp_nodatasections__cdrom"])
    func basePartsAreClean(set: CheckFixtureSet, part: String) throws {
        let report = try FixtureWorld.check([set.base(part)], in: set)
        #expect(report.errorCount == 0, "\(report.renderText())")
    }

    @Test("the base parts were built for the set's kernel", arguments: CheckFixtureSet.all)
    func basePartsHaveTheKernelsVermagic(set: CheckFixtureSet) throws {
        for part in ["lp_cdrom__cdrom", "lp_vmlinux", "lp_klpbuild__cdrom", "lp_split__sr_mod", "lp_nodatasections__cdrom"] {
            let module = try CheckedModule.read(path: set.base(part))
            #expect(module.modinfo.value("vermagic")?.hasPrefix("\(set.release) ") == true, "\(part): \(String(describing: module.modinfo.value("vermagic")))")
        }
    }

    @Test("the module-reload-hazard warning: every cdrom part on 6.1, none on 6.12 (clear_relocate_add)", arguments: CheckFixtureSet.all)
    func reloadHazardFollowsTheKernel(set: CheckFixtureSet) throws {
        let report = try FixtureWorld.check([set.base("lp_cdrom__cdrom")], in: set)
        let warned = report.findings.contains { $0.id == "module-reload-hazard" }
        #expect(warned == (set.series == "6.1"), "\(report.renderText())")
        #expect(report.findings.allSatisfy { $0.id == "module-reload-hazard" }, "\(report.renderText())")
    }

    @Test("driver_override_show, the klp-symbol-ambiguous fixture's symbol, is in kallsyms 3 times on 6.1 and twice on 6.12", arguments: CheckFixtureSet.all)
    func ambiguousSymbolIsAmbiguous(set: CheckFixtureSet) throws {
        let kallsyms = try String(contentsOfFile: "\(set.world)/proc/kallsyms", encoding: .utf8)
        let count = kallsyms.split(separator: "\n").filter { $0.hasSuffix(" driver_override_show") }.count
        #expect(count == (set.series == "6.1" ? 3 : 2))
    }

    @Test("each lost klp struct pointer is one finding naming the struct, the member, its offset and the fix", arguments: CheckFixtureSet.all, [
        ("klp-struct-relocation-patch-mod.ko", [".data.patch+0x0: error: struct klp_patch.mod (offset 0) has no relocation"]),
        ("klp-struct-relocation-patch-objs.ko", [".data.patch+0x8: error: struct klp_patch.objs (offset 8) has no relocation"]),
        ("klp-struct-relocation-object-name.ko", [".data.objs+0x0: error: struct klp_object[0].name (offset 0) has no relocation, so the kernel reads NULL there; it must point to the string \"cdrom\""]),
        ("klp-struct-relocation-object-funcs.ko", [".data.objs+0x8: error: struct klp_object[0].funcs (offset 8) has no relocation"]),
        ("klp-struct-relocation-func-old-name.ko", [".data.funcs+0x0: error: struct klp_func[0].old_name (offset 0) of object 'cdrom' has no relocation"]),
        ("klp-struct-relocation-func-new-func.ko", [".data.funcs+0x8: error: struct klp_func[0].new_func (offset 8) of object 'cdrom' has no relocation"]),
        ("klp-struct-relocation-klpbuild-new-func.ko", [".init.klp_funcs+0x8: error: struct klp_func_ext[0].new_func (offset 8) of object 'cdrom' has no relocation"]),
        ("klp-struct-relocation-issue15.ko", [".data+0x0: error: struct klp_patch.mod (offset 0)", ".data+0x8: error: struct klp_patch.objs (offset 8)"]),
    ])
    func structPointerFindings(set: CheckFixtureSet, expected: (String, [String])) throws {
        let (file, expected) = expected
        let report = try FixtureWorld.check([set.path(file)], in: set)
        let findings = report.findings.filter { $0.id == "klp-struct-relocation" }
        #expect(findings.count == expected.count, "\(report.renderText())")
        for (finding, text) in zip(findings, expected) {
            #expect(finding.rendered.contains(text), "\(finding.rendered)")
            #expect(finding.rendered.contains("KCFLAGS=-fdata-sections"))
        }
    }

    @Test("the two klp-build parts pass together", arguments: CheckFixtureSet.all)
    func klpBuildPartsPassTogether(set: CheckFixtureSet) throws {
        let report = try FixtureWorld.check([set.base("lp_klpbuild"), set.base("lp_klpbuild__cdrom")], in: set)
        #expect(report.errorCount == 0, "\(report.renderText())")
    }

    @Test("a part that needs another part mirroring its module's dependency passes (sr_mod needs cdrom)", arguments: CheckFixtureSet.all)
    func mirroredDependencyPasses(set: CheckFixtureSet) throws {
        let parts = ["lp_split", "lp_split__cdrom", "lp_split__sr_mod"].map(set.base)
        let modules = try parts.map { try CheckedModule.read(path: $0) }
        let edges = SetRules.dependencyEdges(modules).map { "\(modules[$0.from].name) -> \(modules[$0.to].name)" }
        #expect(edges == ["lp_split__sr_mod -> lp_split__cdrom"])
        let report = try FixtureWorld.check(parts, in: set)
        #expect(report.errorCount == 0, "\(report.renderText())")
    }

    @Test("without the other part, its object comes from its name <patch>__<object>", arguments: CheckFixtureSet.all)
    func partObjectFromName(set: CheckFixtureSet) throws {
        let broken = try FixtureWorld.check([set.path("inter-part-dependency.ko")], in: set)
        #expect(broken.findings.filter { $0.severity == .error }.map(\.id) == ["inter-part-dependency"], "\(broken.renderText())")
        let mirrored = try FixtureWorld.check([set.base("lp_split__sr_mod")], in: set)
        #expect(mirrored.errorCount == 0, "\(mirrored.renderText())")
        #expect(mirrored.findings.contains { $0.id == "unknown-export" && $0.message.contains("'lp_split__cdrom'") })
    }

    @Test("the combined fixtures fail with implicit-dependency", arguments: ["lp_cdrom", "lp_klpbuild", "lp_multi"])
    func combinedFixturesFail(fixture: String) throws {
        let report = try FixtureWorld.check([Repository.path("Fixtures/modules/\(fixture).ko")], in: .v6_1)
        #expect(report.findings.contains { $0.id == "implicit-dependency" && $0.location == "cdrom_check_events" || $0.id == "implicit-dependency" && fixture == "lp_multi" },
                "\(report.renderText())")
        #expect(!report.passes(strict: false))
    }

    @Test("the plain extern to cdrom_check_events is named in lp_cdrom.ko's finding")
    func plainExternIsNamed() throws {
        let report = try FixtureWorld.check([Repository.path("Fixtures/modules/lp_cdrom.ko")], in: .v6_1)
        let finding = try #require(report.findings.first { $0.id == "implicit-dependency" && $0.location == "cdrom_check_events" })
        #expect(finding.message.contains("klp-split build"))
        #expect(finding.message.contains("klp-split convert"))
        #expect(finding.rendered.hasPrefix("lp_cdrom.ko: cdrom_check_events: error: "))
    }

    @Test("on a 6.3 target the reload hazard goes away")
    func noHazardOn63() throws {
        var image = try ELFImage(reading: try ELFFile(path: CheckFixtureSet.v6_1.base("lp_cdrom__cdrom")))
        try image.editModinfo { entries in
            entries = entries.map { $0.hasPrefix("vermagic=") ? "vermagic=6.3.0 SMP preempt mod_unload modversions " : $0 }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klp-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ELFWriter.write(image, to: "\(directory)/lp_cdrom__cdrom.ko")
        let report = try FixtureWorld.check(["\(directory)/lp_cdrom__cdrom.ko"], in: .v6_1)
        #expect(report.findings.isEmpty, "\(report.renderText())")
    }

    @Test("without a vmlinux symbol order the vmlinux klp symbols are not checked, and check says so", arguments: CheckFixtureSet.all)
    func noSymbolOrder(set: CheckFixtureSet) throws {
        let report = try FixtureWorld.check([set.path("klp-symbol-ambiguous.ko")], in: set, kallsyms: false)
        #expect(report.errorCount == 0, "\(report.renderText())")
        #expect(report.findings.map(\.id) == ["no-symbol-order"], "\(report.renderText())")
    }

    @Test("the committed fixtures are what the generator writes", arguments: CheckFixtureSet.all)
    func fixturesAreUpToDate(set: CheckFixtureSet) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klp-check-fixtures-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try set.generate(into: directory)
        for fixture in set.generated {
            #expect(FileManager.default.contents(atPath: "\(directory)/\(fixture.file)")
                    == FileManager.default.contents(atPath: set.path(fixture.file)),
                    "\(set.relativeDirectory)/\(fixture.file) differs from what the generator writes; run Fixtures/check/make.sh")
        }
        // nothing else: a fixture dropped from a set must not stay committed
        let committed = try FileManager.default.contentsOfDirectory(atPath: set.directory).filter { $0.hasSuffix(".ko") }.sorted()
        #expect(committed == set.generated.map(\.file).sorted())
    }
}

/// `RECORD_CHECK_FIXTURES=1 swift test --filter CheckFixtureGeneration` rewrites `Fixtures/check/*.ko`
/// and `Fixtures/check-6.12/*.ko`.
@Suite("check fixture generation")
struct CheckFixtureGeneration {
    @Test("record the fixtures", .enabled(if: ProcessInfo.processInfo.environment["RECORD_CHECK_FIXTURES"] == "1"))
    func record() throws {
        for set in CheckFixtureSet.all {
            try set.generate(into: set.directory)
        }
    }
}
