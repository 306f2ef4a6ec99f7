import Foundation
import Testing
import TestSupport

/// The everyday-use surface of the executable: `--format svg`, `--color`, progress and shell
/// completions. Runs the built `klp-split` as a process, the way a user's shell does (stdout and
/// stderr are pipes here, so `auto` means no colour and no progress).
@Suite("svg output, colour, progress and completions")
struct EverydayUseTests {
    static let planArguments = ["plan", "Fixtures/modules/lp_multi.ko", "-b", "Fixtures/world"]

    static func klpSplit(_ arguments: [String], environment: [String] = []) throws -> ProcessResult {
        if environment.isEmpty {
            return try runProcess(Repository.executable, arguments, currentDirectory: Repository.root.path)
        }
        return try runProcess("/usr/bin/env", environment + [Repository.executable] + arguments,
                              currentDirectory: Repository.root.path)
    }

    static func golden(_ name: String) throws -> String {
        try String(contentsOfFile: Repository.path("Tests/KlpSplitCommandsTests/Golden/\(name)"), encoding: .utf8)
    }

    @Test("plan --format svg draws the graph with Graphviz's dot", .enabled(if: which("dot") != nil))
    func svgWithGraphviz() throws {
        // lp_multi's plan has errors on purpose (exit 2); the graph is drawn all the same.
        let result = try Self.klpSplit(Self.planArguments + ["--format", "svg"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("<?xml"))
        #expect(result.stdout.contains("lp_multi__sr_mod"))
        #expect(result.stdout.hasSuffix("</svg>\n"))
    }

    @Test("plan --format svg without dot on PATH exits 1 naming the apt package, and writes nothing to stdout")
    func svgWithoutGraphviz() throws {
        let empty = try ScratchCopies()
        let result = try Self.klpSplit(Self.planArguments + ["--format", "svg"], environment: ["PATH=\(empty.path)"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "error: --format svg needs Graphviz's 'dot', which is not on PATH; install it ('apt-get install graphviz') or use --format dot\n")
    }

    @Test("piped output and --color never are the colourless golden; --color always colours the categories")
    func colour() throws {
        let golden = try Self.golden("lp_multi.txt")
        let piped = try Self.klpSplit(Self.planArguments)
        #expect(piped.status == 2)
        #expect(piped.stdout == golden)
        let never = try Self.klpSplit(Self.planArguments + ["--color", "never"])
        #expect(never.stdout == golden)
        let always = try Self.klpSplit(Self.planArguments + ["--color", "always"])
        #expect(always.status == 2)
        #expect(always.stdout.contains("\u{1B}[32mvmlinux-export (A)\u{1B}[0m"))
        #expect(always.stdout.contains("\u{1B}[33mpatched-module-export (B)\u{1B}[0m"))
        // Without the escapes it is the golden, byte for byte.
        let stripped = always.stdout.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == golden)
        // NO_COLOR does not override an explicit --color always; with auto and a pipe there is none anyway.
        let noColor = try Self.klpSplit(Self.planArguments, environment: ["NO_COLOR=1"])
        #expect(noColor.stdout == golden)
    }

    @Test("check --color always colours severities; piped it is the colourless golden")
    func checkColour() throws {
        let arguments = ["check", "Fixtures/modules/lp_multi.ko", "-b", "Fixtures/world"]
        let piped = try Self.klpSplit(arguments)
        #expect(piped.stdout == (try Self.golden("check-lp_multi.txt")))
        let always = try Self.klpSplit(arguments + ["--color", "always"])
        #expect(always.stdout.contains("\u{1B}[1;31merror:\u{1B}[0m"))
        #expect(always.status == piped.status)
    }

    @Test("on a terminal (script(1) gives a pty), auto colours the categories and shows progress; NO_COLOR turns the colour off",
          .enabled(if: which("script") != nil))
    func terminal() throws {
        let command = "\(Repository.executable) plan Fixtures/modules/lp_split.ko -b Fixtures/world --sympos ucode_path=2"
        let onTerminal = try runProcess("/usr/bin/env", ["-u", "NO_COLOR", "TERM=xterm", which("script")!, "-qec", command, "/dev/null"],
                                        currentDirectory: Repository.root.path)
        #expect(onTerminal.status == 0, "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("\u{1B}[32mvmlinux-export (A)\u{1B}[0m"))
        #expect(onTerminal.stdout.contains("\r\u{1B}[Kklp-split: reading the exports (Module.symvers)..."))
        // the last progress line is cleared before the result
        #expect(onTerminal.stdout.contains("reading the vmlinux symbol order...\r\u{1B}[K"))
        let noColor = try runProcess("/usr/bin/env", ["NO_COLOR=1", "TERM=xterm", which("script")!, "-qec", command, "/dev/null"],
                                     currentDirectory: Repository.root.path)
        #expect(noColor.status == 0)
        #expect(!noColor.stdout.contains("\u{1B}[32m"))
    }

    @Test("no progress lines on a piped stderr")
    func noProgressWhenPiped() throws {
        let result = try Self.klpSplit(Self.planArguments)
        #expect(!result.stderr.contains("\r"))
        #expect(!result.stderr.contains("klp-split: reading"))
    }

    @Test("bash, zsh and fish completion scripts generate (and parse, where the shell is installed)",
          arguments: ["bash", "zsh", "fish"])
    func completions(shell: String) throws {
        let result = try Self.klpSplit(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("klp-split"))
        #expect(result.stdout.contains("sympos"))
        guard let interpreter = which(shell) else { return }
        let scratch = try ScratchCopies()
        let file = scratch.path + "/klp-split.\(shell)"
        try result.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let syntax = try runProcess(interpreter, ["-n", file])
        #expect(syntax.status == 0, "\(shell) -n: \(syntax.stderr)")
    }
}
