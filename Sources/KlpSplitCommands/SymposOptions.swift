import ArgumentParser
import Planner

/// `--sympos`: positions for non-exported names that occur more than once in their object.
struct SymposOptions: ParsableArguments {
    @Option(name: .customLong("sympos"), help: ArgumentHelp(
        "Choose the N-th occurrence (kallsyms order, 1-based) of a non-exported SYMBOL; OBJ:SYMBOL=N limits it to one object, FUNCTION:SYMBOL=N to references made inside one livepatch function. Repeatable.",
        valueName: "[OBJ:|FUNCTION:]SYMBOL=N"))
    var sympos: [String] = []

    var choices: [SymposChoice] { sympos.compactMap(SymposChoice.init(parsing:)) }

    func validate() throws {
        for text in sympos where SymposChoice(parsing: text) == nil {
            throw ValidationError("--sympos '\(text)' is not SYMBOL=N, OBJ:SYMBOL=N or FUNCTION:SYMBOL=N with N a number")
        }
    }
}
