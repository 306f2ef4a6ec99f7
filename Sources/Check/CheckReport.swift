import FoundationEssentials
import KernelWorld

/// The outcome of `check`: every finding, sorted (by module in the order given, errors first, then
/// location, rule id and message), and the counts the gate decides on.
package struct CheckReport: Sendable {
    /// One checked module, as the JSON output lists it.
    package struct ModuleSummary: Sendable, Encodable, Equatable {
        package let file: String
        package let name: String
        package let objects: [String]
        package let errors: Int
        package let warnings: Int
        /// The appended signature (`SignatureState`).
        package let signature: SignatureState
    }

    package let modules: [ModuleSummary]
    package let findings: [Finding]
    /// The target kernel the world named (`CheckWorld.target`), for the header line.
    package var target: TargetKernel?

    package init(modules: [CheckedModule], findings: [Finding]) {
        let order = Dictionary(modules.enumerated().map { ($0.element.file, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let sorted = findings.enumerated().sorted { a, b in
            let x = a.element, y = b.element
            let left = (order[x.file] ?? Int.max, x.severity == .error ? 0 : 1, x.location ?? "", x.id, x.message, a.offset)
            let right = (order[y.file] ?? Int.max, y.severity == .error ? 0 : 1, y.location ?? "", y.id, y.message, b.offset)
            return left < right
        }.map(\.element)
        var unique: [Finding] = []
        for finding in sorted where unique.last != finding { unique.append(finding) }
        self.findings = unique
        self.modules = modules.map { module in
            ModuleSummary(file: module.file, name: module.name, objects: module.patchedObjects.map(\.rawValue),
                          errors: unique.filter { $0.file == module.file && $0.severity == .error }.count,
                          warnings: unique.filter { $0.file == module.file && $0.severity == .warning }.count,
                          signature: module.signature)
        }
    }

    package var errorCount: Int { findings.filter { $0.severity == .error }.count }
    package var warningCount: Int { findings.filter { $0.severity == .warning }.count }

    /// The ids of the rules broken, sorted and without repeats.
    package var ruleIDs: [String] { Array(Set(findings.map(\.id))).sorted() }

    /// `target 6.12.118+deb12-amd64 (-k), modules .ko.xz`: what the modules were checked against.
    package var header: String {
        target.map { "target \($0.summary)" } ?? "target kernel unknown (no release in the world or the modules' vermagic)"
    }

    /// `N error(s), N warning(s) in N module(s)`.
    package var summary: String {
        "\(errorCount) error(s), \(warningCount) warning(s) in \(modules.count) module(s)"
    }

    /// One finding per line, then the summary line. With `colour` (stdout is a terminal), the
    /// severity is red (error) or magenta (warning), as compilers print it.
    package func renderText(colour: Bool = false) -> String {
        let lines = findings.map { finding -> String in
            guard colour else { return finding.rendered }
            let code = finding.severity == .error ? "1;31" : "1;35"
            let plain = "\(finding.severity.rawValue):"
            var line = finding.rendered
            if let first = line.firstRange(of: " \(plain) ") {
                line.replaceSubrange(first, with: " \u{1B}[\(code)m\(plain)\u{1B}[0m ")
            }
            return line
        }
        let signatures = modules.map { "\($0.file): signature: \($0.signature.summary)" }
        return ([header] + signatures + lines + [summary]).joined(separator: "\n") + "\n"
    }

    /// `schemaVersion` 2 (1 plus `modules[].signature`): sorted keys, pretty-printed, no absolute paths (docs/json-schema.md).
    package func renderJSON(strict: Bool) -> String {
        struct Document: Encodable {
            let schemaVersion: Int
            let strict: Bool
            let passed: Bool
            let modules: [ModuleSummary]
            let findings: [Finding]
            let summary: Summary
            let target: TargetKernel?
        }
        struct Summary: Encodable {
            let errors: Int
            let warnings: Int
            let modules: Int
        }
        let document = Document(schemaVersion: 2, strict: strict, passed: passes(strict: strict), modules: modules,
                                findings: findings,
                                summary: Summary(errors: errorCount, warnings: warningCount, modules: modules.count),
                                target: target)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The gate: no errors, and with `strict` no warnings either.
    package func passes(strict: Bool) -> Bool {
        errorCount == 0 && (!strict || warningCount == 0)
    }
}
