import ELF
import Foundation
import Planner
import Testing
import TestSupport

/// Issue 15: livepatches built with `-ffunction-sections` only, whose klp structs share `.data` with
/// the rest of the data. `build` and `convert` keep every relocation of the klp structs, or `build`
/// refuses with the fix; `check` passes what they write.
@Suite("inputs without -fdata-sections are split exactly or refused with the fix")
struct DataSectionsTests {
    /// A kernel world and the lab example (lp_nodatasections) built against its headers.
    struct Kernel: Sendable, CustomStringConvertible {
        let release: String
        let fixture: String
        let world: [String]
        var description: String { release }
        var available: Bool { FileManager.default.fileExists(atPath: fixture) && FileManager.default.fileExists(atPath: world[1]) }
    }

    static let kernel612 = "6.12.118+deb12-amd64"
    static let kernels: [Kernel] = [
        Kernel(release: "6.1.0-56-amd64", fixture: Repository.fixture("lp_nodatasections"), world: ["-b", Repository.world]),
        Kernel(release: kernel612, fixture: Repository.path("Fixtures/modules-6.12/lp_nodatasections.ko"),
               world: ["-b", world612, "-k", kernel612, "--kdir", "/usr/src/linux-headers-\(kernel612)"]),
    ]
    /// The 6.12 world: the trimmed one under Fixtures when present, else the harness's unpacked kernel.
    static var world612: String {
        let trimmed = Repository.path("Fixtures/world-6.12")
        return FileManager.default.fileExists(atPath: trimmed) ? trimmed : "/root/.cache/klp-split/kernel/\(kernel612)/image"
    }

    let output = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-datasec-\(UUID().uuidString)").path

    /// Each relocation of a section as `offset type target+addend`, the target a symbol or section name.
    static func relocations(_ path: String, in name: String) throws -> [String] {
        let elf = try ELFFile(path: path)
        let section = try #require(elf.section(named: name), "\(path) has no \(name)")
        return try elf.relocations(in: section).map { entry in
            let symbol = elf.symbols[entry.symbolIndex]
            let target = symbol.type == .section ? elf.sections[Int(symbol.sectionIndex.rawValue)].name : symbol.name
            return "0x\(String(entry.offset, radix: 16)) \(entry.type) \(target)+\(entry.addend)"
        }
    }

    @Test("6.1: the lab example's part keeps all 6 relocations of its klp structs, and check passes it")
    func labExampleSplitsExactly61() throws { try labExampleSplitsExactly(Self.kernels[0]) }

    @Test("6.12: the lab example's part keeps all 6 relocations of its klp structs, and check passes it",
          .enabled(if: kernels[1].available, "needs the 6.12 world and headers"))
    func labExampleSplitsExactly612() throws { try labExampleSplitsExactly(Self.kernels[1]) }

    @Test("6.1: convert keeps all 6 as well")
    func labExampleConvertsExactly61() throws { try labExampleConvertsExactly(Self.kernels[0]) }

    @Test("6.12: convert keeps all 6 as well", .enabled(if: kernels[1].available, "needs the 6.12 world and headers"))
    func labExampleConvertsExactly612() throws { try labExampleConvertsExactly(Self.kernels[1]) }

    func labExampleSplitsExactly(_ kernel: Kernel) throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        let build = try runProcess(Repository.executable, ["build", kernel.fixture, "-o", output] + kernel.world)
        #expect(build.status == 0, "\(build.stderr)")
        let part = "\(output)/lp_nodatasections__cdrom.ko"
        let input = try Self.relocations(kernel.fixture, in: ".rela.data")
        #expect(input.count == 6)
        #expect(try Self.relocations(part, in: ".rela.data") == input)
        let check = try runProcess(Repository.executable, ["check", part] + kernel.world)
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("0 error(s)"))
    }

    func labExampleConvertsExactly(_ kernel: Kernel) throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let converted = "\(output)/lp_nodatasections.ko"
        let convert = try runProcess(Repository.executable, ["convert", kernel.fixture, "-o", converted] + kernel.world)
        #expect(convert.status == 0, "\(convert.stderr)")
        let input = try Self.relocations(kernel.fixture, in: ".rela.data")
        #expect(input.count == 6)
        #expect(try Self.relocations(converted, in: ".rela.data") == input)
    }

    @Test("two objects whose data share .data and .bss: build refuses both sections with the fix and writes nothing")
    func multiObjectIsRefused() throws {
        let result = try runProcess(Repository.executable, ["build", Repository.fixture("lp_nodatasections_multi"), "-b", Repository.world, "-o", output])
        #expect(result.status == 2)
        #expect(result.stderr.contains("lp_nodatasections_multi.ko: .data: error: the klp structs share this section with 'lp_generation'"), "\(result.stderr)")
        #expect(result.stderr.contains("lp_nodatasections_multi.ko: .bss: error: 'cmdline_reads', 'info_reads' share this section"), "\(result.stderr)")
        #expect(result.stderr.contains("KCFLAGS=-fdata-sections"))
        #expect(!FileManager.default.fileExists(atPath: output))
        let plan = try PlanGoldenTests.plan("lp_nodatasections_multi")
        #expect(plan.diagnostics.filter { $0.id == "no-data-sections" }.map { $0.location ?? "" } == [".data", ".bss"])
        // not the misleading shared-state advice: the counters are not shared, only their section is
        #expect(!plan.diagnostics.contains { $0.id == "shared-state" })
    }

    @Test("6.12: the same module built against 6.12 is refused the same way", .enabled(if: kernels[1].available, "needs the 6.12 world and headers"))
    func multiObjectIsRefused612() throws {
        let fixture = Repository.path("Fixtures/modules-6.12/lp_nodatasections_multi.ko")
        let result = try runProcess(Repository.executable, ["build", fixture, "-o", output] + Self.kernels[1].world)
        #expect(result.status == 2)
        #expect(result.stderr.contains(".data: error: the klp structs share this section with 'lp_generation'"), "\(result.stderr)")
        #expect(result.stderr.contains(".bss: error: 'cmdline_reads', 'info_reads' share this section"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("convert keeps that module whole with all 9 relocations of .data, and check passes it")
    func multiObjectConverts() throws {
        defer { try? FileManager.default.removeItem(atPath: output) }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let input = Repository.fixture("lp_nodatasections_multi")
        let converted = "\(output)/lp_nodatasections_multi.ko"
        let convert = try runProcess(Repository.executable, ["convert", input, "-b", Repository.world, "-o", converted])
        #expect(convert.status == 0, "\(convert.stderr)")
        let relocations = try Self.relocations(input, in: ".rela.data")
        #expect(relocations.count == 9)
        #expect(try Self.relocations(converted, in: ".rela.data") == relocations)
        let check = try runProcess(Repository.executable, ["check", converted, "-b", Repository.world])
        #expect(check.status == 0, "\(check.stdout)")
    }
}
