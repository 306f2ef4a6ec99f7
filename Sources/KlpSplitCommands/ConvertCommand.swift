import ArgumentParser
import Convert
import ELF
import KernelWorld
import Livepatch
import ModuleCrypto
import Planner

/// `klp-split convert`: klp-convert done right for one livepatch module, without splitting it.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Turn every non-exported reference and every module export of one livepatch into a klp relocation.",
        discussion: """
            The module keeps its name, its one klp_patch with all its objects, and all its code and data \
            (DWARF is dropped). Positions of duplicated names come from klp-convert annotations \
            (KLP_MODULE_RELOC/KLP_SYMPOS, applied per translation unit) or --sympos. OUT.ko is written \
            atomically, never over the input, and not at all on error. Exit status: 0 ok, 1 an input \
            cannot be read or the module cannot be written, 2 a reference cannot be converted, 64 usage.
            """)

    @Argument(help: ArgumentHelp("The livepatch module.", valueName: "IN.ko"))
    var livepatch: String

    @OptionGroup(title: "Kernel world")
    var world: KernelWorldOptions

    @OptionGroup(title: "Symbol positions")
    var positions: SymposOptions

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The converted module to write.", valueName: "OUT.ko"))
    var output: String

    @Flag(name: [.customShort("n"), .customLong("dry-run")], help: "Convert in memory, write nothing.")
    var dryRun = false

    @OptionGroup(title: "Signing")
    var signing: SigningOptions

    func run() throws {
        let module: LivepatchModule
        var input: PlanInput
        let image: ELFImage
        let signer: ModuleSigner?
        do {
            signer = try signing.signer(world: world)
            module = try PlanCommand.readLivepatch(livepatch)
            let elf = try ELFFile(path: livepatch)
            SignedInput.note(elf.signature, file: module.file, signing: signer != nil)
            image = try ELFImage(reading: elf)
            let annotations = try KlpConvertAnnotations.read(elf: elf, image: image, file: module.file)
            input = try KernelWorldLoader(options: world).load(for: module, sympos: positions.choices)
            input.annotations = annotations
            input.wholeModule = true
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        let plan = Planner.plan(input)
        plan.diagnostics.filter { $0.severity != .note }.forEach { Terminal.error($0.rendered) }
        let converted: ELFImage
        do {
            converted = try WholeModuleBuilder.build(input: image, livepatch: module, plan: plan)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(error.kind == .planHasErrors ? 2 : 1)
        }
        if dryRun {
            Terminal.output("dry run: would write \(output)\n")
            return
        }
        do {
            try ELFWriter.write(converted, to: output, inputs: [livepatch],
                                trailer: signer.map { SigningOptions.trailer($0, file: output) })
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        Terminal.output(Self.summary(plan: plan, output: output) + (signer.map(SignedInput.summary) ?? ""))
    }

    static func summary(plan: Plan, output: String) -> String {
        let klp = plan.references.filter { $0.relocationObject != nil }
        var bySection: [String: Int] = [:]
        for reference in klp { bySection[".klp.rela.\(reference.relocationObject ?? "?")", default: 0] += 1 }
        let detail = bySection.sorted { $0.key < $1.key }.map { "\($0.value) in \($0.key).*" }.joined(separator: ", ")
        return "wrote \(output): \(plan.patch), \(klp.count) klp relocation(s)\(detail.isEmpty ? "" : " (\(detail))")\n"
    }
}
