import ELF
import KernelWorld
import Livepatch

extension PlanningContext {
    /// Classifies one relocation as seen from one part; nil when it stays inside the part.
    /// `referenced` is the offset the relocation names in its symbol's section when the caller knows
    /// it better than `referencedOffset` (`RelocationSection.referencedOffset`).
    mutating func classify(_ entry: Relocation, in section: Section, part: Int, ownership: Ownership,
                           referenced: UInt64? = nil, dependsOn: inout [Int: Set<Int>]) -> Reference? {
        guard entry.symbolIndex > 0, entry.symbolIndex < livepatch.symbols.count else { return nil }
        let symbol = livepatch.symbols[entry.symbolIndex]
        let site = livepatch.describe(Location(section: section.index, offset: entry.offset))
        let location = "\(section.name)+0x\(String(entry.offset, radix: 16))"
        let object = objects[part]
        let partName = partNames[part]

        func make(_ name: String, _ category: Category, owner: String?, sympos: Int?, action: String,
                  reason: String, ok: Bool) -> Reference {
            Reference(part: partName, section: section.name, offset: entry.offset, site: site, symbol: name,
                      category: category, owner: owner, sympos: sympos, action: action, reason: reason, ok: ok)
        }

        if symbol.sectionIndex == .undefined {
            if isLoaderProvided(symbol) { return nil }
            let function = livepatch.symbolCovering(Location(section: section.index, offset: entry.offset))?.name
            return classifyExternal(symbol.name, section: section, offset: entry.offset, location: location,
                                    object: object, module: partName, function: function, make: make)
        }
        if symbol.sectionIndex == .livepatch {
            guard let parsed = KlpNames.parseSymbol(symbol.name) else {
                fail("klp-symbol-name", location, "'\(symbol.name)' is SHN_LIVEPATCH but the kernel cannot parse it as .klp.sym.<object>.<symbol>,<sympos>")
                return make(symbol.name, .unresolved, owner: nil, sympos: nil, action: "none", reason: "malformed .klp.sym name", ok: false)
            }
            let category: Category = parsed.object == "vmlinux" ? .vmlinuxLocal : .moduleLocal
            return make(parsed.symbol, category, owner: parsed.object, sympos: Int(parsed.sympos),
                        action: "keep the existing klp relocation", reason: "already converted to a livepatch symbol", ok: true)
        }
        guard symbol.isDefinedInSection else { return nil }
        let targetSection = Int(symbol.sectionIndex.rawValue)
        guard ownership.roles[targetSection] == .content else { return nil }
        let target = Location(section: targetSection, offset: referenced ?? livepatch.architecture.referencedOffset(symbolValue: symbol.value, relocation: entry))
        let carriers = ownership.partsCarrying(section: targetSection, offset: target.offset)
        if carriers.contains(part) { return nil }
        let name = symbol.type == .section ? livepatch.describe(target) : symbol.name
        guard case .part(let owner) = ownership.owner(section: targetSection, offset: target.offset) else { return nil }
        dependsOn[part, default: []].insert(owner)
        let ownerName = partNames[owner]
        if owner == mainPart {
            warn("main-livepatch-export", location,
                    "part '\(partName)' uses '\(name)' of the main part '\(ownerName)'; it stays a normal relocation, so '\(ownerName)' must stay loaded while '\(partName)' is; consider a shadow variable (klp_shadow_get) instead")
            return make(name, .mainLivepatchExport, owner: ownerName, sympos: nil,
                        action: "normal relocation; the main part exports '\(name)'",
                        reason: "defined in the main part '\(ownerName)'", ok: true)
        }
        let ownerObject = objects[owner]
        if object.isVmlinux {
            fail("main-part-uses-module-part", location,
                 "the main part '\(partName)' uses '\(name)' of part '\(ownerName)', but \(ownerObject) may never be loaded and the main part must load without it; move '\(name)' into the main part's code (then it must not need \(ownerObject)'s own symbols), or call it only from module parts")
            return make(name, .interLivepatch, owner: ownerName, sympos: nil, action: "none (error)",
                        reason: "defined in part '\(ownerName)'; the main part cannot depend on a module part", ok: false)
        }
        let allowed = input.dependencies[object]?.contains(ownerObject) ?? false
        if !allowed {
            fail("inter-livepatch", location,
                  "part '\(partName)' uses '\(name)' of part '\(ownerName)', but \(object) does not depend on \(ownerObject); module parts may depend on each other only as their patched modules do (modules.dep); move '\(name)' into the part that uses it or into the main part")
        }
        return make(name, .interLivepatch, owner: ownerName, sympos: nil,
                    action: allowed ? "normal relocation; '\(ownerName)' exports '\(name)'" : "none (error)",
                    reason: allowed ? "defined in part '\(ownerName)'; \(object) depends on \(ownerObject)"
                                    : "defined in part '\(ownerName)'; \(object) does not depend on \(ownerObject)",
                    ok: allowed)
    }

