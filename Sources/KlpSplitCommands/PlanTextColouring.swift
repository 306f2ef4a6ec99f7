import Planner

/// Colours a rendered plan tree (`PlanTextRenderer`) for a terminal: each category label in its
/// colour, `[error]` and diagnostic severities as a compiler prints them. The plain text is
/// unchanged apart from the ANSI escapes, so goldens stay colourless.
enum PlanTextColouring {
    /// ANSI SGR codes: A green, B yellow, other module exports and C/D cyan, non-exported symbols
    /// blue, ambiguous and unresolved red.
    static func code(for category: Category) -> String {
        switch category {
        case .vmlinuxExport: "32"
        case .patchedModuleExport: "33"
        case .otherModuleExport, .mainLivepatchExport, .interLivepatch: "36"
        case .vmlinuxLocal, .moduleLocal: "34"
        case .ambiguous, .unresolved: "1;31"
        }
    }

    static func apply(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { colourLine(String($0)) }
            .joined(separator: "\n")
    }

    private static func paint(_ text: String, _ code: String) -> String { "\u{1B}[\(code)m\(text)\u{1B}[0m" }

    private static func colourLine(_ line: String) -> String {
        var line = line
        // The tree's drawing characters come first; a category label may follow them.
        let treeCharacters: Set<Character> = ["│", "├", "└", "─", " "]
        let start = line.firstIndex { !treeCharacters.contains($0) } ?? line.endIndex
        let rest = line[start...]
        for category in Category.allCases {
            let label = category.label
            guard rest.hasPrefix(label) else { continue }
            let after = rest.dropFirst(label.count)
            guard after.isEmpty || after.hasPrefix(":") else { continue }
            line = String(line[..<start]) + paint(label, code(for: category)) + String(after)
            break
        }
        line = line.replacing("[error]", with: paint("[error]", "1;31"))
        for (severity, code) in [("error", "1;31"), ("warning", "1;35"), ("note", "1;36")] {
            if let range = line.firstRange(of: " \(severity): ") {
                line.replaceSubrange(range, with: " " + paint("\(severity):", code) + " ")
                break
            }
        }
        return line
    }
}
