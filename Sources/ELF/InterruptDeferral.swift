#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Holds back SIGINT, SIGTERM and SIGHUP while output files are written, so an interrupt never
/// leaves a partial module or a temporary file behind.
///
/// During `run` the three signals only record that they arrived (handlers installed with
/// `sigaction(2)` and `SA_RESTART`, so `write` and `fsync` are not cut short); when the last
/// active `run` returns or throws, and after its cleanup (temporary files removed, renames
/// done), the previous handlers are restored and a recorded signal is raised again, so the
/// process still ends the way the user asked, with every output either complete or absent.
/// Nested calls just run their body. Calls on several threads at once (the tests write in
/// parallel) share one deferral: the first installs the handlers, the last restores them; the
/// count and the saved handlers live behind a `Mutex`, and the handler stores into an `Atomic`
/// (lock-free, so async-signal-safe).
package enum InterruptDeferral {
    /// The corresponding C constants are SIGINT, SIGTERM and SIGHUP.
    static let deferredSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    package static func run<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        enter()
        defer { leave() }
        return try body()
    }

    private static func enter() {
        deferral.withLock { state in
            if state.depth == 0 {
                state.previous = Array(repeating: Glibc.sigaction(), count: deferredSignals.count)
                for (index, signal) in deferredSignals.enumerated() {
                    var action = Glibc.sigaction()
                    action.__sigaction_handler.sa_handler = { received in
                        pendingSignal.store(received, ordering: .relaxed)
                    }
                    sigemptyset(&action.sa_mask)
                    action.sa_flags = SA_RESTART
                    sigaction(signal, &action, &state.previous[index])
                }
            }
            state.depth += 1
        }
    }

    private static func leave() {
        let received: Int32 = deferral.withLock { state in
            state.depth -= 1
            guard state.depth == 0 else { return 0 }
            for (index, signal) in deferredSignals.enumerated() { sigaction(signal, &state.previous[index], nil) }
            return pendingSignal.exchange(0, ordering: .relaxed)
        }
        if received != 0 { raise(received) }
    }
}

/// How many `InterruptDeferral.run` calls are active, on any thread, and the handlers the first
/// one replaced.
private struct DeferralState {
    var depth = 0
    var previous: [Glibc.sigaction] = []
}

private let deferral = Mutex(DeferralState())
/// The signal that arrived during `InterruptDeferral.run`, 0 when none (written by the handler).
private let pendingSignal = Atomic<Int32>(0)
