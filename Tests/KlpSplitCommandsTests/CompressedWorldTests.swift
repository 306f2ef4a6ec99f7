import Foundation
import Testing
import TestSupport

/// Worlds and livepatches as distros ship them: `.ko.xz`, `.ko.zst`, `.ko.gz` (issue 15).
@Suite("klp-split reads compressed modules and livepatches")
struct CompressedWorldTests {
    let temporary: URL

    init() throws {
        temporary = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-compressed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    /// Fixtures/world with every module compressed by `tool` (kbuild's flags) and `depmod -b` run
    /// again, so modules.dep names the compressed files as on a distro.
    func compressedWorld(_ tool: [String], suffix: String) throws -> String {
        let root = temporary.appendingPathComponent("world\(suffix)").path
        #expect(try runProcess("/bin/cp", ["-a", Repository.world, root]).status == 0)
        let modules = "\(root)/lib/modules/6.1.0-56-amd64"
        let found = try runProcess("/usr/bin/find", [modules, "-name", "*.ko"]).stdout.split(separator: "\n")
        #expect(found.count == 6)  // cdrom, sr_mod, scsi_mod, scsi_common, fat, vfat
        for module in found {
            let program = try #require(which(tool[0]), "\(tool[0]) is not installed (scripts/install-deps.sh)")
            let result = try runProcess(program, Array(tool.dropFirst()) + [String(module)])
            #expect(result.status == 0, "\(tool): \(result.stderr)")
        }
        let depmod = try #require(which("depmod") ?? ["/usr/sbin/depmod", "/sbin/depmod"].first { FileManager.default.isExecutableFile(atPath: $0) })
        #expect(try runProcess(depmod, ["-b", root, "6.1.0-56-amd64"]).status == 0)
        let dep = try String(contentsOfFile: "\(modules)/modules.dep", encoding: .utf8)
        #expect(dep.contains("kernel/drivers/cdrom/cdrom.ko\(suffix):"))
        return root
    }

    /// Not `.ko.gz`: Debian 12's kmod 30 is built without zlib, so its depmod leaves `.ko.gz`
    /// files out of modules.dep (the livepatch input test covers gzip).
    @Test("plan of lp_multi against a compressed world prints what it prints against the plain one",
          arguments: [(["xz", "--check=crc32", "--lzma2=dict=1MiB"], ".xz"), (["zstd", "-q", "--rm"], ".zst")])
    func planOnCompressedWorld(tool: [String], suffix: String) throws {
        let world = try compressedWorld(tool, suffix: suffix)
        let plain = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_multi"), "-b", Repository.world, "--format", "json"])
        let packed = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_multi"), "-b", world, "--format", "json"])
        #expect(packed.status == plain.status, "\(packed.stderr)")
        #expect(packed.stderr == plain.stderr)
        // the target and the reasons name the world's module files (cdrom.ko.xz); the rest is the same
        #expect(packed.stdout.contains("\"moduleSuffixes\" : [\n      \".ko\(suffix)\"\n    ]"))
        #expect(packed.stdout.contains("unique in cdrom (cdrom.ko\(suffix))"))
        #expect(packed.stdout.replacingOccurrences(of: world, with: "ROOT").replacingOccurrences(of: ".ko\(suffix)", with: ".ko")
                == plain.stdout.replacingOccurrences(of: Repository.world, with: "ROOT"))
        let text = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_multi"), "-b", world])
        #expect(text.stdout.split(separator: "\n").first?.hasSuffix("; target 6.1.0-56-amd64 (lib/modules), modules .ko\(suffix)") == true)
    }

    @Test("build from a compressed livepatch writes the same parts as from the plain one")
    func buildFromCompressedInput() throws {
        let plainOut = temporary.appendingPathComponent("plain").path
        let result = try runProcess(Repository.executable, ["build", Repository.fixture("lp_split"), "-b", Repository.world,
                                                             "--sympos", "ucode_path=2", "-o", plainOut])
        #expect(result.status == 0, "\(result.stderr)")
        for suffix in ["xz", "zst", "gz"] {
            let input = temporary.appendingPathComponent("lp_split.ko.\(suffix)").path
            let tool = ["xz": ["xz", "-k"], "zst": ["zstd", "-q", "-k"], "gz": ["gzip", "-n", "-k"]][suffix]!
            let copy = temporary.appendingPathComponent("lp_split.ko").path
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: Repository.fixture("lp_split"), toPath: copy)
            #expect(try runProcess(try #require(which(tool[0])), Array(tool.dropFirst()) + [copy]).status == 0)
            #expect(FileManager.default.fileExists(atPath: input))
            let out = temporary.appendingPathComponent("out-\(suffix)").path
            let built = try runProcess(Repository.executable, ["build", input, "-b", Repository.world, "--sympos", "ucode_path=2", "-o", out])
            #expect(built.status == 0, "\(built.stderr)")
            for part in try FileManager.default.contentsOfDirectory(atPath: plainOut) {
                #expect(FileManager.default.contentsEqual(atPath: "\(plainOut)/\(part)", andPath: "\(out)/\(part)"), "\(suffix): \(part) differs")
            }
        }
    }

    @Test("a truncated compressed livepatch: one line, exit 1, nothing written")
    func truncatedInput() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("Fixtures/compressed/lp_cdrom.ko.xz")))
        let cut = temporary.appendingPathComponent("lp_cdrom.ko.xz").path
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        let out = temporary.appendingPathComponent("out").path
        for command in [["plan", cut], ["build", cut, "-o", out], ["check", cut]] {
            let result = try runProcess(Repository.executable, command + ["-b", Repository.world])
            #expect(result.status == 1, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.hasPrefix("lp_cdrom.ko.xz: error: cannot decompress (xz): the data is truncated"), "\(command[0]): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(command[0]): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
