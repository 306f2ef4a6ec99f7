import ArgumentParser

/// Where the target kernel's world comes from; kmod's spellings (`-b/--basedir`, `-k/--kernel-release`).
///
/// With no option, the live system is used: `/`, `uname -r` and `/proc/kallsyms`.
struct KernelWorldOptions: ParsableArguments {
    @Option(name: [.customShort("b"), .long], help: ArgumentHelp(
        "An install root laid out like a distro system: lib/modules/REL/ (modules.dep, .ko files) and usr/src/linux-headers-REL/Module.symvers; DIR/proc/kallsyms is used when present.",
        valueName: "DIR"))
    var basedir: String?

    @Option(name: [.customShort("k"), .customLong("kernel-release")], help: ArgumentHelp(
        "The kernel release (default: the only one under DIR/lib/modules, else `uname -r`).", valueName: "REL"))
    var kernelRelease: String?

    @Option(name: .long, help: ArgumentHelp(
        "A kernel build tree or headers directory: its Module.symvers, and vmlinux and System.map when real.",
        valueName: "DIR"))
    var kdir: String?

    @Option(name: .long, help: ArgumentHelp(
        "An extra Module.symvers for out-of-tree exports (KBUILD_EXTRA_SYMBOLS); repeatable.", valueName: "FILE"))
    var symvers: [String] = []

    @Option(name: .long, help: ArgumentHelp("A /proc/kallsyms dump of the target kernel (vmlinux symbol order).",
                                            valueName: "FILE"))
    var kallsyms: String?

    @Option(name: .customLong("system-map"), help: ArgumentHelp("A real System.map of the target kernel.",
                                                                valueName: "FILE"))
    var systemMap: String?

    @Option(name: .long, help: ArgumentHelp("The target kernel's vmlinux with its symbol table.", valueName: "FILE"))
    var vmlinux: String?

    @Option(name: .customLong("symbols-klp"), help: ArgumentHelp(
        "A symbols.klp file (klp-convert's format, as 'klp-split symbols' writes it) as the symbol order of the objects it lists, instead of kallsyms and the .ko files; exports and module dependencies still come from the options above.",
        valueName: "FILE"))
    var symbolsKlp: String?
}
