import ELF
import Foundation
import Testing
import TestSupport

/// Wrong input gets one line naming the file and what to do, and the documented exit status.
@Suite("klp-split plan refuses bad input with one clear line")
struct BadInputTests {
    let temporary: URL

    init() throws {
        temporary = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    func file(_ name: String, _ contents: String) throws -> String {
        let path = temporary.appendingPathComponent(name).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func expectOneLineError(_ result: ProcessResult, status: Int32 = 1, mentioning words: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(result.stderr.contains(word), "stderr lacks '\(word)': \(result.stderr)", sourceLocation: sourceLocation)
        }
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("a file that is not ELF")
    func notELF() throws {
        let path = try file("notes.ko", "this is not an ELF file\n")
        let result = try runProcess(Repository.executable, ["plan", path, "-b", Repository.world])
        expectOneLineError(result, mentioning: ["notes.ko", "not an ELF file"])
    }

    @Test("an empty file")
    func emptyFile() throws {
        let path = try file("empty.ko", "")
        let result = try runProcess(Repository.executable, ["plan", path, "-b", Repository.world])
        expectOneLineError(result, mentioning: ["empty.ko", "error:"])
    }

    @Test("a real module that is not a livepatch")
    func notALivepatch() throws {
        let cdrom = Repository.path("Fixtures/world/lib/modules/6.1.0-56-amd64/kernel/drivers/cdrom/cdrom.ko")
        let result = try runProcess(Repository.executable, ["plan", cdrom, "-b", Repository.world])
        expectOneLineError(result, mentioning: ["cdrom.ko", "livepatch=Y"])
    }

    @Test("a kernel world without Module.symvers")
    func noModuleSymvers() throws {
        try FileManager.default.createDirectory(at: temporary.appendingPathComponent("lib/modules/6.1.0-56-amd64"),
                                                withIntermediateDirectories: true)
        let result = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_vmlinux"), "-b", temporary.path])
        expectOneLineError(result, mentioning: ["Module.symvers", "--symvers"])
    }

    /// modpost writes an empty Module.symvers for external modules that export nothing (the
    /// kernel's selftest modules), and kbuild users pass it on as KBUILD_EXTRA_SYMBOLS.
    @Test("an empty extra --symvers is accepted; an empty Module.symvers alone is refused")
    func emptySymvers() throws {
        let empty = try file("Module.symvers", "")
        let accepted = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_vmlinux"), "-b", Repository.world, "--symvers", empty])
        #expect(accepted.status == 0)
        #expect(accepted.stdout.contains("lp_vmlinux (main part, patches vmlinux)"))
        let refused = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_vmlinux"), "--symvers", empty])
        expectOneLineError(refused, mentioning: ["Module.symvers", "file is empty"])
    }

    @Test("Debian's placeholder System.map")
    func placeholderSystemMap() throws {
        let map = try file("System.map", "ffffffffffffffff B The real System.map is in the linux-image-6.1.0-56-amd64-dbg package\n")
        let symvers = Repository.path("Fixtures/world/usr/src/linux-headers-6.1.0-56-amd64/Module.symvers")
        let result = try runProcess(Repository.executable,
                                    ["plan", Repository.fixture("lp_vmlinux"), "--symvers", symvers, "--system-map", map])
        expectOneLineError(result, mentioning: ["System.map", "placeholder", "--kallsyms"])
    }

    /// Issue 21: lp_cdrom.ko with its module name (`.modinfo name=` and `struct module.name`)
    /// changed to `lp$(id)m`, same length. build used to write `lp$(id)m.conf`, whose install
    /// and remove rules ran `id` as root at every `modprobe cdrom`.
    @Test("a module named lp$(id)m is refused by plan, build, convert and check", arguments: ["plan", "build", "convert", "check"])
    func shellInModuleName(command: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.fixture("lp_cdrom"))))
        let thisModule = try #require(try ELFFile(path: Repository.fixture("lp_cdrom")).section(named: ".gnu.linkonce.this_module"))
        let modinfo = try #require(bytes.firstRange(of: Array("name=lp_cdrom\0".utf8)))
        for start in [modinfo.lowerBound + 5, Int(thisModule.fileOffset) + 24] {
            #expect(Array(bytes[start..<(start + 8)]) == Array("lp_cdrom".utf8))
            bytes.replaceSubrange(start..<(start + 8), with: Array("lp$(id)m".utf8))
        }
        let path = temporary.appendingPathComponent("lp.ko").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let output = temporary.appendingPathComponent("out").path
        let extra = ["build": ["-o", output], "convert": ["-o", output]][command] ?? []
        let result = try runProcess(Repository.executable, [command, path, "-b", Repository.world] + extra)
        if command == "check" {
            #expect(result.status == 1)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        } else {
            expectOneLineError(result, mentioning: ["lp.ko: .modinfo: error: module name 'lp$(id)m' contains '$'", "[A-Za-z0-9_]"])
        }
        #expect(result.stderr.hasPrefix("lp.ko: .modinfo: error: module name 'lp$(id)m' contains '$'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("a missing argument is a usage error (exit 64)")
    func usage() throws {
        let result = try runProcess(Repository.executable, ["plan"])
        #expect(result.status == 64)
    }

