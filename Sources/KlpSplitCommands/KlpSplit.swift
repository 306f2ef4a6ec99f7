import ArgumentParser

/// The `klp-split` command line: one subcommand per verb.
public struct KlpSplit: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "klp-split",
        abstract: "Split a combined Linux kernel livepatch into one livepatch module per patched object.",
        subcommands: [PlanCommand.self, BuildCommand.self, CheckCommand.self, ConvertCommand.self, SymbolsCommand.self]
    )
    public init() {}
}
