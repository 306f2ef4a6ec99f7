import ArgumentParser
import Check
import Convert
import KernelWorld

/// `klp-split check`: the release gate over livepatch modules built by any tool.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check livepatch modules, alone and as a set, against the kernel's rules and the target kernel.",
        discussion: """
            Checks every module given (built by klp-split, kpatch-build, klp-build or by hand) and the \
            set they form: the livepatch ELF format, the kernel's relocation rules, every klp symbol \
            against the target kernel, implicit module dependencies, the dependencies between parts, \
            and load hazards. One line per finding, `file: section-or-symbol: severity: message`, \
            then a summary. A .conf file given is read as the modprobe.d policy `klp-split build` \
            wrote, and refused unless it is, line for line, what build writes (its commands run as \
            root). Exit status: 0 clean (warnings allowed unless --strict), 2 when errors (or, with \
            --strict, warnings) were found, 1 when an input cannot be read or a policy is refused, \
            64 usage.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: ArgumentHelp("The livepatch modules to check (one or several parts), and the modprobe.d policy (.conf) build wrote.",
                                 valueName: "MODULE.ko"))
    var modules: [String]

    @OptionGroup(title: "Kernel world")
    var world: KernelWorldOptions

    @Option(help: "Output format: text (one finding per line) or json (schemaVersion 1).")
    var format: Format = .text

    @Flag(help: "Fail (exit 2) on warnings too.")
    var strict = false

    @OptionGroup(title: "Output")
    var colour: ColorOptions

    func run() throws {
        var checked: [CheckedModule] = []
        var unreadable = false
        for path in modules {
            do {
                if path.hasSuffix(".conf") {
                    try Self.checkPolicy(path)
                    continue
                }
                checked.append(try CheckedModule.read(path: path))
            } catch {
                Terminal.error("\(error)")
                unreadable = true
            }
        }
        let worldFacts: CheckWorld
        do {
            worldFacts = try KernelWorldLoader(options: world).loadCheckWorld(for: checked)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        let report = Checker.check(checked, world: worldFacts)
        switch format {
        case .text: Terminal.output(report.renderText(colour: colour.useColour))
        case .json: Terminal.output(report.renderJSON(strict: strict))
        }
        if unreadable { throw ExitCode(1) }
        if !report.passes(strict: strict) { throw ExitCode(2) }
    }

    /// Reads a modprobe.d policy and refuses it unless `ModprobePolicy.parse` gives it back
    /// exactly: kmod runs its commands as root.
    static func checkPolicy(_ path: String) throws {
        let file = String(path.split(separator: "/").last ?? Substring(path))
        _ = try ModprobePolicy.parse(try TextFile.text(contentsOf: path, displayName: file), file: file)
    }
}
