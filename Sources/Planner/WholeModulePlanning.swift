import ELF
import KernelWorld
import Livepatch

/// `klp-split convert`: the plan of one livepatch module kept whole (klp-convert done right).
///
/// Every relocation site is classified in the context of the objects whose replacement code
/// reaches it (the ownership walk of the split, used here only to know which patched object a site
/// serves): a module's non-exported symbols and exports become klp relocations in
/// `.klp.rela.<module>.*`, vmlinux's non-exported symbols in `.klp.rela.vmlinux.*` (kernel rule since
/// v5.8, domain notes §1.6). A site that no patched function reaches (module init, unreachable code)
/// is resolved when the livepatch loads, as vmlinux is. A site reached from several objects must get
/// the same conversion from each. References inside the module are internal: no C/D categories.
extension PlanningContext {
    mutating func runWholeModule(_ usedObjects: [KlpObject]) -> Plan {
        let patchName = livepatch.name
        let roles = SectionRole.roles(of: livepatch)
        var roots: [Int: Set<Int>] = [:]
        for (part, object) in usedObjects.enumerated() {
            for function in object.functions { roots[part, default: []].insert(function.newFunctionLocation.section) }
            for callback in object.callbacks { roots[part, default: []].insert(callback.location.section) }
        }
        let ownership = Ownership.decide(livepatch: livepatch, roles: roles, roots: roots,
                                         exported: [:], facts: exportFacts(partCount: usedObjects.count))
        checkPatchedFunctions(usedObjects)

        var references: [Reference] = []
        var accounts: [RelocationAccount] = []
        let addressTable = AddressTable(livepatch: livepatch, roles: roles)
        for table in livepatch.relocationSections {
            var account = (references: 0, internal: 0, infrastructure: 0)
            let section = livepatch.sections[table.targetIndex]
            let role = roles[table.targetIndex]
            for entry in table.entries {
                var contexts: [Int] = []
                switch role {
                case .content:
                    contexts = ownership.partsCarrying(section: table.targetIndex).sorted()
                case .special(let entrySize):
                    contexts = specialEntryParts(table: table, entry: entry, entrySize: entrySize, ownership: ownership).sorted()
                case .infrastructure:
                    break
                case .notLoaded:
                    account.infrastructure += 1
                    continue
                case .addressTable:
                    contexts = addressTable.parts(using: table.targetIndex, offset: entry.offset, ownership: ownership).sorted()
                }
                if let reference = classifyWholeSite(entry, in: section, table: table.section.name, contexts: contexts,
                                                     partName: patchName) {
                    checkPPC64Rules(entry, in: section, reference: reference)
                    references.append(reference)
                    account.references += 1
                } else if role == .infrastructure {
                    account.infrastructure += 1
                } else {
                    account.internal += 1
                }
            }
            accounts.append(RelocationAccount(
                section: table.section.name, entries: table.entries.count, references: account.references,
                internalToPart: account.internal, moduleInfrastructure: account.infrastructure, unreachable: 0))
        }
        reportUnusedAnnotations()
        let names = objects.map(\.rawValue)
        let part = Part(
            name: patchName, object: names.joined(separator: ","), isMain: true,
            functions: usedObjects.flatMap { $0.functions.map { PatchedFunction(oldName: $0.oldName, oldSympos: $0.oldSympos, newFunction: $0.newFunction) } },
            callbacks: usedObjects.flatMap { $0.callbacks.map { "\($0.kind)=\($0.function)" } },
            dependsOn: [], symbols: [], duplicated: [])
        var plan = Plan(input: file, patch: patchName, metadata: livepatch.patch.metadataName,
                        replace: livepatch.patch.replace, parts: [part], references: references.sorted(),
                        relocations: accounts.sorted { $0.section < $1.section },
                        diagnostics: dedupe(diagnostics).enumerated().sorted { ($0.element.severity, $0.offset) < ($1.element.severity, $1.offset) }.map(\.element))
        plan.target = input.target
        plan.roles = roles
        return plan
    }

