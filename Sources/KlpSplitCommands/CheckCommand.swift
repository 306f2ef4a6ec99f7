import ArgumentParser
import Check

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
            then a summary. Exit status: 0 clean (warnings allowed unless --strict), 2 when errors \
            (or, with --strict, warnings) were found, 1 when an input cannot be read, 64 usage.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: ArgumentHelp("The livepatch modules to check (one or several parts).", valueName: "MODULE.ko"))
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
                checked.append(try CheckedModule.read(path: path))
            } catch {
                Terminal.error(error.description)
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
}
