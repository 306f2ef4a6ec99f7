import ELF
import Foundation
import Livepatch
import Testing
import TestSupport

/// Issue 15, "Later formats": klp-build's 6.19 section names, extended modversions and
/// `EXPORT_SYMBOL_FOR_MODULES` through plan, build, convert and check, on inputs made at test
/// time in the kernel's own formats (`LaterFormatFixtures`).
@Suite("later kernel formats go through plan, build, convert and check")
struct LaterFormatsTests {
    let fixtures: LaterFormatFixtures

    init() throws { fixtures = try LaterFormatFixtures() }

    func run(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(Repository.executable, arguments)
    }

    /// The `.ko` files in `directory`, sorted.
    func modules(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ko") }.sorted().map { "\(directory)/\($0)" }
    }

    func versions(of path: String) throws -> (basic: [ModuleVersion]?, extended: [ModuleVersion]?) {
        let elf = try ELFFile(path: path)
        let basic = try elf.section(named: "__versions").flatMap { ModuleVersion.parse(try elf.contents(of: $0)) }
        let extended = try ExtendedVersions.read(elf).map { try $0.get() }
        return (basic, extended)
    }

    /// A JSON plan with its `relocations` rows sorted by section.
    static func normalized(_ json: String) throws -> NSDictionary {
        var plan = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let rows = try #require(plan["relocations"] as? [[String: Any]])
        plan["relocations"] = rows.sorted { ($0["section"] as? String ?? "") < ($1["section"] as? String ?? "") }
        return plan as NSDictionary
    }

    // MARK: klp-build as released in 6.19

    @Test("6.19's __klp_objects/__klp_funcs plan exactly like .init.klp_objects/.init.klp_funcs")
    func klpBuild619Plans() throws {
        let renamed = try fixtures.klpBuild619()
        let before = try run(["plan", Repository.fixture("lp_klpbuild"), "-b", Repository.world, "--format", "json"])
        let after = try run(["plan", renamed, "-b", Repository.world, "--format", "json"])
        #expect(before.status == 0 && after.status == 0, "\(after.stderr)")
        var expected = before.stdout
        for (old, new) in LaterFormatFixtures.klpBuildRenames.reversed() { expected = expected.replacingOccurrences(of: old, with: new) }
        // the same plan but for the order of the relocation accounting, which is sorted by section name
        #expect(try Self.normalized(after.stdout) == Self.normalized(expected))
        #expect(after.stdout.contains("\"metadata\" : \"__klp_objects\""))
        let module = try LivepatchReader.read(path: renamed)
        #expect(module.patch.metadataName == "__klp_objects")
        #expect(module.patch.objects.map { $0.name ?? "vmlinux" } == ["vmlinux", "cdrom"])
    }

    @Test("6.19's section names build into parts that keep those names and pass check")
    func klpBuild619Builds() throws {
        let renamed = try fixtures.klpBuild619()
        let output = "\(fixtures.path)/klpbuild-6.19-out"
        let build = try run(["build", renamed, "-b", Repository.world, "-o", output])
        #expect(build.status == 0, "\(build.stderr)")
        let parts = try modules(in: output)
        #expect(parts.map { URL(fileURLWithPath: $0).lastPathComponent } == ["lp_klpbuild.ko", "lp_klpbuild__cdrom.ko"])
        for part in parts {
            let elf = try ELFFile(path: part)
            #expect(elf.section(named: "__klp_objects")?.size == 64, "\(part): one struct klp_object_ext")
            #expect(elf.section(named: "__klp_funcs") != nil)
            #expect(elf.section(named: ".init.klp_objects") == nil)
            #expect(try LivepatchReader.read(path: part).patch.metadataName == "__klp_objects")
        }
        let check = try run(["check"] + parts + ["-b", Repository.world])
        #expect(check.status == 0, "\(check.stdout)")
        let converted = "\(fixtures.path)/klpbuild-6.19-convert.ko"
        let convert = try run(["convert", renamed, "-b", Repository.world, "-o", converted])
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(try LivepatchReader.read(path: converted).patch.objects.count == 2)
        let checkConverted = try run(["check", converted, "-b", Repository.world])
        #expect(checkConverted.status == 0, "\(checkConverted.stdout)")
    }

