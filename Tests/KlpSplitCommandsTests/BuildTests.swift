import ELF
import Foundation
import Planner
import Testing
import TestSupport

/// `klp-split build` on the real fixtures: the modules follow the kernel's livepatch ELF rules,
/// lose every trace of the dependency on the patched module, and are the same bytes every time.
@Suite("klp-split build writes kernel-conformant parts")
struct BuildTests {
    let output: String

    init() throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-build-\(UUID().uuidString)").path
    }

    func build(_ fixture: String, into directory: String? = nil, extra: [String] = []) throws -> ProcessResult {
        try runProcess(Repository.executable,
                       ["build", Repository.fixture(fixture), "-b", Repository.world, "-o", directory ?? output] + extra)
    }

    func readelf(_ path: String) throws -> String {
        try runProcess(which("readelf")!, ["-W", "-S", "-s", "-r", path]).stdout
    }

    @Test("building twice gives byte-identical modules", arguments: ["lp_cdrom", "lp_klpbuild", "lp_vmlinux", "lp_idioms"])
    func deterministic(fixture: String) throws {
        let second = output + "-again"
        defer { try? FileManager.default.removeItem(atPath: output); try? FileManager.default.removeItem(atPath: second) }
        #expect(try build(fixture).status == 0)
        #expect(try build(fixture, into: second).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(files == (try FileManager.default.contentsOfDirectory(atPath: second).sorted()))
        #expect(files.contains("load-order"))
        for file in files {
            #expect(FileManager.default.contents(atPath: "\(output)/\(file)") == FileManager.default.contents(atPath: "\(second)/\(file)"),
                    "\(file) differs between two builds")
        }
    }

    @Test("every part follows the livepatch ELF format", .enabled(if: which("readelf") != nil),
          arguments: ["lp_cdrom", "lp_klpbuild", "lp_vmlinux", "lp_idioms"])
    func elfFormat(fixture: String) throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try build(fixture)
        #expect(result.status == 0, "\(result.stderr)")
        let modules = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasSuffix(".ko") }.sorted()
        #expect(!modules.isEmpty)
        for module in modules {
            let path = "\(output)/\(module)"
            let elf = try ELFFile(path: path)
            let partName = String(module.dropLast(3))
            for section in elf.sections where section.name.hasPrefix(".klp.rela.") {
                #expect(section.type == .rela)
                #expect(section.flags.isSuperset(of: [.alloc, .infoLink, .relaLivepatch]), "\(section.name)")
                #expect(section.link == elf.symbolTableIndex)
                // .klp.rela.<object>.<section>: sh_info names exactly that section
                let patched = section.name.dropFirst(".klp.rela.".count).drop { $0 != "." }.dropFirst()
                #expect(elf.sections[section.info].name == String(patched), "\(section.name)")
                let object = try #require(KlpNames.parseRelocationSection(section.name))
                for relocation in try elf.relocations(in: section) {
                    let symbol = elf.symbols[relocation.symbolIndex]
                    #expect(symbol.sectionIndex == .livepatch, "\(symbol.name) in \(section.name)")
                    let parsed = try #require(KlpNames.parseSymbol(symbol.name))
                    // the v5.8 rule: no vmlinux symbol from a module's klp section, no module symbol in vmlinux's
                    #expect((object == "vmlinux") == (parsed.object == "vmlinux"), "\(symbol.name) in \(section.name)")
                }
            }
            for symbol in elf.symbols where symbol.sectionIndex == .livepatch {
                #expect(KlpNames.parseSymbol(symbol.name) != nil, "\(symbol.name)")
            }
            for section in elf.sections where section.isRelocationSection && !section.flags.contains(.relaLivepatch) {
                for relocation in try elf.relocations(in: section) {
                    #expect(elf.symbols[relocation.symbolIndex].sectionIndex != .livepatch,
                            "ordinary relocation in \(section.name) uses \(elf.symbols[relocation.symbolIndex].name)")
                }
            }
            let locals = elf.symbols.prefix { $0.binding == .local }.count
            #expect(elf.symbols.dropFirst(locals).allSatisfy { $0.binding != .local }, "a local after a global in \(module)")
            let modinfo = String(decoding: try elf.contents(of: try #require(elf.section(named: ".modinfo"))), as: UTF8.self)
            #expect(modinfo.contains("name=\(partName)\0"))
            #expect(modinfo.contains("livepatch=Y\0"))
            let thisModule = try elf.contents(of: try #require(elf.section(named: ".gnu.linkonce.this_module")))
            #expect(String(decoding: thisModule[24..<80].prefix { $0 != 0 }, as: UTF8.self) == partName)
        }
    }

    @Test("the cdrom part keeps no trace of a dependency on cdrom", .enabled(if: which("depmod") != nil))
    func noDependencyOnCdrom() throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        #expect(try build("lp_cdrom").status == 0)
        let part = "\(output)/lp_cdrom__cdrom.ko"
        let elf = try ELFFile(path: part)
        #expect(!elf.symbols.contains { $0.name == "cdrom_check_events" && $0.sectionIndex == .undefined })
        let versions = try elf.contents(of: try #require(elf.section(named: "__versions")))
        #expect(!String(decoding: versions, as: UTF8.self).contains("cdrom_check_events"))
        let modinfo = String(decoding: try elf.contents(of: try #require(elf.section(named: ".modinfo"))), as: UTF8.self)
        #expect(modinfo.contains("depends=\0"))
        // depmod over an install tree holding the real cdrom.ko and the part records no edge between them
        let root = output + "-root"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let release = "6.1.0-56-amd64"
        let extra = "\(root)/lib/modules/\(release)/extra"
        try FileManager.default.createDirectory(atPath: extra, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: part, toPath: "\(extra)/lp_cdrom__cdrom.ko")
        try FileManager.default.copyItem(atPath: Repository.path("Fixtures/world/lib/modules/\(release)/kernel/drivers/cdrom/cdrom.ko"),
                                         toPath: "\(extra)/cdrom.ko")
        let depmod = try runProcess(which("depmod")!, ["-b", root, release])
        #expect(depmod.status == 0, "\(depmod.stderr)")
        let dep = try String(contentsOfFile: "\(root)/lib/modules/\(release)/modules.dep", encoding: .utf8)
        #expect(dep.contains("extra/lp_cdrom__cdrom.ko:\n"), "modules.dep: \(dep)")
    }

    @Test("a plan with errors writes nothing and exits 2")
    func refusesPlanErrors() throws {
        let result = try build("lp_multi")
        #expect(result.status == 2)
        #expect(result.stderr.contains("no modules written"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("an output directory that cannot be created gives one error and no files")
    func unwritableOutput() throws {
        let result = try build("lp_cdrom", into: "/proc/klp-split-out")
        #expect(result.status == 1)
        #expect(result.stderr.contains("/proc/klp-split-out"))
        #expect(result.stdout.isEmpty)
    }

    @Test("the part of the cdrom fixture matches its golden readelf dump", .enabled(if: which("readelf") != nil))
    func goldenDump() throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        #expect(try build("lp_cdrom").status == 0)
        let dump = try readelf("\(output)/lp_cdrom__cdrom.ko")
            .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("File:") }
            .joined(separator: "\n")
        try Golden.check(dump, against: "lp_cdrom__cdrom.readelf")
        try Golden.check(try String(contentsOfFile: "\(output)/lp_cdrom.conf", encoding: .utf8), against: "lp_cdrom.conf")
    }

    @Test("a multi-object livepatch without per-function sections is refused with the fix")
    func refusesMissingFunctionSections() throws {
        let result = try build("lp_nosections")
        #expect(result.status == 2)
        #expect(result.stderr.contains("no-function-sections") || result.stderr.contains("-ffunction-sections -fdata-sections"))
        #expect(!FileManager.default.fileExists(atPath: output))
        let plan = try PlanGoldenTests.plan("lp_nosections")
        #expect(plan.diagnostics.contains { $0.id == "no-function-sections" && $0.location == ".text" })
    }

    @Test("replace = true of a patch of several objects is refused unless --no-replace, which clears it in every part")
    func atomicReplace() throws {
        let directory = output + "-replace"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory); try? FileManager.default.removeItem(atPath: output) }
        // A copy of lp_exports.ko (vmlinux, fat, vfat) with klp_patch.replace (offset 24 of .data.patch) set to true.
        let copy = "\(directory)/lp_exports.ko"
        var bytes = try #require(FileManager.default.contents(atPath: Repository.fixture("lp_exports")))
        let elf = try ELFFile(path: Repository.fixture("lp_exports"))
        let patch = try #require(elf.section(named: ".data.patch"))
        bytes[Int(patch.fileOffset) + 24] = 1
        #expect(FileManager.default.createFile(atPath: copy, contents: bytes))
        let refused = try runProcess(Repository.executable, ["build", copy, "-b", Repository.world, "-o", output])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("replace = true") && refused.stderr.contains("--no-replace"))
        #expect(!FileManager.default.fileExists(atPath: output))
        let built = try runProcess(Repository.executable, ["build", copy, "-b", Repository.world, "-o", output, "--no-replace"])
        #expect(built.status == 0, "\(built.stderr)")
        for name in ["lp_exports", "lp_exports__fat", "lp_exports__vfat"] {
            let part = try ELFFile(path: "\(output)/\(name).ko")
            let partPatch = try #require(part.section(named: ".data.patch"))
            #expect(try part.contents(of: partPatch)[24] == 0)
        }
    }

    /// One object is one part, the whole patch: atomic replace means there what it meant before
    /// (lp_states: replace = true and a klp_state, like the selftests' test_klp_state.c).
    @Test("replace = true of a patch of one object is kept, without --no-replace")
    func replaceOfOnePart() throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try build("lp_states")
        #expect(result.status == 0, "\(result.stderr)")
        let part = try ELFFile(path: "\(output)/lp_states.ko")
        let partPatch = try #require(part.section(named: ".data.patch"))
        #expect(try part.contents(of: partPatch)[24] == 1)
    }

    @Test("the split parts of lp_split depend only on each other, as their modules do", .enabled(if: which("depmod") != nil))
    func splitDependencies() throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try build("lp_split", extra: ["--sympos", "ucode_path=2"])
        #expect(result.status == 0, "\(result.stderr)")
        let root = output + "-root"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let release = "6.1.0-56-amd64"
        let modules = "\(root)/lib/modules/\(release)"
        try FileManager.default.createDirectory(atPath: "\(modules)/extra", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repository.path("Fixtures/world/lib/modules/\(release)/kernel"), toPath: "\(modules)/kernel")
        for part in ["lp_split", "lp_split__cdrom", "lp_split__sr_mod"] {
            try FileManager.default.copyItem(atPath: "\(output)/\(part).ko", toPath: "\(modules)/extra/\(part).ko")
        }
        #expect(try runProcess(which("depmod")!, ["-b", root, release]).status == 0)
        let dep = try String(contentsOfFile: "\(modules)/modules.dep", encoding: .utf8)
        let lines = Dictionary(dep.split(separator: "\n").map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : "")
        }, uniquingKeysWith: { a, _ in a })
        #expect(lines["extra/lp_split.ko"] == "")
        #expect(lines["extra/lp_split__cdrom.ko"] == "")
        #expect(lines["extra/lp_split__sr_mod.ko"] == "extra/lp_split__cdrom.ko")
        let modinfo = try runProcess(which("modinfo")!, ["-F", "depends", "\(output)/lp_split__sr_mod.ko"])
        #expect(modinfo.stdout == "lp_split__cdrom\n")
    }

    @Test("issue 16's layout builds: each export in exactly one part, the vfat part depends on the fat part (D), the fat part on the main part (C), and check passes the set")
    func exportsEachInOnePart() throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try build("lp_exports")
        #expect(result.status == 0, "\(result.stderr)")
        let parts = ["lp_exports", "lp_exports__fat", "lp_exports__vfat"]
        var exporters: [String: [String]] = [:]
        for part in parts {
            let elf = try ELFFile(path: "\(output)/\(part).ko")
            for symbol in elf.symbols where symbol.name.hasPrefix("__ksymtab_") && symbol.type != .section {
                exporters[String(symbol.name.dropFirst("__ksymtab_".count)), default: []].append(part)
            }
        }
        #expect(exporters == ["lp_exports_count": ["lp_exports"], "lp_exports_fat_note": ["lp_exports__fat"],
                              "lp_exports_vfat_len": ["lp_exports__vfat"]])
        #expect(result.stdout.contains("lp_exports__fat.ko: patches fat (1 function(s)), 2 klp relocation(s), depends on lp_exports\n"), "\(result.stdout)")
        #expect(result.stdout.contains("lp_exports__vfat.ko: patches vfat (1 function(s)), 0 klp relocation(s), depends on lp_exports__fat\n"), "\(result.stdout)")
        let check = try runProcess(Repository.executable, ["check"] + parts.map { "\(output)/\($0).ko" } + ["-b", Repository.world])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("0 error(s)"), "\(check.stdout)")
    }

    @Test("eu-elflint finds nothing in the parts beyond the livepatch extensions it does not know",
          .enabled(if: which("eu-elflint") != nil), arguments: ["lp_cdrom", "lp_klpbuild"])
    func elflintClean(fixture: String) throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        #expect(try build(fixture).status == 0)
        for module in try FileManager.default.contentsOfDirectory(atPath: output) where module.hasSuffix(".ko") {
            let lint = try runProcess(which("eu-elflint")!, ["--gnu-ld", "\(output)/\(module)"])
            let unexpected = (lint.stdout + lint.stderr).split(separator: "\n").filter { line in
                !line.contains("unknown object file note type")           // .note.Linux
                    && !line.contains("contains unknown flag(s) 0x100000")  // SHF_RELA_LIVEPATCH
                    && !(line.contains(".klp.sym.") && line.hasSuffix("invalid section index"))  // SHN_LIVEPATCH
            }
            #expect(unexpected.isEmpty, "\(module): \(unexpected.joined(separator: "; "))")
        }
    }

    @Test("a converted export whose CRC differs from the target's Module.symvers is refused")
    func crcMismatch() throws {
        let directory = output + "-crc"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory); try? FileManager.default.removeItem(atPath: output) }
        // A copy of lp_cdrom.ko whose __versions entry for cdrom_check_events has another CRC.
        let copy = "\(directory)/lp_cdrom.ko"
        var bytes = try #require(FileManager.default.contents(atPath: Repository.fixture("lp_cdrom")))
        let elf = try ELFFile(path: Repository.fixture("lp_cdrom"))
        let versions = try #require(elf.section(named: "__versions"))
        let table = try elf.contents(of: versions)
        let entry = try #require(stride(from: 0, to: table.count, by: 64).first { start in
            String(decoding: table[(start + 8)..<(start + 64)].prefix { $0 != 0 }, as: UTF8.self) == "cdrom_check_events"
        })
        bytes[Int(versions.fileOffset) + entry] ^= 0xff
        #expect(FileManager.default.createFile(atPath: copy, contents: bytes))
        let result = try runProcess(Repository.executable, ["build", copy, "-b", Repository.world, "-o", output])
        #expect(result.status == 1)
        #expect(result.stderr.contains("'cdrom_check_events' was built against CRC"))
        #expect(result.stderr.contains("0xf370a173"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
