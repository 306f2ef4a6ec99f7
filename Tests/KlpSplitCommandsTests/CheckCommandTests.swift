import Foundation
import Testing
import TestSupport

/// `klp-split check` as a release gate: exit status, text and JSON output, and every module
/// `klp-split build` writes passing it.
@Suite("klp-split check gates releases")
struct CheckCommandTests {
    static let fixtures = Repository.path("Fixtures/check")

    func check(_ arguments: [String], world: Bool = true) throws -> ProcessResult {
        try runProcess(Repository.executable, ["check"] + arguments + (world ? ["-b", Repository.world] : []))
    }

    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-check-\(UUID().uuidString)").path
    }

    @Test("every module build writes for the clean fixtures passes check, alone and as a set",
          arguments: [("lp_cdrom", []), ("lp_klpbuild", []), ("lp_vmlinux", []), ("lp_split", ["--sympos", "ucode_path=2"])])
    func builtPartsPass(fixture: String, options: [String]) throws {
        let output = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let build = try runProcess(Repository.executable, ["build", Repository.fixture(fixture), "-b", Repository.world, "-o", output] + options)
        #expect(build.status == 0, "\(build.stderr)")
        let parts = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasSuffix(".ko") }.sorted()
        #expect(!parts.isEmpty)
        for part in parts {
            let result = try check(["\(output)/\(part)"])
            #expect(result.status == 0, "\(part): \(result.stdout)")
            #expect(!result.stdout.contains(": error: "), "\(result.stdout)")
        }
        let together = try check(parts.map { "\(output)/\($0)" })
        #expect(together.status == 0, "\(together.stdout)")
        #expect(together.stdout.hasSuffix("in \(parts.count) module(s)\n"))
    }

    @Test("the combined fixture lp_cdrom fails with implicit-dependency on cdrom_check_events")
    func combinedFixtureFails() throws {
        let result = try check([Repository.fixture("lp_cdrom")])
        #expect(result.status == 2)
        #expect(result.stdout.contains("lp_cdrom.ko: cdrom_check_events: error: undefined symbol 'cdrom_check_events' is exported by module 'cdrom'"))
        #expect(result.stdout.contains("klp-split build"))
    }

    @Test("a plain kbuild livepatch (the harness's livepatch_cmdline) passes")
    func kbuildModulePasses() throws {
        let result = try check(["\(Self.fixtures)/kbuild/livepatch_cmdline.ko", "--strict"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout == "target 6.1.0-56-amd64 (lib/modules), no module read\nlivepatch_cmdline.ko: signature: unsigned\n0 error(s), 0 warning(s) in 1 module(s)\n")
    }

    @Test("a livepatch built now with kbuild passes",
          .enabled(if: FileManager.default.fileExists(atPath: "/usr/src/linux-headers-6.1.0-56-amd64/Makefile") && which("make") != nil))
    func freshKbuildModulePasses() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in ["Makefile", "livepatch_cmdline.c"] {
            try FileManager.default.copyItem(atPath: Repository.path("harness/modules/livepatch_cmdline/\(file)"), toPath: "\(directory)/\(file)")
        }
        let make = try runProcess(try #require(which("make")), ["-C", "/usr/src/linux-headers-6.1.0-56-amd64", "M=\(directory)", "modules"])
        try #require(make.status == 0, "\(make.stderr)")
        let result = try check(["\(directory)/livepatch_cmdline.ko", "--strict"])
        #expect(result.status == 0, "\(result.stdout)")
    }

    @Test("errors exit 2 and end with the summary line")
    func errorsExit2() throws {
        let result = try check(["\(Self.fixtures)/klp-symbol-position.ko"])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "target 6.1.0-56-amd64 (lib/modules), modules .ko")
        #expect(lines.dropFirst().first == "klp-symbol-position.ko: signature: unsigned")
        #expect(lines.dropFirst(2).first?.hasPrefix("klp-symbol-position.ko: .klp.sym.cdrom.cdrom_mutex,2: error: symbol position 2 for symbol 'cdrom_mutex' in object 'cdrom' not found") == true)
        #expect(lines.last == "1 error(s), 1 warning(s) in 1 module(s)")
    }

    @Test("warnings alone exit 0, and 2 with --strict")
    func warningsAndStrict() throws {
        let fixture = "\(Self.fixtures)/module-reload-hazard.ko"
        let plain = try check([fixture])
        #expect(plain.status == 0, "\(plain.stdout)")
        #expect(plain.stdout.contains(": warning: "))
        #expect(plain.stdout.contains("Skipping invalid relocation target, existing value is nonzero"))
        #expect(try check([fixture, "--strict"]).status == 2)
    }

    @Test("an unreadable module exits 1 after checking the others")
    func unreadableExits1() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bogus = "\(directory)/notes.ko"
        try "not an ELF file\n".write(toFile: bogus, atomically: true, encoding: .utf8)
        let result = try check([bogus, "\(Self.fixtures)/kbuild/livepatch_cmdline.ko"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("notes.ko: error: not an ELF file"))
        #expect(result.stdout.hasSuffix("0 error(s), 0 warning(s) in 1 module(s)\n"))
    }

    @Test("usage errors exit 64", arguments: [[], ["--format", "xml", "x.ko"]])
    func usage(arguments: [String]) throws {
        let result = try check(arguments, world: false)
        #expect(result.status == 64, "\(result.stderr)")
    }

    @Test("JSON output has schemaVersion 2, sorted keys and no absolute paths")
    func json() throws {
        let result = try check(["\(Self.fixtures)/inter-part-dependency.ko", "\(Self.fixtures)/base/lp_klpbuild__cdrom.ko",
                                "--format", "json"])
        #expect(result.status == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 2)
        #expect(object["passed"] as? Bool == false)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.filter { $0["severity"] as? String == "error" }.map { $0["id"] as? String } == ["inter-part-dependency"])
        let modules = try #require(object["modules"] as? [[String: Any]])
        #expect(modules.map { $0["file"] as? String } == ["inter-part-dependency.ko", "lp_klpbuild__cdrom.ko"])
        #expect(modules.map { $0["name"] as? String } == ["lp_klpbuild", "lp_klpbuild__cdrom"])
        #expect(modules.map { ($0["signature"] as? [String: String]) ?? [:] } == [["state": "unsigned"], ["state": "unsigned"]])
        #expect(!result.stdout.contains(Repository.root.path))
        #expect(!result.stdout.contains("\"/"))
        // sorted keys: the top level in byte order
        let keys = ["findings", "modules", "passed", "schemaVersion", "strict", "summary"]
        let positions = keys.compactMap { result.stdout.range(of: "\n  \"\($0)\"")?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted())
    }

    @Test("the text for the combined lp_multi and the JSON for a broken set match their golden files")
    func goldens() throws {
        let multi = try check([Repository.fixture("lp_multi")])
        #expect(multi.status == 2)
        try Golden.check(multi.stdout, against: "check-lp_multi.txt")
        let set = try check(["\(Self.fixtures)/dependency-cycle.ko", "\(Self.fixtures)/inter-part-dependency.ko",
                             "\(Self.fixtures)/klp-symbol-position.ko", "--format", "json"])
        #expect(set.status == 2)
        try Golden.check(set.stdout, against: "check-set.json")
    }

    /// The fixtures `harness/scenarios-check/check-fixtures` loads into each real kernel, the rule
    /// `check` reports for each, and the kernel message the harness sees for it (part of check's text).
    static let kernelRefusals: [(file: String, rule: String, kernelMessage: String)] = [
        ("module-symbol-in-vmlinux-rela.ko", "module-symbol-in-vmlinux-rela", "symbol '...' not found in symbol table"),
        ("klp-symbol-ambiguous.ko", "klp-symbol-ambiguous", "unresolvable ambiguity for symbol 'driver_override_show'"),
        ("klp-sym-name.ko", "klp-sym-name", "symbol %s has an incorrectly formatted name"),
        ("klp-symbol-position.ko", "klp-symbol-position", "symbol position 2 for symbol 'cdrom_mutex' in object 'cdrom' not found"),
        ("klp-symbol-missing.ko", "klp-symbol-missing", "symbol 'cdrom_mutex_gone' not found in symbol table"),
        ("vmlinux-symbol-in-module-rela.ko", "vmlinux-symbol-in-module-rela", "invalid access to vmlinux symbol 'snprintf' from module-specific livepatch relocation section"),
        ("modinfo-livepatch.ko", "modinfo-livepatch", "module %s is not marked as a livepatch module"),
        ("patched-function.ko", "patched-function", "symbol 'cdrom_sysctl_infx' not found in symbol table"),
        ("implicit-dependency.ko", "implicit-dependency", "exported by module 'cdrom'"),
        ("implicit-dependency-versions.ko", "implicit-dependency", "depmod turns such an entry into a dependency on 'cdrom'"),
        ("implicit-dependency-depends.ko", "implicit-dependency", "depends= names module 'cdrom'"),
    ]

    @Test("the check fixtures the harness loads fail with their rule against their own kernel's world",
          arguments: [("Fixtures/check", "Fixtures/world", "6.1.0-56-amd64"), ("Fixtures/check-6.12", "Fixtures/world-6.12", "6.12.118+deb12-amd64")])
    func harnessFixturesFailOnTheirKernel(set: (fixtures: String, world: String, release: String)) throws {
        for refusal in Self.kernelRefusals {
            let result = try runProcess(Repository.executable, ["check", Repository.path("\(set.fixtures)/\(refusal.file)"),
                                                                "-b", Repository.path(set.world), "--format", "json"])
            #expect(result.status == 2, "\(refusal.file): \(result.stdout)\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let target = try #require(object["target"] as? [String: Any])
            #expect(target["release"] as? String == set.release)
            let findings = try #require(object["findings"] as? [[String: Any]])
            let errors = findings.filter { $0["severity"] as? String == "error" }
            #expect(Set(errors.compactMap { $0["id"] as? String }) == [refusal.rule], "\(set.fixtures)/\(refusal.file): \(result.stdout)")
            #expect(errors.contains { ($0["message"] as? String)?.contains(refusal.kernelMessage) == true }, "\(set.fixtures)/\(refusal.file): \(result.stdout)")
        }
        let clean = try runProcess(Repository.executable, ["check", Repository.path("\(set.fixtures)/base/lp_cdrom__cdrom.ko"), "-b", Repository.path(set.world)])
        #expect(clean.status == 0, "\(clean.stdout)")
    }
}
