import Livepatch

/// Finds the coupling between parts (`CouplingRule`). Pure: parts in, findings out; `plan` builds
/// the parts from the plan (`PlanCoupling`), `check` from the modules given.
package enum CouplingAnalysis {
    package static func findings(_ parts: [CouplingPart], accepting acceptances: [CouplingAcceptance] = []) -> [CouplingFinding] {
        var findings: [CouplingFinding] = []
        for part in parts {
            findings += calls(from: part, among: parts)
        }
        findings += shadowIDs(parts)
        findings += states(parts)
        return findings.sorted().map { finding in
            var finding = finding
            finding.accepted = acceptances.first { $0.accepts(finding) }?.reason
            return finding
        }
    }

    // MARK: Calls

    private struct CallKey: Hashable { let rule: CouplingRule; let symbol: String; let other: String; let related: String }

    /// `patchedCall`, `replacementCall` and `callbackObject` for the references of one part, one
    /// finding per rule, symbol and other part, listing every site.
    private static func calls(from part: CouplingPart, among parts: [CouplingPart]) -> [CouplingFinding] {
        var sites: [CallKey: [String]] = [:]
        var locations: [CallKey: String] = [:]
        var order: [CallKey] = []
        func add(_ key: CallKey, _ site: String, _ location: String) {
            if sites[key] == nil { order.append(key); locations[key] = location }
            if !(sites[key]?.contains(site) ?? false) { sites[key, default: []].append(site) }
        }
        for reference in part.references {
            for other in parts where other.name != part.name {
                let patches = other.patched.contains { patched in
                    patched.name == reference.symbol && matches(reference, patched)
                }
                let replaces = other.replacements.contains(reference.symbol)
                    && (reference.target == .part(other.name) || reference.target == .anyExporter)
                guard patches || replaces else { continue }
                if let callback = reference.functionName, part.callbacks.contains(callback) {
                    add(CallKey(rule: .callbackObject, symbol: callback, other: other.name, related: reference.symbol), reference.site, reference.location)
                } else if patches {
                    add(CallKey(rule: .patchedCall, symbol: reference.symbol, other: other.name, related: ""), reference.site, reference.location)
                } else {
                    add(CallKey(rule: .replacementCall, symbol: reference.symbol, other: other.name, related: ""), reference.site, reference.location)
                }
            }
            // a callback using a module another part patches, by export or klp relocation (every
            // part uses vmlinux: only the functions the main part patches count, above)
            if let callback = reference.functionName, part.callbacks.contains(callback),
               case .object(let object) = reference.target, object != "vmlinux", !part.objects.contains(object),
               let other = parts.first(where: { $0.name != part.name && $0.objects.contains(object) }) {
                add(CallKey(rule: .callbackObject, symbol: callback, other: other.name, related: reference.symbol), reference.site, reference.location)
            }
        }
        return order.compactMap { key in
            guard let list = sites[key], let other = parts.first(where: { $0.name == key.other }) else { return nil }
            return callFinding(key, part: part, other: other, sites: list, location: locations[key] ?? "")
        }
    }

    /// Whether a reference can reach the function a part patches: the same object (or a name
    /// resolved at load time) and a compatible position.
    private static func matches(_ reference: CouplingReference, _ patched: PatchedName) -> Bool {
        switch reference.target {
        case .object(let object): guard object == patched.object else { return false }
        case .anyExporter: break
        case .part: return false
        }
        guard let sympos = reference.sympos, sympos != 0, patched.sympos != 0 else { return true }
        return sympos == patched.sympos
    }

    private static func callFinding(_ key: CallKey, part: CouplingPart, other: CouplingPart, sites: [String],
                                    location: String) -> CouplingFinding {
        let site = sites.joined(separator: ", ")
        let accept = "--accept-coupling \(key.rule.rawValue):\(key.symbol)=REASON"
        let object = other.patched.first { $0.name == key.symbol || $0.name == key.related }?.object ?? other.objects.first ?? "?"
        let message: String
        let fix: String
        let related: [String]
        switch key.rule {
        case .patchedCall:
            let replacement = replacementName(of: key.symbol, in: other)
            related = replacement.map { [$0] } ?? []
            message = "new code of part '\(part.name)' calls or takes the address of '\(key.symbol)' (\(object)), which part '\(other.name)' patches; split, each part transitions on its own, so this new code can reach the old '\(key.symbol)' until '\(other.name)' is patched, and the new one while '\(part.name)' is not"
            fix = "keep them in one livepatch (build the patch unsplit, or patch '\(key.symbol)' from the part that calls it), order the parts with a klp_state that '\(other.name)' sets and '\(part.name)' requires, or accept the window: \(accept)"
        case .replacementCall:
            related = other.patched.filter { $0.replacement == key.symbol }.map(\.name)
            message = "new code of part '\(part.name)' calls or takes the address of '\(key.symbol)', the replacement part '\(other.name)' installs; split, it runs that new code whether or not '\(other.name)' has finished its transition (or was disabled)"
            fix = "keep them in one livepatch (build the patch unsplit), order the parts with a klp_state that '\(other.name)' sets and '\(part.name)' requires, or accept the window: \(accept)"
        default:
            related = [key.related]
            message = "callback '\(key.symbol)' of part '\(part.name)' uses '\(key.related)' of \(object), which part '\(other.name)' patches; split, the callback runs at '\(part.name)''s transition, not at '\(other.name)''s"
            fix = "move the callback into part '\(other.name)' (a callback of \(object)'s klp_object), order the parts with a klp_state, or accept the window: \(accept)"
        }
        return CouplingFinding(rule: key.rule, part: part.name, parts: [part.name, other.name].sorted(), symbol: key.symbol,
                               related: related, location: location, site: site, message: message, fix: fix)
    }

    /// Which of `part`'s replacements stands in for `name`, when the part records it.
    private static func replacementName(of name: String, in part: CouplingPart) -> String? {
        part.patched.first { $0.name == name }?.replacement
    }

    // MARK: Shadow variables and states

    private static func shadowIDs(_ parts: [CouplingPart]) -> [CouplingFinding] {
        typealias Use = (part: String, call: ShadowCall, site: String)
        var byID: [ShadowID: [Use]] = [:]
        var unknown: [Use] = []
        /// The first site of the first part (by name), which the finding is reported on.
        func firstLocation(_ uses: [Use]) -> String {
            let first = uses.map(\.part).min()
            return uses.filter { $0.part == first }.map(\.site).min().map { String($0.split(separator: " ").first ?? "") } ?? ""
        }
        for part in parts {
            for (call, site) in part.shadowCalls {
                if call.id.isKnown { byID[call.id, default: []].append((part.name, call, site)) } else { unknown.append((part.name, call, site)) }
            }
        }
        var findings: [CouplingFinding] = []
        for (id, uses) in byID {
            let names = Set(uses.map(\.part)).sorted()
            guard names.count > 1 else { continue }
            let sites = uses.map { "\($0.part): \($0.call.function) at \($0.site)" }.sorted()
            let accept = "--accept-coupling \(CouplingRule.shadowID.rawValue):\(id)=REASON"
            findings.append(CouplingFinding(
                rule: .shadowID, part: names[0], parts: names, symbol: id.description,
                related: Set(uses.map(\.call.function)).sorted(), location: firstLocation(uses), site: sites.joined(separator: "; "),
                message: "parts \(names.map { "'\($0)'" }.joined(separator: ", ")) use shadow variables with id \(id) (\(sites.joined(separator: "; "))); split, they share that data across their own transitions, so one part's new code can find data the other has not set up yet, or has freed",
                fix: "keep the users of id \(id) in one livepatch (build the patch unsplit), give each part its own id, order the parts with a klp_state whose callbacks set up and free the shadow data, or accept the window: \(accept)"))
        }
        let unknownParts = Set(unknown.map(\.part)).sorted()
        if unknownParts.count > 1 {
            let sites = unknown.map { "\($0.part): \($0.call.function) at \($0.site): \($0.call.id)" }.sorted()
            findings.append(CouplingFinding(
                rule: .shadowUnknown, part: unknownParts[0], parts: unknownParts, symbol: "unknown",
                related: Set(unknown.map(\.call.function)).sorted(), location: firstLocation(unknown), site: sites.joined(separator: "; "),
                message: "parts \(unknownParts.map { "'\($0)'" }.joined(separator: ", ")) pass shadow ids klp-split cannot read from the code (\(sites.joined(separator: "; "))), so they may share a shadow variable",
                fix: "pass the id as a constant (a #define), so that klp-split can compare it, or accept the window: --accept-coupling \(CouplingRule.shadowUnknown.rawValue):unknown=REASON"))
        }
        return findings
    }

    private static func states(_ parts: [CouplingPart]) -> [CouplingFinding] {
        var byID: [UInt64: [String]] = [:]
        for part in parts {
            for id in Set(part.states) { byID[id, default: []].append(part.name) }
        }
        return byID.compactMap { id, holders in
            let names = holders.sorted()
            guard names.count > 1 else { return nil }
            let symbol = "0x" + String(id, radix: 16)
            return CouplingFinding(
                rule: .stateID, part: names[0], parts: names, symbol: symbol, related: [],
                location: "klp_patch.states", site: "klp_patch.states", message: "parts \(names.map { "'\($0)'" }.joined(separator: ", ")) declare klp_state id \(symbol); split, each part is a patch of its own, so each one's callbacks set up or tear down the state on their own, and a part that drops the state undoes it for the others",
                fix: "declare the state in one part only (the one whose callbacks own it) and give the others their own ids, or accept the window: --accept-coupling \(CouplingRule.stateID.rawValue):\(symbol)=REASON")
        }
    }
}