    @Test("a plan with errors still prints the whole plan and exits 2")
    func planErrorsExitTwo() throws {
        let result = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_multi"), "-b", Repository.world])
        #expect(result.status == 2)
        #expect(result.stdout.contains("lp_multi__sr_mod"))
        #expect(result.stdout.contains("problems:"))
        #expect(result.stderr.contains("error: the plan has"))
    }

    @Test("a clean plan exits 0")
    func cleanPlan() throws {
        let result = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_cdrom"), "-b", Repository.world])
        #expect(result.status == 0, "\(result.stderr)")
    }

    // kallsyms and System.map are read on a second thread while Module.symvers and the modules
    // are read (KernelWorldLoader, BackgroundWork): the errors and their order stay those of
    // reading one file after the other.
    @Test("a bad Module.symvers is reported before a bad kallsyms, by plan and check alike", arguments: ["plan", "check"])
    func symversErrorBeforeKallsymsError(command: String) throws {
        let symvers = try file("Module.symvers", "0x12345678\tprintk\n")
        let kallsyms = try file("kallsyms", "ffffffff81000000 T _stext\nthis is not a kallsyms line\n")
        let input = command == "plan" ? Repository.fixture("lp_cdrom") : Repository.fixture("lp_vmlinux")
        let result = try runProcess(Repository.executable, [command, input, "--symvers", symvers, "--kallsyms", kallsyms])
        expectOneLineError(result, mentioning: ["Module.symvers"])
        #expect(!result.stderr.contains("kallsyms"), "\(result.stderr)")
    }

    @Test("a bad kallsyms alone gives its own error, with the line", arguments: ["plan", "check"])
    func kallsymsError(command: String) throws {
        let kallsyms = try file("kallsyms", "ffffffff81000000 T _stext\nthis is not a kallsyms line\n")
        let input = command == "plan" ? Repository.fixture("lp_cdrom") : Repository.fixture("lp_vmlinux")
        let result = try runProcess(Repository.executable, [command, input, "-b", Repository.world, "--kallsyms", kallsyms])
        expectOneLineError(result, mentioning: ["kallsyms:2"])
    }

    // An error in the input comes before any error of the world, and does not wait for the world
    // to be read (kept for any change that starts the world's reading earlier; session 4 tried
    // one, docs/performance.md).
    @Test("a bad input module is reported before a bad kallsyms", arguments: ["plan", "build", "convert", "check"])
    func inputErrorBeforeKallsymsError(command: String) throws {
        let kallsyms = try file("kallsyms", "ffffffff81000000 T _stext\nthis is not a kallsyms line\n")
        let result = try runProcess(Repository.executable, try notELFCommandLine(command, kallsyms: kallsyms))
        if command == "check" {
            // check reports an unreadable module and goes on, so both errors come, in reading order.
            let lines = result.stderr.split(separator: "\n")
            #expect(result.status == 1, "\(result.stderr)")
            #expect(lines.count == 2 && lines[0].contains("notelf.ko") && lines[1].contains("kallsyms:2"), "\(result.stderr)")
        } else {
            expectOneLineError(result, mentioning: ["notelf.ko"])
            #expect(!result.stderr.contains("kallsyms"), "\(result.stderr)")
        }
        for output in ["out", "out.ko"] {
            #expect(!FileManager.default.fileExists(atPath: temporary.appendingPathComponent(output).path))
        }
    }

    // Not check: it reports an unreadable module and goes on with the others, so it reads the
    // world whatever its inputs are (and a FIFO nobody writes blocks it as it blocks cat).
    @Test("a bad livepatch does not wait for a kallsyms FIFO nobody writes", arguments: ["plan", "build", "convert"])
    func inputErrorDoesNotWaitForKallsyms(command: String) throws {
        let fifo = temporary.appendingPathComponent("kallsyms-fifo-\(command)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let result = try runProcess(Repository.executable, try notELFCommandLine(command, kallsyms: fifo))
        expectOneLineError(result, mentioning: ["notelf.ko"])
    }

    /// `command` run on a file that is not ELF (notelf.ko) against the fixture world with the given
    /// kallsyms; build writes to out/ and convert to out.ko in the temporary directory.
    func notELFCommandLine(_ command: String, kallsyms: String) throws -> [String] {
        let input = try file("notelf.ko", "not an ELF file\n")
        var arguments = [command, input, "-b", Repository.world, "--kallsyms", kallsyms]
        switch command {
        case "build": arguments += ["-o", temporary.appendingPathComponent("out").path]
        case "convert": arguments += ["-o", temporary.appendingPathComponent("out.ko").path]
        default: break
        }
        return arguments
    }

    @Test("an error found while kallsyms is still being read does not wait for it (a FIFO nobody writes)")
    func errorDoesNotWaitForKallsyms() throws {
        let fifo = temporary.appendingPathComponent("kallsyms-fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let symvers = try file("Module.symvers", "0x12345678\tprintk\n")
        let result = try runProcess(Repository.executable, ["plan", Repository.fixture("lp_cdrom"), "--symvers", symvers,
                                                            "--kallsyms", fifo])
        expectOneLineError(result, mentioning: ["Module.symvers"])
    }
}
