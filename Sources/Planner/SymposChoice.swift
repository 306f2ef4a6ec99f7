/// A position chosen by the user for a non-exported name: `--sympos SYMBOL=N`, `OBJ:SYMBOL=N` or
/// `FUNCTION:SYMBOL=N` (the last applies only to references made inside that livepatch function).
///
/// sympos semantics: kernel/livepatch/core.c `klp_find_object_symbol()`; N ≥ 1 is the N-th
/// occurrence in the object's kallsyms order, 0 requires the name to be unique.
package struct SymposChoice: Sendable, Equatable, CustomStringConvertible {
    /// An object name or a livepatch function name; nil applies everywhere.
    package let scope: String?
    package let symbol: String
    package let position: Int

    package init(scope: String?, symbol: String, position: Int) {
        self.scope = scope
        self.symbol = symbol
        self.position = position
    }

    /// Parses `SYMBOL=N`, `SCOPE:SYMBOL=N`; nil when malformed.
    package init?(parsing text: String) {
        guard let equals = text.lastIndex(of: "="), let position = Int(text[text.index(after: equals)...]),
              position >= 0 else { return nil }
        let left = text[..<equals]
        if let colon = left.firstIndex(of: ":") {
            let scope = String(left[..<colon]), symbol = String(left[left.index(after: colon)...])
            guard !scope.isEmpty, !symbol.isEmpty else { return nil }
            self.init(scope: scope, symbol: symbol, position: position)
        } else {
            guard !left.isEmpty else { return nil }
            self.init(scope: nil, symbol: String(left), position: position)
        }
    }

    package var description: String { (scope.map { "\($0):" } ?? "") + "\(symbol)=\(position)" }

    /// Whether this choice applies to a reference to `symbol` in `object`, made inside `function`.
    func applies(to symbol: String, object: String, function: String?) -> Bool {
        guard symbol == self.symbol else { return false }
        guard let scope else { return true }
        return scope == object || scope == function
    }
}
