extension SymbolOrder {
    /// The first way this order differs from `other` (count, counting order of names, or any
    /// name's occurrences), or nil when both give the same answer to every question. The packed
    /// and the decoded reading of a module are compared with it (tests, scripts/corpus.sh).
    package func firstDifference(from other: SymbolOrder) -> String? {
        if symbolCount != other.symbolCount { return "\(symbolCount) symbols against \(other.symbolCount)" }
        let order = countingOrderNames
        let otherOrder = other.countingOrderNames
        if let position = order.indices.first(where: { order[$0] != otherOrder[$0] }) {
            return "position \(position) is '\(order[position])' against '\(otherOrder[position])'"
        }
        for name in Set(order).sorted() where occurrences(of: name) != other.occurrences(of: name) {
            return "'\(name)': \(occurrences(of: name)) against \(other.occurrences(of: name))"
        }
        return nil
    }
}

extension ModuleSymbolOrder {
    /// The first way these orders differ from `other`'s (`loaded`, `coming`, unstable names), or nil.
    package func firstDifference(from other: ModuleSymbolOrder) -> String? {
        if object != other.object { return "object \(object) against \(other.object)" }
        if let difference = loaded.firstDifference(from: other.loaded) { return "loaded: \(difference)" }
        if let difference = coming.firstDifference(from: other.coming) { return "coming: \(difference)" }
        if unstableNames != other.unstableNames { return "unstable names differ" }
        return nil
    }
}
