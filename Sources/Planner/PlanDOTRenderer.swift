/// Renders a plan as a Graphviz digraph: patched objects and parts are nodes, edges are coloured by category.
package enum PlanDOTRenderer {
    /// Edge colours, one per category (also the legend in docs/json-schema.md).
    package static let colors: [Category: String] = [
        .vmlinuxExport: "gray50", .patchedModuleExport: "darkorange", .otherModuleExport: "goldenrod",
        .mainLivepatchExport: "royalblue", .interLivepatch: "purple", .vmlinuxLocal: "darkgreen",
        .moduleLocal: "forestgreen", .ambiguous: "red", .unresolved: "red",
    ]

    package static func render(_ plan: Plan) -> String {
        var out: [String] = []
        out.append("digraph \(quote(plan.patch)) {")
        out.append("  rankdir=LR;")
        out.append("  node [fontname=\"monospace\", fontsize=10];")
        out.append("  edge [fontname=\"monospace\", fontsize=9];")
        var objects = Set(plan.parts.map(\.object))
        for reference in plan.references where [.vmlinuxExport, .patchedModuleExport, .otherModuleExport, .vmlinuxLocal, .moduleLocal, .ambiguous].contains(reference.category) {
            if let owner = reference.owner { objects.insert(owner) }
        }
        for object in objects.sorted() {
            out.append("  \(quote("object:" + object)) [shape=box3d, label=\(quote(object))];")
        }
        for part in plan.parts {
            let label = part.isMain ? "\(part.name)\\n(main part)" : part.name
            out.append("  \(quote("part:" + part.name)) [shape=box, style=\"rounded,filled\", fillcolor=\"lightyellow\", label=\"\(label)\"];")
            out.append("  \(quote("part:" + part.name)) -> \(quote("object:" + part.object)) [style=bold, label=\"patches \(part.functions.count)\"];")
        }
        struct EdgeKey: Hashable, Comparable {
            let from: String, to: String, category: Category
            static func < (a: EdgeKey, b: EdgeKey) -> Bool { (a.from, a.to, a.category) < (b.from, b.to, b.category) }
        }
        var edges: [EdgeKey: (symbols: Set<String>, ok: Bool)] = [:]
        for reference in plan.references {
            guard let owner = reference.owner else { continue }
            let to = [.mainLivepatchExport, .interLivepatch].contains(reference.category) ? "part:" + owner : "object:" + owner
            let key = EdgeKey(from: "part:" + reference.part, to: to, category: reference.category)
            var value = edges[key] ?? ([], true)
            value.symbols.insert(reference.symbol)
            value.ok = value.ok && reference.ok
            edges[key] = value
        }
        for key in edges.keys.sorted() {
            guard let value = edges[key] else { continue }
            let names = value.symbols.sorted()
            let shown = names.count > 3 ? names.prefix(3).joined(separator: ", ") + ", +\(names.count - 3)" : names.joined(separator: ", ")
            let label = "\(key.category.letter ?? key.category.rawValue): \(shown)"
            let style = value.ok ? "solid" : "dashed"
            out.append("  \(quote(key.from)) -> \(quote(key.to)) [color=\(colors[key.category] ?? "black"), fontcolor=\(colors[key.category] ?? "black"), style=\(style), label=\(quote(label))];")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    /// `text` as a DOT quoted string: `\` and `"` escaped with a backslash (per Unicode scalar).
    static func quote(_ text: String) -> String {
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in text.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { quoted.append("\\") }
            quoted.append(scalar)
        }
        quoted.append("\"")
        return String(quoted)
    }
}
