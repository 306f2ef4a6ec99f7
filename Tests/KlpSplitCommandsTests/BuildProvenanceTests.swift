import Foundation
import Testing
import TestSupport

/// Issue 17, "one build per set" and "the right target": every part records its patch, the
/// SHA-256 of the input and the build of its target module; `check` refuses parts of two builds
/// and a part made for another build of its module; the policy's guards keep such parts out.
@Suite("parts record their build, and check and the policy keep mixed builds and wrong targets out")
struct BuildProvenanceTests {
    let scratch: String

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-provenance-\(UUID().uuidString)").path
    }

    static let world612 = Repository.path("Fixtures/world-6.12")
    static let fixture612 = Repository.path("Fixtures/modules-6.12/lp_split.ko")

    /// Builds lp_split for 6.1 into `scratch/v61` and for 6.12 into `scratch/v612`.
    func buildBoth() throws {
        let first = try runProcess(Repository.executable, ["build", Repository.fixture("lp_split"), "-b", Repository.world,
                                                            "--sympos", "ucode_path=2", "-o", "\(scratch)/v61"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try runProcess(Repository.executable, ["build", Self.fixture612, "-b", Self.world612,
                                                             "--sympos", "ucode_path=2", "-o", "\(scratch)/v612"])
        #expect(second.status == 0, "\(second.stderr)")
    }

    func modinfo(_ key: String, _ path: String) throws -> String {
        try runProcess(which("modinfo") ?? "/sbin/modinfo", ["-F", key, path]).stdout.trimmingCharacters(in: .newlines)
    }

    /// The build id `readelf -n` prints for a module file (decompressed with `xz -dc` first when needed).
    func readelfBuildID(_ path: String) throws -> String {
        var file = path
        if path.hasSuffix(".xz") {
            file = "\(scratch)/\(URL(fileURLWithPath: path).lastPathComponent.dropLast(3))"
            let result = try runProcess("/bin/sh", ["-c", "xz -dc \"$1\" > \"$2\"", "sh", path, file])
            #expect(result.status == 0)
        }
        let notes = try runProcess(which("readelf")!, ["-n", file]).stdout
        let line = try #require(notes.split(separator: "\n").first { $0.contains("Build ID:") })
        return String(line.split(separator: " ").last!)
    }

    @Test("modinfo shows klp_patch, the input's sha256sum and the target's build id as readelf reads it",
          .enabled(if: which("readelf") != nil && which("sha256sum") != nil && which("xz") != nil))
    func recorded() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try buildBoth()
        for (directory, input, world, release) in [("v61", Repository.fixture("lp_split"), Repository.world, "6.1.0-56-amd64"),
                                                   ("v612", Self.fixture612, Self.world612, "6.12.118+deb12-amd64")] {
            let sum = String(try runProcess(which("sha256sum")!, [input]).stdout.prefix(64))
            for part in ["lp_split", "lp_split__cdrom", "lp_split__sr_mod"] {
                let path = "\(scratch)/\(directory)/\(part).ko"
                #expect(try modinfo("klp_patch", path) == "lp_split")
                #expect(try modinfo("klp_patch_digest", path) == sum, "\(path)")
                let note = try runProcess(which("readelf")!, ["-n", path]).stdout
                let digestBytes = stride(from: 0, to: 64, by: 2).map { i in
                    String(sum[sum.index(sum.startIndex, offsetBy: i)..<sum.index(sum.startIndex, offsetBy: i + 2)])
                }.joined(separator: " ")
                #expect(note.contains("klp-split") && note.contains(digestBytes), "\(path): \(note)")
            }
            #expect(try modinfo("klp_target_build_id", "\(scratch)/\(directory)/lp_split.ko") == "")
            for module in ["cdrom", "sr_mod"] {
                let found = try runProcess("/usr/bin/find", ["\(world)/lib/modules/\(release)", "-name", "\(module).ko*"]).stdout
                let file = try #require(found.split(separator: "\n").first.map(String.init))
                #expect(try modinfo("klp_target_build_id", "\(scratch)/\(directory)/lp_split__\(module).ko") == (try readelfBuildID(file)))
            }
        }
    }

    @Test("check refuses parts of two builds (mixed-build) and a part for another build of its module (target-build)")
    func checkRefuses() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try buildBoth()
        let clean = try runProcess(Repository.executable, ["check", "\(scratch)/v61/lp_split.ko", "\(scratch)/v61/lp_split__cdrom.ko",
                                                            "\(scratch)/v61/lp_split__sr_mod.ko", "\(scratch)/v61/lp_split.conf", "-b", Repository.world])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stdout.contains("another build") && !clean.stdout.contains("was built for"))
        let mixed = try runProcess(Repository.executable, ["check", "\(scratch)/v61/lp_split.ko", "\(scratch)/v61/lp_split__cdrom.ko",
                                                            "\(scratch)/v612/lp_split__sr_mod.ko", "-b", Repository.world])
        #expect(mixed.status == 2)
        let lines = mixed.stdout.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(lines.contains { $0.hasPrefix("lp_split__sr_mod.ko: .modinfo: error: this part of 'lp_split' comes from another build") })
        #expect(lines.contains { $0.hasPrefix("lp_split__sr_mod.ko: .modinfo: error: this part was built for sr_mod klp_target_build_id=") })
        #expect(!lines.contains { $0.hasPrefix("lp_split__cdrom.ko") || $0.hasPrefix("lp_split.ko") }, "\(lines)")
        let json = try runProcess(Repository.executable, ["check", "\(scratch)/v61/lp_split__cdrom.ko", "-b", Self.world612, "--format", "json"])
        #expect(json.status == 2)
        #expect(json.stdout.contains("\"target-build\""), "\(json.stdout)")
    }

    /// The part's install command, with its sysfs paths under `root`, modprobe a no-op, modinfo
    /// reading the part file in `parts`, and the kernel log a file.
    func guardCommand(conf: String, part: String, parts: String, root: String) throws -> String {
        let line = try #require(conf.split(separator: "\n").first { $0.hasPrefix("install \(part) /bin/sh -c ") })
        // kmod's modprobe.d reader (getline_wrapped()) drops every backslash before sh sees the line
        #expect(!conf.contains("\\"), "the policy holds a backslash, which kmod drops")
        let word = String(line.dropFirst("install \(part) /bin/sh -c ".count)).replacingOccurrences(of: "\\", with: "")
        let unquoted = try runProcess("/bin/sh", ["-c", "eval \"set -- $0\"; printf %s \"$1\"", word]).stdout
        return unquoted
            .replacingOccurrences(of: "/sys/", with: "\(root)/sys/")
            .replacingOccurrences(of: "/sbin/modinfo -F klp_patch_digest \(part)", with: "/sbin/modinfo -F klp_patch_digest \(parts)/\(part).ko")
            .replacingOccurrences(of: "/sbin/modprobe", with: "true")
            .replacingOccurrences(of: "> /dev/kmsg", with: ">> \(root)/kmsg")
    }

    /// Puts `section` of `module` where the kernel shows a loaded module's note.
    func installNote(_ section: String, of module: String, as name: String, root: String) throws {
        let directory = "\(root)/sys/module/\(name)/notes"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let result = try runProcess(which("objcopy")!, ["-O", "binary", "--only-section=\(section)", module, "\(directory)/\(section)"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("the part's install rule loads it only with this build's main part and the target build, and logs why not",
          .enabled(if: which("objcopy") != nil && FileManager.default.isExecutableFile(atPath: "/sbin/modinfo")))
    func policyGuards() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try buildBoth()
        let conf = try String(contentsOfFile: "\(scratch)/v61/lp_split.conf", encoding: .utf8)
        let cdrom = "\(Repository.world)/lib/modules/6.1.0-56-amd64/kernel/drivers/cdrom/cdrom.ko"

        func run(parts: String, main: String, cdromBuild: String?, case name: String) throws -> (Int32, String) {
            let root = "\(scratch)/\(name)"
            try installNote(".note.klp-split", of: "\(main)/lp_split.ko", as: "lp_split", root: root)
            if let cdromBuild { try installNote(".note.gnu.build-id", of: cdromBuild, as: "cdrom", root: root) }
            let command = try guardCommand(conf: conf, part: "lp_split__cdrom", parts: parts, root: root)
            let result = try runProcess("/bin/sh", ["-c", command])
            let log = (try? String(contentsOfFile: "\(root)/kmsg", encoding: .utf8)) ?? ""
            return (result.status, log)
        }
        let v61 = "\(scratch)/v61", v612 = "\(scratch)/v612"
        #expect(try run(parts: v61, main: v61, cdromBuild: cdrom, case: "good") == (0, ""))
        #expect(try run(parts: v61, main: v61, cdromBuild: nil, case: "cdrom-absent") == (0, ""))
        let stale = try run(parts: v612, main: v61, cdromBuild: cdrom, case: "stale-part")
        #expect(stale.0 == 1)
        #expect(stale.1.hasPrefix("klp-split: livepatch part lp_split__cdrom not loaded: lp_split__cdrom on disk is not from the build of this policy"))
        let oldMain = try run(parts: v61, main: v612, cdromBuild: cdrom, case: "stale-main")
        #expect(oldMain.0 == 1)
        #expect(oldMain.1.hasPrefix("klp-split: livepatch part lp_split__cdrom not loaded: the loaded lp_split is not from the build of this policy"))
        let otherCdrom = try run(parts: v61, main: v61, cdromBuild: "\(Repository.world)/lib/modules/6.1.0-56-amd64/kernel/drivers/scsi/sr_mod.ko",
                                 case: "other-cdrom")
        #expect(otherCdrom.0 == 1)
        #expect(otherCdrom.1.hasPrefix("klp-split: livepatch part lp_split__cdrom not loaded: the running cdrom is not the build the part was made for"))
    }
}
