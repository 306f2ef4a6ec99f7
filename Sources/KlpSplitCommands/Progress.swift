#if canImport(Glibc)
import Glibc
#endif

/// Progress lines for long work (reading a full kernel world), on stderr and only when stderr is a
/// terminal: each step overwrites the last, and `finish()` clears the line. Piped or redirected
/// stderr gets nothing, so logs and tests stay clean.
struct Progress {
    let enabled: Bool

    /// Enabled when stderr is a terminal that can clear a line (`TERM` is not `dumb`).
    static var onStandardError: Progress {
        let term = getenv("TERM").map { String(cString: $0) }
        return Progress(enabled: isatty(2) == 1 && term != "dumb")
    }

    func step(_ what: String) {
        guard enabled else { return }
        Terminal.errorRaw("\r\u{1B}[Kklp-split: \(what)...")
    }

    func finish() {
        guard enabled else { return }
        Terminal.errorRaw("\r\u{1B}[K")
    }
}