    mutating func classifyExternal(
        _ name: String, section: Section, offset: UInt64, location: String, object: ObjectName, module: String,
        function: String?, make: (String, Category, String?, Int?, String, String, Bool) -> Reference
    ) -> Reference {
        switch input.exports.lookup(name) {
        case .conflicting(let exports):
            let owners = exports.map { $0.owner.rawValue }.sorted().joined(separator: " and ")
            fail("export-conflict", location, "'\(name)' is exported by \(owners); remove the duplicate export or pass only the Module.symvers of the target kernel")
            return make(name, .unresolved, nil, nil, "none (error)", "exported by \(owners)", false)
        case .unique(let export):
            var reference: Reference
            if export.owner.isVmlinux, let restriction = export.moduleRestriction, !restriction.allows(module) {
                reference = classifyRestricted(export, restriction, section: section, offset: offset, location: location,
                                               object: object, module: module, function: function, make: make)
            } else {
                reference = classifyExport(export, name: name, section: section, location: location, object: object, make: make)
            }
            reference.crc = export.crc.map { crc in
                let hex = String(crc, radix: 16)
                return "0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
            }
            reference.namespace = export.namespace
            return reference
        case .none:
            return classifyLocal(name, section: section, offset: offset, location: location, object: object,
                                 function: function, make: make)
        }
    }

    private mutating func classifyExport(
        _ export: Export, name: String, section: Section, location: String, object: ObjectName,
        make: (String, Category, String?, Int?, String, String, Bool) -> Reference
    ) -> Reference {
        let owner = export.owner
        if owner.isVmlinux {
            return make(name, .vmlinuxExport, "vmlinux", nil, "keep a normal relocation", "exported by vmlinux (\(export.kind))", true)
        }
        let klpSymbol = KlpNames.symbol(object: owner.rawValue, name: name, sympos: 0)
        let klpSection = KlpNames.relocationSection(object: object.rawValue, section: section.name)
        if owner == object {
            return make(name, .patchedModuleExport, owner.rawValue, 0, "\(klpSymbol) in \(klpSection)",
                        "exported by \(owner), the module this part patches; a normal relocation would pin it", true)
        }
        if !object.isVmlinux, input.dependencies[object]?.contains(owner) ?? false {
            return make(name, .otherModuleExport, owner.rawValue, 0, "\(klpSymbol) in \(klpSection)",
                        "exported by \(owner); \(object) depends on \(owner), so it is loaded before the relocation is applied", true)
        }
        let why = object.isVmlinux
            ? (input.wholeModule ? "code resolved when the livepatch loads (vmlinux) cannot use a module export without pinning \(owner)"
                                 : "the main (vmlinux) part cannot use a module export without pinning \(owner)")
            : "\(object) does not depend on \(owner)"
        if input.wholeModule && !object.isVmlinux {
            fail("other-module-export", location,
                  "'\(name)' is exported by '\(owner)', which patched module '\(object)' does not depend on, so '\(owner)' may not be loaded when the kernel applies this relocation (when '\(object)' loads); drop the call, or patch a module that depends on '\(owner)' instead")
        } else if input.wholeModule && object.isVmlinux {
            fail("other-module-export", location,
                  "'\(name)' is exported by '\(owner)', but this code is not reached from any patched function of '\(owner)' (or of a module depending on it), so its relocation would be resolved when the livepatch loads and pin '\(owner)'; call it only from replacement code of '\(owner)', or drop it")
        } else {
            fail("other-module-export", location,
                  "'\(name)' is exported by '\(owner)', which \(object.isVmlinux ? "vmlinux" : "patched module '\(object)'") does not depend on; move the call into a part whose patched module depends on '\(owner)', or drop it")
        }
        return make(name, .otherModuleExport, owner.rawValue, nil, "none (error)", "exported by \(owner); \(why)", false)
    }

    /// A vmlinux export restricted to other modules (`EXPORT_SYMBOL_FOR_MODULES`, `ModuleRestriction`):
    /// the kernel refuses a normal import by this part, but resolves a klp relocation through
    /// kallsyms without the namespace check, so it becomes `.klp.sym.vmlinux.<sym>,<pos>` in
    /// `.klp.rela.vmlinux.*`, the position counted in vmlinux as for a non-exported symbol.
    /// (Exports of modules are klp relocations already: B and other-module-export.)
    private mutating func classifyRestricted(
        _ export: Export, _ restriction: ModuleRestriction, section: Section, offset: UInt64, location: String,
        object: ObjectName, module: String, function: String?,
        make: (String, Category, String?, Int?, String, String, Bool) -> Reference
    ) -> Reference {
        let name = export.symbol
        let restricted = "exported only for modules '\(restriction)' (EXPORT_SYMBOL_FOR_MODULES), which do not include '\(module)'"
        guard input.symbolOrder[.vmlinux] != nil else {
            fail("restricted-export", location,
                 "'\(name)' is \(restricted), so the kernel would refuse to load '\(module)' with a normal relocation; pass the vmlinux symbol order (--kallsyms, --system-map or --vmlinux) so that it becomes a klp relocation (.klp.sym.vmlinux.\(name),<pos>), or drop the reference")
            return make(name, .vmlinuxExport, "vmlinux", nil, "none (error)", restricted, false)
        }
        let before = diagnostics.count
        let reference = classifyLocal(name, section: section, offset: offset, location: location, object: object,
                                      function: function, searching: [.vmlinux], because: restricted, make: make)
        if reference.ok && diagnostics.count == before {
            note("restricted-export", location,
                 "'\(name)' is \(restricted); a normal relocation would make the kernel refuse '\(module)', so it becomes \(reference.action)")
        }
        return reference
    }

