#if canImport(Glibc)
import Glibc
#endif
@testable import ELF
import Testing

/// `InterruptDeferral` when several threads write at once (as the tests do): one shared deferral,
/// the handlers restored by the last one out. ThreadSanitizer found the unsynchronised depth
/// counter of the first version (docs/robustness.md).
@Suite("InterruptDeferral")
struct InterruptDeferralTests {
    /// The SIGHUP handler now (SIGHUP: the test runner does not use it).
    private static func currentHandler() -> sighandler_t? {
        var action = sigaction()
        sigaction(SIGHUP, nil, &action)
        return action.__sigaction_handler.sa_handler
    }

    @Test("overlapping runs on 8 threads defer SIGHUP while any runs, and leave the handler as it was")
    func concurrentRuns() async throws {
        // The deferral's own handler, seen from inside a run; the handler from before is the one
        // installed when no run is active (other suites may be inside one right now).
        var deferring: sighandler_t?
        InterruptDeferral.run { () -> Void in deferring = Self.currentHandler() }
        let own = deferring.map { unsafeBitCast($0, to: Int.self) }
        var before = Self.currentHandler()
        for _ in 0..<500 where before.map({ unsafeBitCast($0, to: Int.self) }) == own {
            usleep(10_000)
            before = Self.currentHandler()
        }
        try #require(before.map { unsafeBitCast($0, to: Int.self) } != own)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<50 {
                        InterruptDeferral.run { () -> Void in
                            // Inside: SIGHUP only records, so the process lives on.
                            #expect(Self.currentHandler().map { unsafeBitCast($0, to: Int.self) } == own)
                            usleep(100)
                        }
                    }
                }
            }
        }
        // Other suites write modules in parallel, each inside a run of its own; once none is
        // running the handler must be the one from before (the first version could leave its
        // own handler installed for good). Re-raising a held-back signal is scripts/interrupt.py's.
        var restored = false
        for _ in 0..<500 where !restored {
            restored = Self.currentHandler().map { unsafeBitCast($0, to: Int.self) } == before.map { unsafeBitCast($0, to: Int.self) }
            if !restored { usleep(10_000) }
        }
        #expect(restored)
    }
}
