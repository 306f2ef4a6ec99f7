#if canImport(Glibc)
import Glibc
#endif

/// Where results (stdout) and diagnostics (stderr) go: written with write(2), unbuffered.
enum Terminal {
    static func output(_ text: String) { write(to: 1, text) }

    /// True when stdout is a terminal (colour is used only then) and `NO_COLOR` is not set.
    static var outputIsTerminal: Bool { isatty(1) == 1 && getenv("NO_COLOR") == nil }

    static func error(_ line: String) { write(to: 2, line.hasSuffix("\n") ? line : line + "\n") }

    /// Writes to stderr as is (no newline added): progress lines that overwrite themselves.
    static func errorRaw(_ text: String) { write(to: 2, text) }

    private static func write(to descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