    private mutating func classifyLocal(
        _ name: String, section: Section, offset: UInt64, location: String, object: ObjectName, function: String?,
        searching: [ObjectName]? = nil, because: String = "not exported",
        make: (String, Category, String?, Int?, String, String, Bool) -> Reference
    ) -> Reference {
        var searched: [String] = []
        for candidateObject in searching ?? (object.isVmlinux ? [object] : [object, ObjectName.vmlinux]) {
            guard let order = input.symbolOrder[candidateObject] else {
                searched.append("\(candidateObject) (no symbol order given)")
                continue
            }
            let candidates = order.occurrences(of: name)
            searched.append((order.source ?? order.object.rawValue))
            guard !candidates.isEmpty else { continue }
            let category: Category = candidateObject.isVmlinux ? .vmlinuxLocal : .moduleLocal
            let klpSection = KlpNames.relocationSection(object: candidateObject.isVmlinux ? "vmlinux" : object.rawValue,
                                                        section: section.name)
            let annotated = input.annotations.filter {
                $0.symbol == name && $0.object == candidateObject.rawValue && $0.applies(section: section.index, offset: offset)
            }
            if Set(annotated.map(\.position)).count > 1 {
                fail("conflicting-annotations", location,
                     "'\(name)' has annotations with different positions for this site: \(annotated.map { "\($0.source) at \($0.location)\($0.unit.map { " (\($0))" } ?? "")" }.joined(separator: "; ")); keep one per translation unit")
                return make(name, .ambiguous, candidateObject.rawValue, nil, "none (error)", "conflicting annotations", false)
            }
            var chosen: (position: Int, text: String)?
            if let choice = input.symposChoices.first(where: { $0.applies(to: name, object: candidateObject.rawValue, function: function) }) {
                chosen = (choice.position, "--sympos \(choice)")
            } else if let annotation = annotated.first {
                usedAnnotations.insert(annotation.location)
                for other in annotated { usedAnnotations.insert(other.location) }
                chosen = (annotation.position, "KLP_SYMPOS(\(name), \(annotation.position)) at \(annotation.location)")
            }
            if let chosen {
                guard chosen.position <= candidates.count, chosen.position > 0 || candidates.count == 1 else {
                    fail("sympos-choice", location,
                         "\(chosen.text) does not exist: '\(name)' occurs \(candidates.count) time(s) in \(candidateObject): \(Self.positions(candidates))")
                    return make(name, .ambiguous, candidateObject.rawValue, nil, "none (error)",
                                "\(chosen.text) names no occurrence", false)
                }
                let klpSymbol = KlpNames.symbol(object: candidateObject.rawValue, name: name, sympos: chosen.position)
                let occurrence = chosen.position == 0 ? candidates[0] : candidates[chosen.position - 1]
                return make(name, category, candidateObject.rawValue, chosen.position, "\(klpSymbol) in \(klpSection)",
                            "\(because); \(chosen.text) chose \(occurrence.addressDescription) of \(candidates.count) in \(candidateObject)", true)
            }
            if candidates.count == 1 {
                let klpSymbol = KlpNames.symbol(object: candidateObject.rawValue, name: name, sympos: 0)
                return make(name, category, candidateObject.rawValue, 0, "\(klpSymbol) in \(klpSection)",
                            "\(because); unique in \(candidateObject) (\((order.source ?? order.object.rawValue)))", true)
            }
            let fix = candidates.map { "KLP_SYMPOS(\(name), \($0.position))" }.joined(separator: " | ")
            let flag = "; or pass --sympos \(function ?? candidateObject.rawValue):\(name)=N"
            fail("ambiguous-symbol", location,
                  "'\(name)' is \(because) and occurs \(candidates.count) times in \(candidateObject): \(Self.positions(candidates)); choose one: KLP_MODULE_RELOC(\(candidateObject)) { \(fix) }\(flag)")
            return make(name, .ambiguous, candidateObject.rawValue, nil, "none (error)",
                        "\(because); \(candidates.count) candidates in \(candidateObject)", false)
        }
        fail("unresolved-symbol", location,
              "'\(name)' is neither exported (Module.symvers) nor found in \(searched.joined(separator: ", ")); check the spelling or pass the right kernel world")
        return make(name, .unresolved, nil, nil, "none (error)", "found nowhere", false)
    }
}