    /// One site, classified for each object whose code holds it (the module's own load-time context,
    /// vmlinux, when none does); nil when it refers inside the module.
    private mutating func classifyWholeSite(_ entry: Relocation, in section: Section, table: String, contexts: [Int],
                                            partName: String) -> Reference? {
        guard entry.symbolIndex > 0, entry.symbolIndex < livepatch.symbols.count else { return nil }
        let symbol = livepatch.symbols[entry.symbolIndex]
        guard symbol.sectionIndex == .undefined || symbol.sectionIndex == .livepatch else { return nil }
        if isLoaderProvided(symbol) { return nil }
        let site = livepatch.describe(Location(section: section.index, offset: entry.offset))
        let location = "\(section.name)+0x\(String(entry.offset, radix: 16))"
        func make(_ name: String, _ category: Category, owner: String?, sympos: Int?, action: String,
                  reason: String, ok: Bool) -> Reference {
            Reference(part: partName, section: section.name, offset: entry.offset, site: site, symbol: name,
                      category: category, owner: owner, sympos: sympos, action: action, reason: reason, ok: ok)
        }
        if symbol.sectionIndex == .livepatch {
            guard let parsed = KlpNames.parseSymbol(symbol.name) else {
                fail("klp-symbol-name", location, "'\(symbol.name)' is SHN_LIVEPATCH but the kernel cannot parse it as .klp.sym.<object>.<symbol>,<sympos>")
                return make(symbol.name, .unresolved, owner: nil, sympos: nil, action: "none", reason: "malformed .klp.sym name", ok: false)
            }
            var reference = make(parsed.symbol, parsed.object == "vmlinux" ? .vmlinuxLocal : .moduleLocal,
                                 owner: parsed.object, sympos: Int(parsed.sympos),
                                 action: "keep the existing klp relocation", reason: "already converted to a livepatch symbol", ok: true)
            // an input converted before: the relocation stays in the .klp.rela section it was in
            reference.relocationObject = KlpNames.parseRelocationSection(table) ?? parsed.object
            return reference
        }
        let function = livepatch.symbolCovering(Location(section: section.index, offset: entry.offset))?.name
        let objectsHere: [ObjectName] = contexts.isEmpty ? [.vmlinux] : contexts.map { objects[$0] }
        let before = diagnostics.count
        var afterFirst = before
        var results: [(object: ObjectName, reference: Reference)] = []
        for object in objectsHere {
            var reference = classifyExternal(symbol.name, section: section, offset: entry.offset, location: location,
                                             object: object, module: partName, function: function, make: make)
            if [.patchedModuleExport, .otherModuleExport, .moduleLocal, .vmlinuxLocal].contains(reference.category) {
                reference.relocationObject = reference.category == .vmlinuxLocal ? "vmlinux" : object.rawValue
            }
            results.append((object, reference))
            if results.count == 1 { afterFirst = diagnostics.count }
        }
        guard let first = results.first else { return nil }
        let agree = results.allSatisfy {
            $0.reference.action == first.reference.action && $0.reference.ok == first.reference.ok
                && $0.reference.relocationObject == first.reference.relocationObject
        }
        if agree {
            diagnostics.removeSubrange(afterFirst..<diagnostics.count)
            return first.reference
        }
        diagnostics.removeSubrange(before..<diagnostics.count)
        let readings = results.map { "for \($0.object): \($0.reference.ok ? $0.reference.action : "\($0.reference.category.rawValue) (\($0.reference.reason))")" }
        fail("shared-site", location,
             "'\(symbol.name)' is used in \(site), which the replacement code of \(results.map(\.object.rawValue).joined(separator: " and ")) shares, but it resolves differently per object: \(readings.joined(separator: "; ")); give each object its own copy of that code")
        return make(symbol.name, first.reference.category, owner: first.reference.owner, sympos: nil,
                    action: "none (error)", reason: "resolves differently per object", ok: false)
    }
}

extension PlanningContext {
    /// An annotation that no reference used is most likely a typo or stale; say so.
    mutating func reportUnusedAnnotations() {
        for annotation in input.annotations where !usedAnnotations.contains(annotation.location) {
            warn("annotation-unused", annotation.location,
                 "\(annotation.source)\(annotation.unit.map { " in \($0)" } ?? "") applies to no reference (the name is exported, overridden by --sympos, or not referenced from the code of that translation unit)")
        }
    }
}
