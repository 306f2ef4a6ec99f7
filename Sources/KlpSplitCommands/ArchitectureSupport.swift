import ArgumentParser
import ELF
import Livepatch

/// Which architectures each command supports. `plan`, `check` and `symbols` read ppc64le (ELFv2);
/// `build` and `convert` write x86-64 modules only: ppc64le parts need `.toc` slots, `.stubs`
/// and `.TOC.` kept per part, which the writer does not do yet (issue 22).
enum ArchitectureSupport {
    /// Stops `command` (exit 1, one line) for a livepatch it cannot write.
    static func requireWritable(_ module: LivepatchModule, command: String) throws {
        guard module.architecture != .x86_64 else { return }
        Terminal.error("\(module.file): error: 'klp-split \(command)' does not write \(module.architecture) modules yet (their .toc slots, .stubs and .TOC. are not split per part); 'klp-split plan' and 'klp-split check' read them")
        throw ExitCode(1)
    }
}
