import KernelWorld
import Livepatch

/// What the coupling analysis of `plan` needs beyond the plan itself (`PlanInput.coupling`).
package struct CouplingInput: Sendable {
    /// Every call to a `klp_shadow_*` function in the livepatch, with its decoded id.
    package var shadowCalls: [ShadowCall] = []
    /// `klp_state` ids, by the object whose part declares them.
    package var states: [String: [UInt64]] = [:]
    package var acceptances: [CouplingAcceptance] = []
    /// `--strict`: a finding not accepted is an error.
    package var strict = false

    package init() {}
}

/// Runs `CouplingAnalysis` over a split plan: the parts from `Plan.parts`, their references from
/// `Plan.references`, the shadow calls by the parts that carry their code (`Plan.carriers`).
package enum PlanCoupling {
    /// The patch's `klp_state` ids, for every object's part: `build` copies `klp_patch` (and the
    /// array its `states` points to) into every part, so every part declares every state.
    package static func statesOfEveryPart(_ ids: [UInt64], _ patch: KlpPatch) -> [String: [UInt64]] {
        guard !ids.isEmpty else { return [:] }
        var states: [String: [UInt64]] = [:]
        for object in patch.objects {
            guard let name = try? ObjectName(normalizing: object.name ?? "vmlinux") else { continue }
            states[name.rawValue] = ids
        }
        return states
    }

    static func apply(to plan: inout Plan, input: PlanInput) {
        let parts = plan.parts.enumerated().map { index, part in
            couplingPart(part, index: index, plan: plan, input: input)
        }
        plan.coupling = CouplingAnalysis.findings(parts, accepting: input.coupling.acceptances)
        var added: [Diagnostic] = []
        for finding in plan.coupling {
            let severity: Diagnostic.Severity = finding.accepted != nil ? .note : input.coupling.strict ? .error : .warning
            let text = finding.accepted.map { "accepted (--accept-coupling: \($0)): \(finding.message)" }
                ?? "\(finding.message); \(finding.fix)"
            added.append(Diagnostic(severity, id: finding.rule.rawValue, file: plan.input,
                                    location: finding.location, message: text))
        }
        // keep the plan's order (by severity, then as found)
        plan.diagnostics = (plan.diagnostics + added).enumerated()
            .sorted { ($0.element.severity, $0.offset) < ($1.element.severity, $1.offset) }.map(\.element)
    }

    private static func couplingPart(_ part: Part, index: Int, plan: Plan, input: PlanInput) -> CouplingPart {
        let references = plan.references.filter { $0.part == part.name }.compactMap { reference -> CouplingReference? in
            let target: CouplingReference.Target
            switch reference.category {
            case .mainLivepatchExport, .interLivepatch:
                guard let owner = reference.owner else { return nil }
                target = .part(owner)
            case .vmlinuxExport, .patchedModuleExport, .otherModuleExport, .vmlinuxLocal, .moduleLocal:
                guard let owner = reference.owner else { return nil }
                target = .object(owner)
            case .ambiguous, .unresolved:
                return nil
            }
            return CouplingReference(location: "\(reference.section)+0x\(String(reference.offset, radix: 16))",
                                     function: reference.site, symbol: reference.symbol, target: target,
                                     sympos: reference.sympos.map { UInt64(max(0, $0)) })
        }
        let livepatch = input.livepatch
        let shadowCalls = input.coupling.shadowCalls.filter { plan.carriers[$0.section]?.contains(index) ?? false }.map { call in
            let offset = call.offset > 0 ? call.offset - 1 : 0
            guard call.section < livepatch.sections.count else { return (call: call, site: "section \(call.section)+0x\(String(offset, radix: 16))") }
            let site = "\(livepatch.sections[call.section].name)+0x\(String(offset, radix: 16))"
            return (call: call, site: "\(site) (\(livepatch.describe(Location(section: call.section, offset: offset))))")
        }
        return CouplingPart(
            name: part.name, objects: [part.object],
            patched: part.functions.map { PatchedName(object: part.object, name: $0.oldName, sympos: $0.oldSympos, replacement: $0.newFunction) },
            callbacks: Set(part.callbacks.compactMap { $0.split(separator: "=", maxSplits: 1).last.map(String.init) }),
            references: references, shadowCalls: shadowCalls, states: input.coupling.states[part.object] ?? [])
    }
}
