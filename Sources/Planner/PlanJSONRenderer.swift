import FoundationEssentials

/// Renders a plan as JSON: `schemaVersion` 1, sorted keys, no absolute paths (docs/json-schema.md).
package enum PlanJSONRenderer {
    package static func render(_ plan: Plan) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(plan) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
