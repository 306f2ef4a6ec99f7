/// Renders a plan as a tree in the style of `cargo tree`: one tree per part, then the problems.
package enum PlanTextRenderer {
    package static func render(_ plan: Plan) -> String {
        var out: [String] = []
        let source = plan.metadata == "klp_patch" ? "static klp_patch arrays" : "klp-build metadata (\(plan.metadata))"
        let target = plan.target.map { "; target \($0.summary)" } ?? "; target kernel unknown"
        out.append("\(plan.input): livepatch '\(plan.patch)', \(plan.parts.count) part(s) from \(source), replace = \(plan.replace)\(target)")
        for part in plan.parts {
            out.append("")
            out.append("\(part.name) (\(part.isMain ? "main part, " : "")patches \(part.object))")
            var sections: [(String, [String])] = []
            sections.append(("patches", part.functions.map { function in
                let sympos = function.oldSympos == 0 ? "" : ",\(function.oldSympos)"
                return "\(function.oldName)\(sympos) <- \(function.newFunction)"
            } + part.callbacks.map { "callback \($0)" }))
            if !part.duplicated.isEmpty {
                sections.append(("duplicated into this part", [part.duplicated.joined(separator: ", ")]))
            }
            let references = plan.references.filter { $0.part == part.name }
            let edges = Dictionary(grouping: references.filter { $0.category == .mainLivepatchExport || $0.category == .interLivepatch },
                                   by: { $0.owner ?? "?" })
            if !edges.isEmpty {
                sections.append(("depends on", edges.keys.sorted().map { owner in
                    let items = edges[owner] ?? []
                    let symbols = Set(items.map(\.symbol)).sorted().joined(separator: ", ")
                    let verdict = items.allSatisfy(\.ok) ? "" : "  [error]"
                    return "\(owner): \(items[0].category.label) \(symbols)\(verdict)"
                }))
            }
            let external = references.filter { $0.category != .mainLivepatchExport && $0.category != .interLivepatch }
            let byCategory = Dictionary(grouping: external, by: \.category)
            var lines: [String] = []
            for category in byCategory.keys.sorted() {
                let items = byCategory[category] ?? []
                let bySymbol = Dictionary(grouping: items, by: \.symbol)
                var entries: [String] = []
                for symbol in bySymbol.keys.sorted() {
                    let sites = bySymbol[symbol] ?? []
                    let actions = Set(sites.filter(\.ok).map(\.action)).sorted()
                    var text = "\(symbol)"
                    if let owner = sites[0].owner, category != .vmlinuxExport { text += " [\(owner)]" }
                    if category == .vmlinuxExport {
                        // a normal relocation: nothing to show beyond the name
                    } else if !actions.isEmpty {
                        text += " -> " + actions.joined(separator: "; ")
                    } else {
                        text += "  [error]"
                    }
                    if sites.count > 1 { text += " (\(sites.count) sites)" }
                    entries.append(text)
                }
                if category == .vmlinuxExport {
                    lines.append("\(category.label): \(entries.joined(separator: ", "))")
                } else {
                    lines.append(category.label)
                    lines += entries.map { "  " + $0 }
                }
            }
            if !lines.isEmpty { sections.append(("references", lines)) }
            for (i, section) in sections.enumerated() {
                let last = i == sections.count - 1
                out.append((last ? "└── " : "├── ") + section.0)
                let indent = last ? "    " : "│   "
                let items = groupNested(section.1)
                for (j, item) in items.enumerated() {
                    let lastItem = j == items.count - 1
                    out.append(indent + (lastItem ? "└── " : "├── ") + item.head)
                    for (k, child) in item.children.enumerated() {
                        let lastChild = k == item.children.count - 1
                        out.append(indent + (lastItem ? "    " : "│   ") + (lastChild ? "└── " : "├── ") + child)
                    }
                }
            }
        }
        out.append("")
        if plan.diagnostics.isEmpty {
            out.append("problems: none")
        } else {
            out.append("problems:")
            out += plan.diagnostics.map(\.rendered)
        }
        out.append("\(plan.errorCount) error(s), \(plan.warningCount) warning(s)")
        return out.joined(separator: "\n") + "\n"
    }

    /// Lines that start with two spaces are children of the line before them.
    private static func groupNested(_ lines: [String]) -> [(head: String, children: [String])] {
        var result: [(head: String, children: [String])] = []
        for line in lines {
            if line.hasPrefix("  "), !result.isEmpty {
                result[result.count - 1].children.append(String(line.dropFirst(2)))
            } else {
                result.append((line, []))
            }
        }
        return result
    }
}
