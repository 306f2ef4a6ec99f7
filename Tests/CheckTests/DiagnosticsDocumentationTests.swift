import Check
import Foundation
import Testing
import TestSupport

/// docs/diagnostics.md explains every diagnostic id the code can print: every check rule
/// (`Rule.all`) and every id the Planner passes to `fail`, `warn` or `note`.
@Suite("docs/diagnostics.md covers every diagnostic id")
struct DiagnosticsDocumentationTests {
    static let page = (try? String(contentsOfFile: Repository.path("docs/diagnostics.md"), encoding: .utf8)) ?? ""

    /// A table row of the page that starts with the id in backticks.
    static func documented(_ id: String) -> Bool { page.contains("\n| `\(id)` |") }

    @Test("every check rule id has a row")
    func checkRules() {
        #expect(!Self.page.isEmpty)
        let missing = Rule.all.map(\.id).filter { !Self.documented($0) }
        #expect(missing.isEmpty, "missing from docs/diagnostics.md: \(missing)")
    }

    @Test("every Planner diagnostic id has a row, and every Planner diagnostic uses a literal id")
    func plannerIds() throws {
        let directory = Repository.path("Sources/Planner")
        var ids: Set<String> = []
        var nonLiteral: [String] = []
        let call = try NSRegularExpression(pattern: #"(?<![A-Za-z_.])(fail|warn|note)\((\S)"#)
        let literal = try NSRegularExpression(pattern: #"(?<![A-Za-z_.])(?:fail|warn|note)\("([a-z0-9-]+)""#)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            let range = NSRange(text.startIndex..., in: text)
            for match in call.matches(in: text, range: range) {
                let next = Range(match.range(at: 2), in: text).map { String(text[$0]) }
                if next != "\"" && next != "_" { nonLiteral.append("\(file): \(next ?? "")") }
            }
            for match in literal.matches(in: text, range: range) {
                if let id = Range(match.range(at: 1), in: text) { ids.insert(String(text[id])) }
            }
        }
        #expect(ids.count >= 20, "found only \(ids.sorted())")
        #expect(nonLiteral.isEmpty, "Planner diagnostics with a computed id: \(nonLiteral)")
        let missing = ids.sorted().filter { !Self.documented($0) }
        #expect(missing.isEmpty, "missing from docs/diagnostics.md: \(missing)")
    }
}
