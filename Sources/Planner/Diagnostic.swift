/// One problem found while planning, printed like a compiler diagnostic:
/// `lp.ko: .text.foo+0x12: error: message`.
package struct Diagnostic: Sendable, Codable, Equatable, Comparable {
    package enum Severity: String, Sendable, Codable, Comparable {
        case error, warning, note

        private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    package let severity: Severity
    /// A stable id for the rule, for example `shared-state` or `ambiguous-symbol`.
    package let id: String
    /// The file the problem is in.
    package let file: String
    /// Section, symbol or part inside the file, if any.
    package let location: String?
    package let message: String

    package init(_ severity: Severity, id: String, file: String, location: String?, message: String) {
        self.severity = severity
        self.id = id
        self.file = file
        self.location = location
        self.message = message
    }

    package var rendered: String {
        "\(file): " + (location.map { "\($0): " } ?? "") + "\(severity.rawValue): \(message)"
    }

    package static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        (lhs.severity, lhs.location ?? "", lhs.id, lhs.message) < (rhs.severity, rhs.location ?? "", rhs.id, rhs.message)
    }
}