    // MARK: extended modversions (6.14 and later)

    @Test("the livepatch reader reads the extended tables beside __versions")
    func extendedVersionsAreRead() throws {
        let input = try fixtures.extendedVersions(into: "ext")
        let module = try LivepatchReader.read(path: input)
        #expect(module.extendedVersions == module.versions)
        #expect(module.extendedVersions?.contains { $0.symbol == "cdrom_check_events" } == true)
    }

    @Test("build drops the converted symbols from both formats and keeps the rest index-aligned",
          arguments: [true, false])
    func extendedVersionsAreRewritten(basic: Bool) throws {
        let input = try fixtures.extendedVersions(into: "ext-\(basic)", basic: basic)
        let output = "\(fixtures.path)/ext-\(basic)-out"
        let build = try run(["build", input, "-b", Repository.world, "-o", output])
        #expect(build.status == 0, "\(build.stderr)")
        let part = "\(output)/lp_cdrom__cdrom.ko"
        let (basicTable, extended) = try versions(of: part)
        let entries = try #require(extended)
        #expect(!entries.contains { $0.symbol == "cdrom_check_events" }, "the B reference is a klp relocation now")
        #expect(entries.contains { $0.symbol == "module_layout" } && entries.contains { $0.symbol == "snprintf" })
        if basic { #expect(basicTable == entries) } else { #expect(basicTable == nil) }
        let elf = try ELFFile(path: part)
        let undefined = Set(elf.symbols.filter { $0.sectionIndex == .undefined && !$0.name.isEmpty }.map(\.name))
        #expect(Set(entries.map(\.symbol)).subtracting(["module_layout"]).isSubset(of: undefined),
                "every entry left is a symbol the part still imports")
        let check = try run(["check", part, "-b", Repository.world])
        #expect(check.status == 0, "\(check.stdout)")
        let converted = "\(fixtures.path)/ext-\(basic)-convert.ko"
        let convert = try run(["convert", input, "-b", Repository.world, "-o", converted])
        #expect(convert.status == 0, "\(convert.stderr)")
        let whole = try #require(try versions(of: converted).extended)
        #expect(!whole.contains { $0.symbol == "cdrom_check_events" })
        if basic { #expect(try versions(of: converted).basic == whole) }
    }

    @Test("check names the extended table an unmatched entry comes from")
    func checkNamesExtendedTable() throws {
        let check = try run(["check", Repository.path("Fixtures/check/implicit-dependency-ext-versions.ko"), "-b", Repository.world])
        #expect(check.status == 2)
        #expect(check.stdout.contains("implicit-dependency-ext-versions.ko: __version_ext_names: error: __version_ext_names has an entry for 'cdrom_check_events'"), "\(check.stdout)")
    }

    @Test("with extended modversions, their CRC is the one compared with the target's Module.symvers")
    func extendedCRCIsChecked() throws {
        let input = try fixtures.extendedVersions(into: "ext-crc") { entries in
            entries = entries.map { $0.symbol == "cdrom_check_events" ? ModuleVersion(crc: 0x1234_5678, symbol: $0.symbol) : $0 }
        }
        let build = try run(["build", input, "-b", Repository.world, "-o", "\(fixtures.path)/ext-crc-out"])
        #expect(build.status == 1)
        #expect(build.stderr.contains("lp_cdrom.ko: __version_ext_crcs: error: 'cdrom_check_events' was built against CRC 0x12345678"), "\(build.stderr)")
    }

    @Test("a CRC table without its names table is refused as the kernel refuses it")
    func halfAnExtendedTable() throws {
        let input = try fixtures.edited("lp_cdrom", into: "ext-half") { image in
            image.sections.append(ImageSection(name: ExtendedVersions.crcSection, type: .programBits, flags: [.alloc],
                                               alignment: 4, contents: .bytes([1, 2, 3, 4])))
        }
        let plan = try run(["plan", input, "-b", Repository.world])
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("__version_ext_names: error: missing while __version_ext_crcs is present"), "\(plan.stderr)")
    }

    // MARK: EXPORT_SYMBOL_FOR_MODULES (6.16 and later)

