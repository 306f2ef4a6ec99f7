import Foundation
@testable import Planner
import Testing
import TestSupport
@testable import KlpSplitCommands

/// The code that replaced Foundation's `Process`, `Pipe`, `Thread` and `NSString` path helpers in
/// the product (issue 6): `GraphvizRenderer.run` (posix_spawn and one poll loop), the path split of
/// `symbols -o`, DOT quoting, and the message for an output directory that cannot be created.
@Suite("child processes, paths and quoting without Foundation")
struct WithoutFoundationTests {
    /// 4 MiB of varied bytes: far more than a pipe holds (64 KiB), so writing all of it before
    /// reading would deadlock against a child that echoes it.
    static let large: [UInt8] = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }

    @Test("a child that echoes its input gets all of it and gives all of it back")
    func echoesLargeInput() throws {
        let result = try GraphvizRenderer.run("/bin/cat", arguments: [], input: Self.large)
        #expect(result.status == 0)
        #expect(result.errors.isEmpty)
        #expect(result.output == Self.large)
    }

    @Test("a child that writes a lot to stdout and stderr while its input is still coming does not deadlock")
    func bothStreamsLarge() throws {
        let script = "cat >/dev/null & head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2; wait"
        let result = try GraphvizRenderer.run("/bin/sh", arguments: ["-c", script], input: Self.large)
        #expect(result.status == 0)
        #expect(result.output.count == 3_000_000)
        #expect(result.errors.count == 2_000_000)
    }

    @Test("a child that exits without reading its input: no SIGPIPE for klp-split, the exit status is kept")
    func childIgnoresInput() throws {
        let result = try GraphvizRenderer.run("/bin/sh", arguments: ["-c", "echo oops >&2; exit 3"], input: Self.large)
        #expect(result.status == 3)
        #expect(String(decoding: result.errors, as: UTF8.self) == "oops\n")
        #expect(result.output.isEmpty)
    }

    @Test("empty input closes the child's stdin at once")
    func emptyInput() throws {
        let result = try GraphvizRenderer.run("/bin/cat", arguments: [], input: [])
        #expect(result.status == 0 && result.output.isEmpty && result.errors.isEmpty)
    }

    @Test("a child killed by a signal reports the signal number as its status")
    func killedChild() throws {
        let result = try GraphvizRenderer.run("/bin/sh", arguments: ["-c", "kill -9 $$"], input: [])
        #expect(result.status == 9)
    }

    @Test("a program that cannot be started throws the system's reason")
    func missingProgram() {
        #expect(throws: GraphvizRenderer.SpawnError.self) {
            _ = try GraphvizRenderer.run("/nonexistent/dot", arguments: ["-Tsvg"], input: [1])
        }
        do {
            _ = try GraphvizRenderer.run("/nonexistent/dot", arguments: [], input: [])
        } catch {
            #expect(error.message == "No such file or directory")
        }
    }

    @Test("a dot that fails gives the one-line message with its status and first stderr line, and no stdout")
    func failingDot() throws {
        let directory = try ScratchCopies()
        let fake = directory.path + "/dot"
        try "#!/bin/sh\n/bin/cat >/dev/null\necho 'Error: <stdin>: syntax error in line 1' >&2\necho second >&2\nexit 1\n"
            .write(toFile: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        let result = try runProcess("/usr/bin/env", ["PATH=\(directory.path)", Repository.executable]
                                        + EverydayUseTests.planArguments + ["--format", "svg"],
                                    currentDirectory: Repository.root.path)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "\(fake): error: 'dot -Tsvg' failed with status 1 (Error: <stdin>: syntax error in line 1); use --format dot to see the graph source\n")
    }

    @Test("a directory entry named dot is not taken for the program")
    func dotDirectoryIsNotExecutable() throws {
        let directory = try ScratchCopies()
        try FileManager.default.createDirectory(atPath: directory.path + "/dot", withIntermediateDirectories: false)
        let result = try runProcess("/usr/bin/env", ["PATH=\(directory.path)", Repository.executable]
                                        + EverydayUseTests.planArguments + ["--format", "svg"],
                                    currentDirectory: Repository.root.path)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: --format svg needs Graphviz's 'dot', which is not on PATH"))
    }

    @Test("symbols -o splits its path as NSString did", arguments: [
        ("out.klp", ".", "out.klp"), ("dir/out.klp", "dir", "out.klp"), ("/out.klp", "/", "out.klp"),
        ("/a/b/out.klp", "/a/b", "out.klp"), ("a//out.klp", "a", "out.klp"), ("dir/out.klp/", "dir", "out.klp"),
    ])
    func splitPath(path: String, directory: String, name: String) {
        let split = SymbolsCommand.splitPath(path)
        #expect(split.directory == directory && split.name == name)
    }

    @Test("DOT quoting escapes backslashes and double quotes, and nothing else")
    func dotQuoting() {
        #expect(PlanDOTRenderer.quote(#"a\b"c"#) == #""a\\b\"c""#)
        #expect(PlanDOTRenderer.quote("plain_name.ko") == "\"plain_name.ko\"")
        #expect(PlanDOTRenderer.quote("é\u{301}\\") == "\"é\u{301}\\\\\"")
    }

    @Test("build -o under a missing parent names the system's reason")
    func outputParentMissing() throws {
        let directory = try ScratchCopies()
        let output = directory.path + "/missing/out"
        let result = try runProcess(Repository.executable,
                                    ["build", "Fixtures/modules/lp_cdrom.ko", "-b", "Fixtures/world", "-o", output],
                                    currentDirectory: Repository.root.path)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "\(output): error: cannot create the output directory (No such file or directory); create its parent or choose another -o\n")
    }
}
