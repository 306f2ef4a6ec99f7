import ArgumentParser
import Planner

/// `--accept-coupling`: windows between parts the user accepts, each with a written reason
/// (docs/concepts.md, "The consistency window").
struct CouplingOptions: ParsableArguments {
    @Option(name: .customLong("accept-coupling"), help: ArgumentHelp(
        "Accept one coupling finding between parts (RULE and SYMBOL as the finding names them, for example coupling-shadow-id:0x6c70) with the REASON the window is safe: plan reports it as a note, check leaves it out, and it no longer fails --strict. Repeatable.",
        valueName: "RULE:SYMBOL=REASON"))
    var acceptCoupling: [String] = []

    var acceptances: [CouplingAcceptance] { acceptCoupling.compactMap(CouplingAcceptance.init(parsing:)) }

    func validate() throws {
        for text in acceptCoupling {
            if let problem = CouplingAcceptance.problem(in: text) { throw ValidationError("--accept-coupling \(problem)") }
        }
    }
}
