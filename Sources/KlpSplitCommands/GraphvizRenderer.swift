import Foundation

/// `plan --format svg`: the plan's DOT piped through Graphviz's `dot -Tsvg`.
enum GraphvizRenderer {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `dot` on PATH, if any.
    static func findDot() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/dot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The SVG `dot -Tsvg` makes of `dot`; throws a one-line message when Graphviz is missing or fails.
    static func svg(fromDOT source: String) throws -> String {
        guard let dot = findDot() else {
            throw Failure(description: "error: --format svg needs Graphviz's 'dot', which is not on PATH; install it ('apt-get install graphviz') or use --format dot")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dot)
        process.arguments = ["-Tsvg"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(description: "\(dot): error: cannot run Graphviz (\(error)); reinstall it ('apt-get install --reinstall graphviz') or use --format dot")
        }
        // Write on another thread so a large graph cannot fill both pipes at once.
        let writer = Thread {
            input.fileHandleForWriting.write(Data(source.utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let svg = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = String(decoding: message, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "no message"
            throw Failure(description: "\(dot): error: 'dot -Tsvg' failed with status \(process.terminationStatus) (\(reason)); use --format dot to see the graph source")
        }
        return String(decoding: svg, as: UTF8.self)
    }
}
