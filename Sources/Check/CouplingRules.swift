import ELF
import KernelWorld
import Livepatch
import Planner

/// The coupling rules (`CouplingAnalysis`, shared with `plan`) over the modules given: each module
/// is a part, its references are its undefined symbols (resolved by name when it loads: vmlinux, a
/// module or another part) and its `.klp.sym.<object>.<symbol>,<pos>` symbols, each at the site of
/// the relocation that uses it. A module whose klp_patch could not be read is left out
/// (`unreadable-patch` says so).
enum CouplingRules {
    static func check(_ modules: [CheckedModule], accepting acceptances: [CouplingAcceptance],
                      into findings: inout FindingList) {
        let parts = modules.compactMap(part)
        guard parts.count > 1 else { return }
        let files = Dictionary(modules.map { ($0.name, $0.file) }, uniquingKeysWith: { first, _ in first })
        for finding in CouplingAnalysis.findings(parts, accepting: acceptances) where finding.accepted == nil {
            guard let rule = Rule.coupling.first(where: { $0.id == finding.rule.rawValue }) else { continue }
            findings.add(rule, files[finding.part] ?? finding.part, finding.location, "\(finding.message); \(finding.fix)")
        }
    }

    static func part(_ module: CheckedModule) -> CouplingPart? {
        guard let patch = module.patch else { return nil }
        var patched: [PatchedName] = []
        var objects: [String] = []
        for object in patch.objects {
            let name = (try? ObjectName(normalizing: object.name ?? "vmlinux"))?.rawValue ?? (object.name ?? "vmlinux")
            objects.append(name)
            patched += object.functions.map { PatchedName(object: name, name: $0.oldName, sympos: $0.oldSympos, replacement: $0.newFunction) }
        }
        var references: [CouplingReference] = []
        for table in module.relocationSections where table.targetIndex > 0 && table.targetIndex < module.sections.count {
            let section = module.sections[table.targetIndex]
            for entry in table.entries where entry.symbolIndex > 0 && entry.symbolIndex < module.symbols.count {
                let symbol = module.symbols[entry.symbolIndex]
                let location = "\(section.name)+0x\(String(entry.offset, radix: 16))"
                let function = covering(module, section: section.index, offset: entry.offset)
                if symbol.sectionIndex == .livepatch, let parsed = KlpNames.parseSymbol(symbol.name) {
                    references.append(CouplingReference(location: location, function: function, symbol: parsed.symbol,
                                                        target: .object(parsed.object), sympos: parsed.sympos))
                } else if symbol.sectionIndex == .undefined, !symbol.name.isEmpty {
                    references.append(CouplingReference(location: location, function: function, symbol: symbol.name, target: .anyExporter))
                }
            }
        }
        let shadowCalls = module.shadowCalls.map { call in
            let offset = call.offset > 0 ? call.offset - 1 : 0
            let name = call.section < module.sections.count ? module.sections[call.section].name : "section \(call.section)"
            let function = covering(module, section: call.section, offset: offset)
            return (call: call, site: "\(name)+0x\(String(offset, radix: 16))" + (function.map { " (\($0))" } ?? ""))
        }
        return CouplingPart(name: module.name, objects: objects, patched: patched,
                            callbacks: Set(patch.objects.flatMap { $0.callbacks.map(\.function) }),
                            references: references, shadowCalls: shadowCalls, states: module.states)
    }

    /// `function+0xdelta` for the function symbol covering a site, if any.
    private static func covering(_ module: CheckedModule, section: Int, offset: UInt64) -> String? {
        guard let symbol = module.symbols.first(where: {
            $0.type == .function && $0.sectionIndex.isOrdinary && Int($0.sectionIndex.rawValue) == section
                && $0.value <= offset && offset < $0.value + max($0.size, 1)
        }) else { return nil }
        return offset == symbol.value ? symbol.name : "\(symbol.name)+0x\(String(offset - symbol.value, radix: 16))"
    }
}