    @Test("a vmlinux export restricted to other modules becomes a klp relocation, and check agrees")
    func restrictedExportBecomesKlpRelocation() throws {
        let world = try fixtures.restrictedWorld("world-restricted", namespaces: ["proc_dostring": "module:cdrom,sr-*"])
        let input = Repository.fixture("lp_cdrom")
        let plan = try run(["plan", input, "-b", world])
        #expect(plan.status == 0, "\(plan.stderr)")
        // the plan lists its diagnostics after the tree, on stdout
        #expect(plan.stdout.contains("lp_cdrom.ko: .text.livepatch_cdrom_sysctl_info+0xee: note: 'proc_dostring' is exported only for modules 'cdrom,sr-*' (EXPORT_SYMBOL_FOR_MODULES), which do not include 'lp_cdrom__cdrom'"), "\(plan.stdout)")
        #expect(plan.stdout.contains("proc_dostring [vmlinux] -> .klp.sym.vmlinux.proc_dostring,0 in .klp.rela.vmlinux..text.livepatch_cdrom_sysctl_info"))
        // the combined module, loaded as it is, would be refused
        let before = try run(["check", input, "-b", world])
        #expect(before.status == 2)
        #expect(before.stdout.contains("lp_cdrom.ko: proc_dostring: error: undefined symbol 'proc_dostring' is exported only for modules 'cdrom,sr-*'"), "\(before.stdout)")
        let output = "\(fixtures.path)/restricted-out"
        let build = try run(["build", input, "-b", world, "-o", output])
        #expect(build.status == 0, "\(build.stderr)")
        let part = try ELFFile(path: "\(output)/lp_cdrom__cdrom.ko")
        #expect(part.symbols.contains { $0.name == ".klp.sym.vmlinux.proc_dostring,0" && $0.sectionIndex == .livepatch })
        #expect(!part.symbols.contains { $0.name == "proc_dostring" })
        #expect(part.sections.contains { $0.name.hasPrefix(".klp.rela.vmlinux.") })
        let after = try run(["check"] + (try modules(in: output)) + ["-b", world])
        #expect(after.status == 0, "\(after.stdout)")
        let convert = try run(["convert", input, "-b", world, "-o", "\(fixtures.path)/restricted-convert.ko"])
        #expect(convert.status == 0, "\(convert.stderr)")
        let converted = try ELFFile(path: "\(fixtures.path)/restricted-convert.ko")
        #expect(converted.symbols.contains { $0.name == ".klp.sym.vmlinux.proc_dostring,0" })
    }

    @Test("the CRC of a restricted export made a klp relocation is compared with Module.symvers, as for B")
    func restrictedExportCRC() throws {
        let world = try fixtures.restrictedWorld("world-restricted-crc", namespaces: ["proc_dostring": "module:cdrom"],
                                                 crcs: ["proc_dostring": "0x12345678"])
        let build = try run(["build", Repository.fixture("lp_cdrom"), "-b", world, "-o", "\(fixtures.path)/restricted-crc-out"])
        #expect(build.status == 1)
        #expect(build.stderr.contains("lp_cdrom.ko: __versions: error: 'proc_dostring' was built against CRC 0x319d493d but the target's Module.symvers has 0x12345678"), "\(build.stderr)")
    }

    @Test("an export whose list matches the part's name (tail glob, '-' = '_') stays a normal relocation, without import_ns")
    func matchingRestrictionStaysNormal() throws {
        let world = try fixtures.restrictedWorld("world-allowed", namespaces: ["proc_dostring": "module:lp-cdrom__*"])
        let output = "\(fixtures.path)/allowed-out"
        let build = try run(["build", Repository.fixture("lp_cdrom"), "-b", world, "-o", output])
        #expect(build.status == 0, "\(build.stderr)")
        #expect(!build.stderr.contains("restricted-export"))
        let part = "\(output)/lp_cdrom__cdrom.ko"
        let elf = try ELFFile(path: part)
        #expect(elf.symbols.contains { $0.name == "proc_dostring" && $0.sectionIndex == .undefined })
        let modinfo = try LivepatchReader.read(path: part).modinfo
        #expect(!modinfo.entries.contains { $0.key == "import_ns" })
        let check = try run(["check", part, "-b", world])
        #expect(check.status == 0, "\(check.stdout)")
    }
}
