#if canImport(Glibc)
import Glibc
#endif

/// `plan --format svg`: the plan's DOT piped through Graphviz's `dot -Tsvg`.
///
/// `dot` runs with `posix_spawn(3)`; one `poll(2)` loop on the calling thread writes the DOT to its
/// stdin (non-blocking) while it reads its stdout and stderr until end of file, so a large graph
/// cannot fill both pipes at once; then `waitpid(2)`. No thread is started: with this, klp-split
/// has no concurrency at all (only `klp-split-bench` uses Dispatch). Foundation's `Process` is not
/// used, so the binary does not load libFoundation (docs/performance.md, "Process start-up").
enum GraphvizRenderer {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `dot` on PATH, if any: the first `DIR/dot` that is an executable regular file.
    static func findDot() -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/dot"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// The SVG `dot -Tsvg` makes of `dot`; throws a one-line message when Graphviz is missing or fails.
    static func svg(fromDOT source: String) throws -> String {
        guard let dot = findDot() else {
            throw Failure(description: "error: --format svg needs Graphviz's 'dot', which is not on PATH; install it ('apt-get install graphviz') or use --format dot")
        }
        let result: ChildResult
        do {
            result = try run(dot, arguments: ["-Tsvg"], input: Array(source.utf8))
        } catch {
            throw Failure(description: "\(dot): error: cannot run Graphviz (\(error.message)); reinstall it ('apt-get install --reinstall graphviz') or use --format dot")
        }
        guard result.status == 0 else {
            let reason = String(decoding: result.errors, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "no message"
            throw Failure(description: "\(dot): error: 'dot -Tsvg' failed with status \(result.status) (\(reason)); use --format dot to see the graph source")
        }
        return String(decoding: result.output, as: UTF8.self)
    }

    /// What a child wrote and how it ended: `status` is the exit status, or the number of the
    /// signal that ended it (as Foundation's `Process.terminationStatus` had it).
    struct ChildResult {
        var output: [UInt8] = []
        var errors: [UInt8] = []
        var status: Int32 = 0
    }

    /// A system call that failed while starting or talking to the child (`strerror` text).
    struct SpawnError: Error {
        let message: String
        init(_ code: Int32) { message = String(cString: strerror(code)) }
    }

    /// Runs `executable` with `arguments`, feeds it `input` on stdin, collects stdout and stderr,
    /// and waits for it. SIGPIPE is blocked meanwhile (a child that exits without reading all of
    /// its input makes `write` fail with EPIPE instead of killing klp-split) and is unblocked in
    /// the child.
    static func run(_ executable: String, arguments: [String], input: [UInt8]) throws(SpawnError) -> ChildResult {
        var pipeSet = pipeSignalSet()
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSet, &previousMask)
        defer {
            // Swallow the SIGPIPE a write to a closed stdin raised, then restore the mask.
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 && sigismember(&previousMask, SIGPIPE) == 0 {
                var now = timespec(tv_sec: 0, tv_nsec: 0)
                _ = sigtimedwait(&pipeSet, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }

        // Three pipes, close-on-exec (the child gets its ends through dup2 onto 0, 1 and 2; no
        // other thread can fork in between, so pipe + FD_CLOEXEC is as good as pipe2 here).
        var ends: [[Int32]] = []
        defer { for descriptor in ends.joined() where descriptor >= 0 { close(descriptor) } }
        for _ in 0..<3 {
            var pair: [Int32] = [-1, -1]
            guard pipe(&pair) == 0 else { throw SpawnError(errno) }
            ends.append(pair)
            for descriptor in pair { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        }
        let (stdinRead, stdinWrite) = (ends[0][0], ends[0][1])
        let (stdoutRead, stdoutWrite) = (ends[1][0], ends[1][1])
        let (stderrRead, stderrWrite) = (ends[2][0], ends[2][1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinRead, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutWrite, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrWrite, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setsigmask(&attributes, &previousMask)
        posix_spawnattr_setsigdefault(&attributes, &pipeSet)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw SpawnError(spawned) }

        // The child's ends are the child's now; the poll loop owns (and closes) stdinWrite.
        for descriptor in [stdinRead, stdoutWrite, stderrWrite] { close(descriptor) }
        ends = [[stdoutRead, stderrRead]]
        var result = ChildResult()
        var failure: SpawnError?
        do {
            (result.output, result.errors) = try exchange(input: input, toChild: stdinWrite,
                                                          childOutput: stdoutRead, childErrors: stderrRead)
        } catch {
            failure = error
            kill(child, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            guard errno == EINTR else { throw SpawnError(errno) }
        }
        if let failure { throw failure }
        let signal = status & 0x7f
        result.status = signal == 0 ? (status >> 8) & 0xff : signal
        return result
    }

    /// The poll loop: writes `input` to `toChild` as the child takes it (closing it at the end, or
    /// as soon as the child closed its end), and reads `childOutput` and `childErrors` until both
    /// reach end of file. Closes `toChild` in every case; the caller closes the other two.
    private static func exchange(input: [UInt8], toChild: Int32, childOutput: Int32, childErrors: Int32)
        throws(SpawnError) -> (output: [UInt8], errors: [UInt8]) {
        var writing = true
        defer { if writing { close(toChild) } }
        _ = fcntl(toChild, F_SETFL, fcntl(toChild, F_GETFL) | O_NONBLOCK)
        var written = 0
        func finishWriting() {
            writing = false
            close(toChild)
        }
        if input.isEmpty { finishWriting() }
        var output: [UInt8] = [], errors: [UInt8] = []
        var outputOpen = true, errorsOpen = true
        var buffer = [UInt8](repeating: 0, count: 65536)
        while writing || outputOpen || errorsOpen {
            var descriptors: [pollfd] = []
            if writing { descriptors.append(pollfd(fd: toChild, events: Int16(POLLOUT), revents: 0)) }
            if outputOpen { descriptors.append(pollfd(fd: childOutput, events: Int16(POLLIN), revents: 0)) }
            if errorsOpen { descriptors.append(pollfd(fd: childErrors, events: Int16(POLLIN), revents: 0)) }
            if poll(&descriptors, nfds_t(descriptors.count), -1) < 0 {
                guard errno == EINTR else { throw SpawnError(errno) }
                continue
            }
            for entry in descriptors where entry.revents != 0 {
                if entry.fd == toChild {
                    let count = input.withUnsafeBytes { bytes in
                        write(toChild, bytes.baseAddress! + written, min(bytes.count - written, 65536))
                    }
                    if count > 0 {
                        written += count
                        if written == input.count { finishWriting() }
                    } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                        continue
                    } else {
                        finishWriting()  // EPIPE: the child stopped reading; its exit status tells why.
                    }
                } else {
                    let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        if entry.fd == childOutput { output += buffer[..<count] } else { errors += buffer[..<count] }
                    } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                        continue
                    } else if entry.fd == childOutput {
                        outputOpen = false
                    } else {
                        errorsOpen = false
                    }
                }
            }
        }
        return (output, errors)
    }

    /// `S_ISREG` and `access(X_OK)`, following symlinks.
    private static func isExecutableFile(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    /// The signal set `{SIGPIPE}`.
    private static func pipeSignalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        return set
    }
}
