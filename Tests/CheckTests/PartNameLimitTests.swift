import ELF
import Foundation
import Testing
import TestSupport

/// A module name that is valid alone can still give a part name `<patch>__<module>` longer than
/// `MODULE_NAME_LEN - 1`: plan reports `part-name` (exit 2, the plan is printed) and build writes
/// nothing. (The editing helpers live in this target.)
@Suite("part names stay within MODULE_NAME_LEN")
struct PartNameLimitTests {
    @Test("a 50-character livepatch name gives a 57-character part name: plan exits 2 with part-name, build writes nothing")
    func longPartName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klp-part-name-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = String(repeating: "l", count: 50)
        var image = try ELFImage(reading: try ELFFile(path: Repository.fixture("lp_cdrom")))
        try image.rename(module: name)
        let path = "\(directory)/lp.ko"
        try ELFWriter.write(image, to: path)
        let plan = try runProcess(Repository.executable, ["plan", path, "-b", Repository.world])
        #expect(plan.status == 2, "\(plan.stderr)")
        #expect(plan.stdout.contains("part name '\(name)__cdrom' is 57 bytes, longer than the kernel's 55"), "\(plan.stdout)")
        let build = try runProcess(Repository.executable, ["build", path, "-b", Repository.world, "-o", "\(directory)/out"])
        #expect(build.status == 2)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/out"))
    }
}
