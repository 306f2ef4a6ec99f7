import Livepatch

/// A coupling rule: code of two parts that the split lets run half patched, part X's new code next
/// to part Y's old code (docs/concepts.md, "The consistency window"). Unsplit, one livepatch moves
/// every object in one transition; split, each part transitions on its own (kernel/livepatch/
/// transition.c works per `klp_patch`), and a module's part only when that module loads.
///
/// The raw values are the ids in `plan`, `check` and `--accept-coupling` (docs/diagnostics.md).
package enum CouplingRule: String, Sendable, Codable, CaseIterable, Comparable {
    /// New code of one part calls, or takes the address of, a function another part patches,
    /// through an export or a klp relocation: it reaches the old function until that part is patched.
    case patchedCall = "coupling-patched-call"
    /// New code of one part calls, or takes the address of, another part's replacement function
    /// directly (C or D): it runs that new code before that part's transition is done.
    case replacementCall = "coupling-replacement-call"
    /// Several parts use a shadow variable with the same constant id (kernel/livepatch/shadow.c
    /// finds a variable by `<obj, id>`), so they share data across their own transitions.
    case shadowID = "coupling-shadow-id"
    /// Several parts pass shadow ids klp-split could not decode, so they may share one.
    case shadowUnknown = "coupling-shadow-unknown"
    /// Several parts declare one `klp_state` id (kernel/livepatch/state.c): each part's
    /// callbacks would set up or tear down the state on their own.
    case stateID = "coupling-state-id"
    /// A callback of one part uses code or data of an object another part patches.
    case callbackObject = "coupling-callback-object"

    package static func < (lhs: CouplingRule, rhs: CouplingRule) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }

    /// One line: what the rule finds.
    package var summary: String {
        switch self {
        case .patchedCall: "a part's new code calls or takes the address of a function another part patches"
        case .replacementCall: "a part's new code calls or takes the address of another part's replacement function"
        case .shadowID: "two parts use a shadow variable with the same constant id"
        case .shadowUnknown: "two parts use shadow ids that could not be decoded"
        case .stateID: "two parts declare the same klp_state id"
        case .callbackObject: "a part's callback touches an object another part patches"
        }
    }
}

/// One coupling finding: the rule, the parts, the symbols and the site, and the fixes.
package struct CouplingFinding: Sendable, Codable, Equatable, Comparable {
    package let rule: CouplingRule
    /// The part whose code holds the site (for shadow and state ids: the first part, by name).
    package let part: String
    /// Every part involved, sorted.
    package let parts: [String]
    /// The function, shadow id or state id the parts share, as `--accept-coupling` names it.
    package let symbol: String
    /// Other symbols involved (the replacement or the patched function, the shadow functions).
    package let related: [String]
    /// The first site, `section+0xoffset` (for states: `klp_patch.states`), for the diagnostic.
    package let location: String
    /// Where: `section+0xoffset (function+0xdelta)`, or the sites of every part for ids.
    package let site: String
    package let message: String
    /// The fixes, in words.
    package let fix: String
    /// The reason given with `--accept-coupling`, if the window was accepted.
    package var accepted: String?

    package static func < (lhs: CouplingFinding, rhs: CouplingFinding) -> Bool {
        (lhs.rule, lhs.symbol, lhs.part, lhs.site) < (rhs.rule, rhs.symbol, rhs.part, rhs.site)
    }

    /// What `--accept-coupling` takes to accept this finding.
    package var acceptance: String { "\(rule.rawValue):\(symbol)" }
}

