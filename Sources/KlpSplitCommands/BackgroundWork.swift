#if canImport(Glibc)
import Glibc
#endif

/// One piece of work run on a second thread (`pthread_create`) while the calling thread goes on;
/// `result()` waits for it (`pthread_join`) and returns its value or rethrows its error, exactly
/// as calling it there would have. If no thread can be started, `result()` runs the work itself.
///
/// The world loader reads the vmlinux symbol order (a 4 MB kallsyms dump or System.map: about a
/// third of `plan` and `check`) this way, next to Module.symvers, libkmod and the patched modules.
/// The work must not touch state the calling thread uses until `result()`: it gets only its own
/// inputs (`Sendable`), and its value crosses back through the join.
final class BackgroundWork<Value: Sendable>: @unchecked Sendable, ThreadEntry {
    private let work: @Sendable () throws -> Value
    /// Written by the worker before it exits; read by the caller after `pthread_join`.
    private var outcome: Result<Value, any Error>?
    private var thread: pthread_t?

    init(_ work: @escaping @Sendable () throws -> Value) {
        self.work = work
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self as AnyObject).toOpaque()
        if pthread_create(&thread, nil, { context in
            // The thread's own reference, released when the work is done.
            let entry = Unmanaged<AnyObject>.fromOpaque(context!).takeRetainedValue() as! ThreadEntry
            entry.run()
            return nil
        }, context) == 0 {
            self.thread = thread
        } else {
            Unmanaged<AnyObject>.fromOpaque(context).release()
        }
    }

    func run() {
        outcome = Result { try work() }
    }

    /// The work's value, or its error; waits for the thread first.
    func result() throws -> Value {
        if let thread {
            pthread_join(thread, nil)
            self.thread = nil
        }
        if outcome == nil { run() }
        return try outcome!.get()
    }

    /// Never called with a thread still unjoined on the normal path. When the caller fails before
    /// `result()` (a bad Module.symvers, say), the thread is detached instead of waited for: it
    /// holds its own reference, and the error reaches the user without waiting on, for example,
    /// a FIFO given as kallsyms.
    deinit {
        if let thread { pthread_detach(thread) }
    }
}

/// What a started thread calls: the non-generic entry of `BackgroundWork`.
protocol ThreadEntry: AnyObject {
    func run()
}
