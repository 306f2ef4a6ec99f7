import Foundation
@testable import KlpSplitCommands
import Testing
import TestSupport

/// Files go only where asked: every output lies directly inside `-o OUTDIR` after path
/// normalisation, and a symlink planted in OUTDIR (or as convert's `-o`) is replaced, never
/// written through.
@Suite("outputs stay inside the output directory")
struct OutputContainmentTests {
    @Test("an output name is one plain component, checked after normalisation", arguments: [
        ("out", "lp_cdrom.conf", "out/lp_cdrom.conf"), ("out/", "load-order", "out//load-order"),
        ("./a/../out", "lp__cdrom.ko", "./a/../out/lp__cdrom.ko"), ("/", "x.ko", "//x.ko"), (".", "lp.conf", "./lp.conf"),
    ])
    func plainNameAccepted(directory: String, name: String, expected: String) throws {
        #expect(try OutputDirectory.destination(of: name, in: directory) == expected)
    }

    @Test("a name that is not one plain component is refused", arguments: [
        "", ".", "..", "../lp.conf", "a/b.ko", "/etc/modprobe.d/x.conf", "lp$(id)m.conf", "lp\n.ko", "lp m.ko", "a/../b",
    ])
    func otherNameRefused(name: String) {
        #expect(throws: OutputDirectory.Failure.self) { try OutputDirectory.destination(of: name, in: "out") }
    }

    @Test("paths normalise lexically", arguments: [
        ("out", "out"), ("out/", "out"), ("./out/./", "out"), ("a/../out", "out"), ("a/b/../../..", ".."), ("/../x", "/x"),
        ("/a//b/", "/a/b"), ("", "."), ("..", ".."),
    ])
    func normalises(path: String, expected: String) {
        #expect(OutputDirectory.normalized(path) == expected)
    }

    /// A directory with a victim file and directory outside OUTDIR, and OUTDIR holding symlinks
    /// to them under the names build writes.
    static func plantedDirectory() throws -> (root: String, out: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("klp-planted-\(UUID().uuidString)").path
        let out = "\(root)/out"
        try FileManager.default.createDirectory(atPath: "\(root)/victim-dir", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "victim\n".write(toFile: "\(root)/victim", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: "\(out)/lp_cdrom.conf", withDestinationPath: "../victim")
        try FileManager.default.createSymbolicLink(atPath: "\(out)/lp_cdrom__cdrom.ko", withDestinationPath: "\(root)/victim")
        try FileManager.default.createSymbolicLink(atPath: "\(out)/load-order", withDestinationPath: "../victim-dir")
        return (root, out)
    }

    @Test("build replaces symlinks planted in OUTDIR and does not follow them out of it")
    func plantedSymlinksNotFollowed() throws {
        let (root, out) = try Self.plantedDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try runProcess(Repository.executable, ["build", Repository.fixture("lp_cdrom"), "-b", Repository.world, "-o", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: "\(root)/victim", encoding: .utf8) == "victim\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/victim-dir").isEmpty)
        for name in ["lp_cdrom.conf", "lp_cdrom__cdrom.ko", "load-order"] {
            let type = try FileManager.default.attributesOfItem(atPath: "\(out)/\(name)")[.type] as? FileAttributeType
            #expect(type == .typeRegular, "\(name) is \(String(describing: type))")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == ["out", "victim", "victim-dir"])
    }

    @Test("convert replaces a symlink given as -o and does not write through it")
    func convertOutputSymlinkNotFollowed() throws {
        let (root, out) = try Self.plantedDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try runProcess(Repository.executable,
                                    ["convert", Repository.fixture("lp_cdrom"), "-b", Repository.world, "-o", "\(out)/lp_cdrom__cdrom.ko"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: "\(root)/victim", encoding: .utf8) == "victim\n")
        let type = try FileManager.default.attributesOfItem(atPath: "\(out)/lp_cdrom__cdrom.ko")[.type] as? FileAttributeType
        #expect(type == .typeRegular)
    }
}
