import ArgumentParser
import Convert
import ELF
import KernelWorld
import Livepatch
import ModuleCrypto
import Planner

/// `klp-split build`: one loadable livepatch module per part, plus the load policy.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Write one livepatch module per patched object, a modprobe.d file and a load order.",
        discussion: """
            Writes OUTDIR/<part>.ko for every part (<patch> for vmlinux, <patch>__<module> for each \
            module), OUTDIR/<patch>.conf (modprobe.d rules: on-demand loading and safe removal) and \
            OUTDIR/load-order (eager loading). With --sign-key and --sign-cert every module is signed as \
            kbuild's scripts/sign-file signs it. Nothing is written when anything fails. Exit status: \
            0 ok, 1 an input cannot be read or a module cannot be built, 2 the plan has errors, 64 usage.
            """)

    @Argument(help: ArgumentHelp("The combined livepatch module.", valueName: "LIVEPATCH.ko"))
    var livepatch: String

    @OptionGroup(title: "Kernel world")
    var world: KernelWorldOptions

    @OptionGroup(title: "Symbol positions")
    var positions: SymposOptions

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The directory to write the parts to (created if missing).", valueName: "OUTDIR"))
    var output: String

    @Flag(name: .customLong("no-replace"), help: "Build the parts of a replace = true patch as non-replacing patches.")
    var noReplace = false

    @Flag(name: .customLong("states-in-every-part"), help: "Split a patch with klp_state entries by giving every part its own copy of them (rule klp-state).")
    var statesInEveryPart = false

    @Flag(name: [.customShort("n"), .customLong("dry-run")], help: "Build everything in memory, write nothing.")
    var dryRun = false

    @OptionGroup(title: "Signing")
    var signing: SigningOptions

    func run() throws {
        let module: LivepatchModule
        var input: PlanInput
        let image: ELFImage
        let moduleBytes: [UInt8]
        let signer: ModuleSigner?
        do {
            signer = try signing.signer(world: world)
            module = try PlanCommand.readLivepatch(livepatch)
            input = try KernelWorldLoader(options: world).load(for: module, sympos: positions.choices)
            let elf = try ELFFile(path: livepatch)
            image = try ELFImage(reading: elf)
            moduleBytes = try elf.moduleBytes()
            SignedInput.note(elf.signature, file: module.file, signing: signer != nil)
            input.annotations = try KlpConvertAnnotations.read(elf: elf, image: image, file: module.file)
            input.translationUnits = LivepatchUnits.read(elf: elf)
            input.coupling.shadowCalls = try ShadowCallDecoder.calls(in: elf)
            input.coupling.states = try PlanCoupling.statesOfEveryPart(KlpStateReader.ids(in: elf, patch: module.patch), module.patch)
            input.statesInEveryPart = statesInEveryPart
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        let plan = Planner.plan(input)
        plan.diagnostics.filter { $0.severity != .note }.forEach { Terminal.error($0.rendered) }
        let parts: [SplitBuilder.PartModule]
        let provenance = BuildProvenance(patch: plan.patch, moduleBytes: moduleBytes, targets: input.moduleBuilds)
        do {
            parts = try SplitBuilder.build(input: image, livepatch: module, plan: plan, noReplace: noReplace,
                                           provenance: provenance)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(error.kind == .planHasErrors ? 2 : 1)
        }
        var dependencies: [String: [String]] = [:]
        for (object, modules) in input.dependencies { dependencies[object.rawValue] = modules.map(\.rawValue).sorted() }
        let policy: String
        do {
            policy = try LoadPolicy.modprobeConf(plan, dependencies: dependencies, provenance: provenance,
                                                 architecture: module.architecture)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
        let files: [OutputDirectory.File] = parts.map { .module("\($0.name).ko", $0.image) } + [
            .text("\(plan.patch).conf", policy),
            .text("load-order", LoadPolicy.loadOrderFile(plan)),
        ]
        if dryRun {
            Terminal.output("dry run: would write \(files.map(\.name).joined(separator: ", ")) to \(output)\n")
            return
        }
        do {
            try OutputDirectory(path: output, inputs: [livepatch],
                                moduleTrailer: signer.map { signer in { SigningOptions.trailer(signer, file: $0) } }).write(files)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        Terminal.output(summary(plan: plan, parts: parts) + (signer.map(SignedInput.summary) ?? ""))
    }

    private func summary(plan: Plan, parts: [SplitBuilder.PartModule]) -> String {
        var lines: [String] = []
        for part in plan.parts {
            let references = plan.references.filter { $0.part == part.name }
            let klp = references.filter { [.patchedModuleExport, .otherModuleExport, .vmlinuxLocal, .moduleLocal].contains($0.category) }
            let depends = part.dependsOn.isEmpty ? "" : ", depends on \(part.dependsOn.joined(separator: ", "))"
            lines.append("wrote \(output)/\(part.name).ko: patches \(part.object) (\(part.functions.count) function(s)), \(klp.count) klp relocation(s)\(depends)")
        }
        lines.append("wrote \(output)/\(plan.patch).conf (modprobe.d) and \(output)/load-order")
        return lines.joined(separator: "\n") + "\n"
    }
}
