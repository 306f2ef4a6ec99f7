import Foundation

/// Paths into the repository, found from this file's location (no working-directory assumptions).
package enum Repository {
    package static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    package static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    package static let world = path("Fixtures/world")
    package static func fixture(_ name: String) -> String { path("Fixtures/modules/\(name).ko") }

    /// The `klp-split` executable built next to the test bundle.
    package static var executable: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("klp-split").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        for build in [".build/debug", ".build/release"] {
            let path = Repository.path("\(build)/klp-split")
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "klp-split"
    }
}

/// The result of running a command.
package struct ProcessResult {
    package let status: Int32
    package let stdout: String
    package let stderr: String
}

/// Runs a program and collects its output.
package func runProcess(_ program: String, _ arguments: [String], currentDirectory: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// `which`: the absolute path of a program on PATH.
package func which(_ program: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(directory)/\(program)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}
