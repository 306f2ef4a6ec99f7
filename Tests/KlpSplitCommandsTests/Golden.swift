import Foundation
import Testing
import TestSupport

/// Golden-file comparison: re-record with `RECORD_GOLDEN=1 swift test`; a mismatch shows a line diff.
enum Golden {
    static func check(_ actual: String, against name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = Repository.path("Tests/KlpSplitCommandsTests/Golden/\(name)")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("golden file \(name) is missing; record it with RECORD_GOLDEN=1 swift test", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record("\(name) differs from the golden file (re-record with RECORD_GOLDEN=1 if intended):\n\(lineDiff(expected, actual))",
                         sourceLocation: sourceLocation)
        }
    }

    static func lineDiff(_ expected: String, _ actual: String) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(a.count, b.count) {
            let left = i < a.count ? String(a[i]) : nil
            let right = i < b.count ? String(b[i]) : nil
            if left != right {
                if let left { out.append("-\(i + 1): \(left)") }
                if let right { out.append("+\(i + 1): \(right)") }
            }
            if out.count > 40 { out.append("..."); break }
        }
        return out.joined(separator: "\n")
    }
}
