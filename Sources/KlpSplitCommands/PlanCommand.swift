import ArgumentParser
import ELF
import Livepatch
import Planner

/// `klp-split plan`: show the parts, the dependency graph and the category of every reference.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the parts, their dependency graph and the category of every symbol reference.",
        discussion: """
            Coupling between parts (code of two parts that may run half patched, docs/concepts.md) \
            is a warning; --strict makes it an error, --accept-coupling accepts one finding with a \
            reason. Exit status: 0 when every reference is acceptable, 2 when the plan has errors \
            (the whole plan is still printed), 1 when an input cannot be read (or, for --format svg, Graphviz is missing), 64 on usage errors.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, dot, svg
    }

    @Argument(help: ArgumentHelp("The combined livepatch module.", valueName: "LIVEPATCH.ko"))
    var livepatch: String

    @OptionGroup(title: "Kernel world")
    var world: KernelWorldOptions

    @OptionGroup(title: "Symbol positions")
    var positions: SymposOptions

    @Flag(name: .customLong("states-in-every-part"), help: "Split a patch with klp_state entries by giving every part its own copy of them (rule klp-state).")
    var statesInEveryPart = false

    @Option(help: "Output format: text (a tree), json (schemaVersion 2), dot (Graphviz) or svg (the graph drawn by Graphviz's dot, which must be installed).")
    var format: Format = .text

    @OptionGroup(title: "Coupling between parts")
    var coupling: CouplingOptions

    @Flag(help: "Make every coupling finding not accepted with --accept-coupling an error (exit 2).")
    var strict = false

    @OptionGroup(title: "Output")
    var colour: ColorOptions

    /// Reads the livepatch and its kernel world and plans the split (no output).
    static func makePlan(livepatch: String, world: KernelWorldOptions, sympos: [SymposChoice] = [],
                         coupling: CouplingInput = CouplingInput(),
                         statesInEveryPart: Bool = false) throws -> Plan {
        let module = try readLivepatch(livepatch)
        let elf = try ELFFile(path: livepatch)
        let annotations = try KlpConvertAnnotations.read(elf: elf, file: module.file)
        var coupling = coupling
        coupling.shadowCalls = try ShadowCallDecoder.calls(in: elf)
        coupling.states = try PlanCoupling.statesOfEveryPart(KlpStateReader.ids(in: elf, patch: module.patch), module.patch)
        return try makePlan(module: module, world: world, sympos: sympos, annotations: annotations,
                            units: LivepatchUnits.read(elf: elf), coupling: coupling, statesInEveryPart: statesInEveryPart)
    }

    static func readLivepatch(_ path: String) throws -> LivepatchModule {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return try LivepatchReader.read(path: path, displayName: name)
    }

    static func makePlan(module: LivepatchModule, world: KernelWorldOptions, sympos: [SymposChoice],
                         annotations: [SymposAnnotation] = [], units: [TranslationUnit] = [],
                         coupling: CouplingInput = CouplingInput(),
                         statesInEveryPart: Bool = false) throws -> Plan {
        var input = try KernelWorldLoader(options: world).load(for: module, sympos: sympos)
        input.annotations = annotations
        input.translationUnits = units
        input.coupling = coupling
        input.statesInEveryPart = statesInEveryPart
        return Planner.plan(input)
    }

    func run() throws {
        let plan: Plan
        do {
            var couplingInput = CouplingInput()
            couplingInput.acceptances = coupling.acceptances
            couplingInput.strict = strict
            plan = try Self.makePlan(livepatch: livepatch, world: world, sympos: positions.choices, coupling: couplingInput,
                                     statesInEveryPart: statesInEveryPart)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        switch format {
        case .text:
            let text = PlanTextRenderer.render(plan)
            Terminal.output(colour.useColour ? PlanTextColouring.apply(text) : text)
        case .json:
            Terminal.output(PlanJSONRenderer.render(plan))
            plan.diagnostics.forEach { Terminal.error($0.rendered) }
        case .dot:
            Terminal.output(PlanDOTRenderer.render(plan))
            plan.diagnostics.forEach { Terminal.error($0.rendered) }
        case .svg:
            do {
                Terminal.output(try GraphvizRenderer.svg(fromDOT: PlanDOTRenderer.render(plan)))
            } catch {
                Terminal.error("\(error)")
                throw ExitCode(1)
            }
            plan.diagnostics.forEach { Terminal.error($0.rendered) }
        }
        if plan.errorCount > 0 {
            Terminal.error("error: the plan has \(plan.errorCount) error(s); fix them before 'klp-split build'")
            throw ExitCode(2)
        }
    }
}