/// `--accept-coupling RULE:SYMBOL=REASON`: the window of one finding is accepted, with a reason.
package struct CouplingAcceptance: Sendable, Equatable, CustomStringConvertible {
    package let rule: CouplingRule
    package let symbol: String
    package let reason: String

    package init(rule: CouplingRule, symbol: String, reason: String) {
        self.rule = rule
        self.symbol = symbol
        self.reason = reason
    }

    /// Parses `RULE:SYMBOL=REASON`; nil with the problem in `problem(in:)`.
    package init?(parsing text: String) {
        guard Self.problem(in: text) == nil, let colon = text.firstIndex(of: ":"),
              let equals = text[colon...].firstIndex(of: "="),
              let rule = CouplingRule(rawValue: String(text[..<colon])) else { return nil }
        self.init(rule: rule, symbol: String(text[text.index(after: colon)..<equals]),
                  reason: String(text[text.index(after: equals)...]))
    }

    /// Why `text` is not `RULE:SYMBOL=REASON`, in words; nil when it is.
    package static func problem(in text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else {
            return "'\(text)' is not RULE:SYMBOL=REASON (no ':')"
        }
        let rule = String(text[..<colon])
        guard CouplingRule(rawValue: rule) != nil else {
            return "'\(rule)' is not a coupling rule; use one of \(CouplingRule.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        guard let equals = text[colon...].firstIndex(of: "=") else {
            return "'\(text)' gives no reason; write RULE:SYMBOL=REASON, the reason saying why the window is safe"
        }
        if text[text.index(after: colon)..<equals].isEmpty { return "'\(text)' names no symbol" }
        if text[text.index(after: equals)...].trimmingSpaces.isEmpty {
            return "'\(text)' gives an empty reason; say why the window is safe"
        }
        return nil
    }

    package func accepts(_ finding: CouplingFinding) -> Bool {
        finding.rule == rule && finding.symbol == symbol
    }

    package var description: String { "\(rule.rawValue):\(symbol)=\(reason)" }
}

extension Substring {
    var trimmingSpaces: Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result = result.dropFirst() }
        while result.last == " " || result.last == "\t" { result = result.dropLast() }
        return result
    }
}

/// A part as the coupling rules see it, built from a plan (`plan`) or from a built module (`check`).
package struct CouplingPart: Sendable {
    package let name: String
    /// The objects it patches (one for a part klp-split built).
    package let objects: [String]
    /// The functions it patches, by object.
    package let patched: [PatchedName]
    /// Its replacement functions (`new_func`).
    package var replacements: Set<String> { Set(patched.compactMap(\.replacement)) }
    /// Its callback functions.
    package let callbacks: Set<String>
    package let references: [CouplingReference]
    /// Shadow calls in its code, each with the site in words.
    package let shadowCalls: [(call: ShadowCall, site: String)]
    /// `klp_state` ids it declares.
    package let states: [UInt64]

    package init(name: String, objects: [String], patched: [PatchedName],
                 callbacks: Set<String> = [], references: [CouplingReference],
                 shadowCalls: [(call: ShadowCall, site: String)] = [], states: [UInt64] = []) {
        self.name = name
        self.objects = objects
        self.patched = patched
        self.callbacks = callbacks
        self.references = references
        self.shadowCalls = shadowCalls
        self.states = states
    }
}

/// A function a part patches: `klp_func.old_name` in `klp_object.name`.
package struct PatchedName: Sendable, Hashable {
    package let object: String
    package let name: String
    /// `old_sympos` (0: unique).
    package let sympos: UInt64
    /// `new_func`, the replacement, when known.
    package let replacement: String?

    package init(object: String, name: String, sympos: UInt64 = 0, replacement: String? = nil) {
        self.object = object
        self.name = name
        self.sympos = sympos
        self.replacement = replacement
    }
}

/// A reference from a part's code to a symbol outside the part.
package struct CouplingReference: Sendable {
    /// `section+0xoffset`.
    package let location: String
    /// The function holding the site, if known (`livepatch_foo+0x12`).
    package let function: String?
    package let symbol: String
    /// Where the symbol is resolved.
    package let target: Target
    /// The position (klp relocations; 0: unique), nil when not a klp relocation.
    package let sympos: UInt64?

    package enum Target: Sendable, Equatable {
        /// A symbol of this object (vmlinux or a module): an export or a klp relocation.
        case object(String)
        /// A symbol resolved by name when the part loads (an undefined symbol in a built part):
        /// vmlinux, a module, or another part.
        case anyExporter
        /// A symbol defined by another part of the livepatch (C or D).
        case part(String)
    }

    package init(location: String, function: String?, symbol: String, target: Target, sympos: UInt64? = nil) {
        self.location = location
        self.function = function
        self.symbol = symbol
        self.target = target
        self.sympos = sympos
    }

    /// The function name of `function` without `+0x…`.
    var functionName: String? {
        function.map { String($0.split(separator: "+").first ?? Substring($0)) }
    }

    var site: String { location + (function.map { " (\($0))" } ?? "") }
}
