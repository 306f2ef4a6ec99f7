import Foundation

/// A directory under the system temporary directory, removed when the value is released.
package final class ScratchCopies {
    package let path: String

    package init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A copy of `source` made by `strip --strip-debug` (binutils): no `.debug_*` sections.
    package func strippedCopy(of source: String) throws -> String {
        let output = path + "/" + URL(fileURLWithPath: source).lastPathComponent
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["strip", "--strip-debug", "-o", output, source]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StripFailed(status: process.terminationStatus) }
        return output
    }

    package struct StripFailed: Error { package let status: Int32 }
}
