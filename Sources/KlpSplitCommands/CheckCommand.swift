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
            and load hazards. One line per module with its signature (unsigned, signed by whom with which key \
            and hash, or malformed), then one line per finding, `file: section-or-symbol: severity: message`, \
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

    @Option(help: "Output format: text (one finding per line) or json (schemaVersion 2).")
    var format: Format = .text

    @Flag(help: "Fail (exit 2) on warnings too (coupling between parts among them).")
    var strict = false

    @Flag(name: .customLong("require-signature"), help: "Make an unsigned module an error (rule signature-required), as module.sig_enforce=1 or Secure Boot does.")
    var requireSignature = false

    @OptionGroup(title: "Coupling between parts")
    var coupling: CouplingOptions

    @OptionGroup(title: "Output")
    var colour: ColorOptions

    func run() throws {
        var checked: [CheckedModule] = []
        var policies: [(file: String, policy: ModprobePolicy)] = []
        var unreadable = false
        for path in modules {
            do {
                if path.hasSuffix(".conf") {
                    policies.append(try Self.checkPolicy(path))
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
        let report = Checker.check(checked, world: worldFacts, acceptances: coupling.acceptances,
                                   requireSignature: requireSignature)
        var policyMismatch = false
        if let target = worldFacts.target, let hazard = target.hasReloadHazard {
            for (file, policy) in policies where policy.reloadHazard != hazard {
                Terminal.error(hazard
                    ? "\(file): error: this policy has no remove rules (it was written for v6.3 or later), but the target \(target.release) lacks clear_relocate_add(), so a patched module could not be loaded again; run klp-split build against this kernel's world"
                    : "\(file): error: this policy removes parts with their modules (written for a kernel before v6.3), but the target \(target.release) needs no such rules; run klp-split build against this kernel's world")
                policyMismatch = true
            }
        }
        switch format {
        case .text: Terminal.output(report.renderText(colour: colour.useColour))
        case .json: Terminal.output(report.renderJSON(strict: strict))
        }
        if unreadable { throw ExitCode(1) }
        if policyMismatch || !report.passes(strict: strict) { throw ExitCode(2) }
    }

    /// Reads a modprobe.d policy and refuses it unless `ModprobePolicy.parse` gives it back
    /// exactly: kmod runs its commands as root.
    static func checkPolicy(_ path: String) throws -> (file: String, policy: ModprobePolicy) {
        let file = String(path.split(separator: "/").last ?? Substring(path))
        return (file, try ModprobePolicy.parse(try TextFile.text(contentsOf: path, displayName: file), file: file))
    }
}
