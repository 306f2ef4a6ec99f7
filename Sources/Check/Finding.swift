/// One violation of a rule, printed like a compiler diagnostic:
/// `lp_cdrom__cdrom.ko: .klp.sym.cdrom.cdrom_mutex,2: error: symbol position 2 for symbol ...`.
package struct Finding: Sendable, Codable, Equatable {
    /// `error` fails the gate; `warning` fails it only with `--strict`.
    package enum Severity: String, Sendable, Codable, Comparable {
        case error, warning

        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    /// The rule's stable id (`Rule.id`), for example `klp-sym-name`.
    package let id: String
    package let severity: Severity
    /// The module file as the user named it, without its directory.
    package let file: String
    /// The section, symbol or `.modinfo` key the finding is about; nil for the whole module.
    package let location: String?
    /// What is wrong and what to do about it.
    package let message: String

    package init(_ rule: Rule, file: String, location: String?, message: String) {
        id = rule.id
        severity = rule.severity
        self.file = file
        self.location = location
        self.message = message
    }

    /// `file: location: severity: message`.
    package var rendered: String {
        "\(file): " + (location.map { "\($0): " } ?? "") + "\(severity.rawValue): \(message)"
    }
}
