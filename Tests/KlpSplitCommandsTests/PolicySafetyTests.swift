import Convert
import Foundation
import KernelWorld
import Testing
import TestSupport

/// The modprobe.d policy runs as root through `/bin/sh` (kmod's `install`/`remove`): every value in
/// its shell text is quoted by `ShellQuoting.word`, it holds only kbuild names, and `check` runs
/// only a policy that reads back to exactly what `build` writes.
@Suite("the modprobe.d policy is safe by construction")
struct PolicySafetyTests {
    static let hostile = ["$(id)", "`id`", "'", "it's", "a b", "a;b", "a\nb", "-r", "", "\\", "\"$HOME\"", "*", "~root",
                          "a&&b", "$CMDLINE_OPTS", "x\u{FF}", "../../etc/passwd", "'\\''"]

    @Test("a quoted value reaches sh as exactly one argument, unchanged", arguments: hostile + ["cdrom", "lp_cdrom__cdrom"])
    func quotedValueIsOneArgument(value: String) throws {
        let result = try runProcess("/bin/sh", ["-c", "set -- \(ShellQuoting.word(value)); printf '%s:%s' \"$#\" \"$1\""])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "1:\(value)")
    }

    @Test("kbuild names and sysfs paths are written as they are")
    func plainValuesUnchanged() {
        for value in ["cdrom", "lp_cdrom__sr_mod", "/sys/kernel/livepatch/lp_cdrom/enabled"] {
            #expect(ShellQuoting.word(value) == value)
        }
        #expect(ShellQuoting.word("it's") == "'it'\\''s'")
    }

    static let policy = try? ModprobePolicy(patch: "lp_split", mainPart: "lp_split", rules: [
        .init(module: "cdrom", part: "lp_split__cdrom", alsoRemoved: []),
        .init(module: "sr_mod", part: "lp_split__sr_mod", alsoRemoved: [.init(part: "lp_split__cdrom", module: "cdrom")]),
    ])

    @Test("a policy reads back to itself, and the golden lp_cdrom.conf reads back byte for byte")
    func roundTrip() throws {
        let policy = try #require(Self.policy)
        #expect(try ModprobePolicy.parse(policy.text, file: "lp_split.conf") == policy)
        let golden = try String(contentsOfFile: Repository.path("Tests/KlpSplitCommandsTests/Golden/lp_cdrom.conf"), encoding: .utf8)
        let parsed = try ModprobePolicy.parse(golden, file: "lp_cdrom.conf")
        #expect(parsed.text == golden)
        #expect(parsed.mainPart == nil)
    }

    @Test("a policy cannot hold a name kbuild would never produce", arguments: hostile)
    func hostileNameRefused(name: String) {
        #expect(throws: NameProblem.self) { try ModprobePolicy(patch: name, mainPart: nil, rules: []) }
        #expect(throws: NameProblem.self) {
            try ModprobePolicy(patch: "lp", mainPart: nil, rules: [.init(module: name, part: "lp__x", alsoRemoved: [])])
        }
        #expect(throws: NameProblem.self) {
            try ModprobePolicy(patch: "lp", mainPart: nil, rules: [.init(module: "x", part: name, alsoRemoved: [])])
        }
    }

    @Test("a changed policy is refused with its line", arguments: [
        ("; rc=$?", "; id; rc=$?", 20, "column"),
        ("# cdrom: patched by lp_split__cdrom\n", "# cdrom: patched by lp_split__cdrom\ninstall cdrom /bin/sh -c id\n", 18, "column"),
        ("# sr_mod: patched by", "# sr$(id): patched by", 22, "module name 'sr$(id)' contains '$'"),
        ("livepatch 'lp_split'", "livepatch 'lp split'", 1, "livepatch name 'lp split' contains a space"),
        ("/sbin/modprobe lp_split__cdrom\n", "/sbin/modprobe lp_split__cdrom `id`\n", 18, "column"),
        ("# modprobe.d rules", "#!/bin/sh\n# modprobe.d rules", 1, "not a modprobe.d policy written by klp-split"),
    ])
    func changedPolicyRefused(original: String, replacement: String, line: Int, fragment: String) throws {
        let text = try #require(Self.policy).text
        #expect(text.contains(original))
        let changed = text.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: ConvertError.self) { try ModprobePolicy.parse(changed, file: "lp.conf") }
        #expect(error?.message.hasPrefix("lp.conf:\(line): error: ") == true, "\(String(describing: error))")
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error))")
        #expect(error?.message.contains("\n") == false)
    }

    @Test("a truncated policy is refused")
    func truncatedRefused() throws {
        let text = try #require(Self.policy).text
        #expect(throws: ConvertError.self) { try ModprobePolicy.parse(String(text.dropLast(40)), file: "lp.conf") }
        #expect(throws: ConvertError.self) { try ModprobePolicy.parse(String(text.prefix(text.count / 2)), file: "lp.conf") }
    }

    /// Every `install`/`remove` command: `sh -n` parses it, and run with a fake modprobe that logs
    /// its arguments it calls modprobe only with fixed options and the policy's names.
    @Test("every command of the policy parses with sh -n and gives modprobe only names")
    func commandsRunWithFakeModprobe() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klp-policy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fake = "\(directory)/modprobe", log = "\(directory)/argv"
        try "#!/bin/sh\nfor a; do printf '[%s]' \"$a\"; done >> \(log); echo >> \(log)\n".write(toFile: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        let policy = try #require(Self.policy)
        var commands = 0
        for line in policy.text.split(separator: "\n") where line.hasPrefix("install ") || line.hasPrefix("remove ") {
            let command = line.split(separator: " ", maxSplits: 2).map(String.init)[2]
            let syntax = try runProcess("/bin/sh", ["-n", "-c", command])
            #expect(syntax.status == 0, "\(command): \(syntax.stderr)")
            let run = try runProcess("/bin/sh", ["-c", command.replacingOccurrences(of: "/sbin/modprobe", with: fake)])
            #expect(run.status == 0, "\(command): \(run.stderr)")
            commands += 1
        }
        #expect(commands == 6)
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let allowed = Set(["[--ignore-install]", "[-r]", "[--ignore-remove]", "[cdrom]", "[sr_mod]", "[lp_split]",
                           "[lp_split__cdrom]", "[lp_split__sr_mod]"])
        for call in calls {
            let arguments = call.split(separator: "]").map { "\($0)]" }
            #expect(arguments.allSatisfy(allowed.contains), "\(call)")
        }
        #expect(calls.contains("[--ignore-install][cdrom]"))
        #expect(calls.contains("[--ignore-install][lp_split__sr_mod]"))
        #expect(calls.contains("[-r][--ignore-remove][sr_mod]"))
    }
}
