import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `--color auto|always|never`: whether text results on stdout use colour.
struct ColorOptions: ParsableArguments {
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    @Option(name: .customLong("color"),
            help: "Colour text output: auto (only when stdout is a terminal and NO_COLOR is not set), always or never.")
    var mode: Mode = .auto

    /// True when text output should carry ANSI colour: `always`, or `auto` on a terminal without `NO_COLOR`.
    var useColour: Bool {
        switch mode {
        case .always: true
        case .never: false
        case .auto: Terminal.outputIsTerminal
        }
    }
}
