#if canImport(Glibc)
import Glibc
#endif

/// Holds back SIGINT, SIGTERM and SIGHUP while output files are written, so an interrupt never
/// leaves a partial module or a temporary file behind.
///
/// During `run` the three signals only record that they arrived (handlers installed with
/// `sigaction(2)` and `SA_RESTART`, so `write` and `fsync` are not cut short); when the outermost
/// `run` returns or throws, and after its cleanup (temporary files removed, renames done), the
/// previous handlers are restored and a recorded signal is raised again, so the process still
/// ends the way the user asked, with the output either complete or absent. Nested calls just run
/// their body. The process is single-threaded while it writes, as the commands are.
package enum InterruptDeferral {
    /// The corresponding C constants are SIGINT, SIGTERM and SIGHUP.
    static let deferredSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    package static func run<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        if deferralDepth > 0 { return try body() }
        var previous = Array(repeating: Glibc.sigaction(), count: deferredSignals.count)
        for (index, signal) in deferredSignals.enumerated() {
            var action = Glibc.sigaction()
            action.__sigaction_handler.sa_handler = { received in pendingSignal = received }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signal, &action, &previous[index])
        }
        deferralDepth += 1
        defer {
            deferralDepth -= 1
            for (index, signal) in deferredSignals.enumerated() { sigaction(signal, &previous[index], nil) }
            let received = pendingSignal
            pendingSignal = 0
            if received != 0 { raise(received) }
        }
        return try body()
    }
}

/// The signal that arrived during `InterruptDeferral.run`, 0 when none (written by the handler).
private nonisolated(unsafe) var pendingSignal: Int32 = 0
/// How many `InterruptDeferral.run` calls are active on the (single) writing thread.
private nonisolated(unsafe) var deferralDepth = 0
