import ELF
import KernelWorld
import Livepatch

/// Turns a livepatch and the facts of its target kernel into a `Plan`. Pure: no file I/O.
package enum Planner {
    package static func plan(_ input: PlanInput) -> Plan {
        var context = PlanningContext(input: input)
        var plan = context.run()
        if !input.wholeModule { PlanCoupling.apply(to: &plan, input: input) }
        return plan
    }
}

/// The state of one planning run.
struct PlanningContext {
    let input: PlanInput
    var livepatch: LivepatchModule { input.livepatch }
    var file: String { input.livepatch.file }
    var diagnostics: [Diagnostic] = []
    var objects: [ObjectName] = []
    var partNames: [String] = []
    var mainPart: Int?
    /// Locations of the annotations some reference used.
    var usedAnnotations: Set<String> = []

    init(input: PlanInput) { self.input = input }

    mutating func fail(_ id: String, _ location: String?, _ message: String) {
        diagnostics.append(Diagnostic(.error, id: id, file: file, location: location, message: message))
    }

    mutating func note(_ id: String, _ location: String?, _ message: String) {
        diagnostics.append(Diagnostic(.note, id: id, file: file, location: location, message: message))
    }

    mutating func warn(_ id: String, _ location: String?, _ message: String) {
        diagnostics.append(Diagnostic(.warning, id: id, file: file, location: location, message: message))
    }

    mutating func run() -> Plan {
        let patch = livepatch.patch
        let patchName = livepatch.name
        for (index, object) in patch.objects.enumerated() {
            let raw = object.name ?? "vmlinux"
            let name: ObjectName
            do {
                name = try ObjectName(normalizing: raw)
            } catch {
                fail("bad-object-name", "klp_object[\(index)]", "object name '\(raw)': \(error.message)")
                continue
            }
            if objects.contains(name) {
                fail("duplicate-object", "klp_object[\(index)]", "object '\(name)' is listed twice in the patch; merge its functions into one klp_object")
                continue
            }
            objects.append(name)
            let partName = name.isVmlinux ? patchName : "\(patchName)__\(name)"
            if !input.wholeModule, let problem = KernelName.module.problem(in: partName) {
                fail("part-name", nil, "part name \(problem), which the kernel's module name (MODULE_NAME_LEN 56) cannot hold; shorten the livepatch's module name (\(problem.rule))")
            }
            partNames.append(partName)
            if name.isVmlinux { mainPart = objects.count - 1 }
        }
        let usedObjects = patch.objects.filter { object in
            (try? ObjectName(normalizing: object.name ?? "vmlinux")).map(objects.contains) ?? false
        }
        if input.wholeModule { return runWholeModule(usedObjects) }
        if patch.replace && objects.count > 1 {
            warn("atomic-replace", "klp_patch", "the patch sets replace = true; independent parts cannot keep atomic replace (each would revert the others), so 'klp-split build' refuses it unless --no-replace builds non-replacing parts")
        }
        if mainPart == nil && !objects.isEmpty {
            note("no-main-part", nil, "the patch does not patch vmlinux, so there is no main part; every part stands alone")
        }

        // Roots of each part: its replacement functions and callbacks.
        let roles = SectionRole.roles(of: livepatch)
        var roots: [Int: Set<Int>] = [:]
        var functionRoots: [Int: Set<Int>] = [:]
        for (part, object) in usedObjects.enumerated() {
            for function in object.functions {
                roots[part, default: []].insert(function.newFunctionLocation.section)
                functionRoots[part, default: []].insert(function.newFunctionLocation.section)
            }
            for callback in object.callbacks { roots[part, default: []].insert(callback.location.section) }
        }
        checkFunctionSections(roles)
        checkSharedRoots(roots, functions: functionRoots)
        checkStates(partCount: usedObjects.count)
        let split = SectionPieces.find(in: livepatch, roles: roles, version: targetVersion)
        var ownership = Ownership.decide(livepatch: livepatch, roles: roles, roots: roots,
                                         exported: livepatchExports(roles), facts: exportFacts(partCount: usedObjects.count),
                                         pieces: split.pieces)
        reportExportOwnership(ownership)
        duplicateModuleParameters(&ownership, roles: roles, partCount: usedObjects.count)
        var unsplittable = checkDataSections(roles, ownership)
        unsplittable.formUnion(reportUnsplittable(split.unsplittable, ownership))
        reportSharedState(ownership, except: unsplittable)
        reportOncePerPart(ownership)
        checkPatchedFunctions(usedObjects)

        var references: [Reference] = []
        var accounts: [RelocationAccount] = []
        var dependsOn: [Int: Set<Int>] = [:]
        let addressTable = AddressTable(livepatch: livepatch, roles: roles)
        for table in livepatch.relocationSections {
            var account = (references: 0, internalToPart: 0, infrastructure: 0, unreachable: 0)
            let targetSection = livepatch.sections[table.targetIndex]
            let role = ownership.plumbing.contains(table.targetIndex) ? .infrastructure : roles[table.targetIndex]
            for (position, entry) in table.entries.enumerated() {
                let carriers: Set<Int>
                switch role {
                case .content:
                    carriers = ownership.partsCarrying(section: table.targetIndex, offset: entry.offset)
                    if carriers.isEmpty { account.unreachable += 1; continue }
                case .special(let entrySize):
                    carriers = specialEntryParts(table: table, entry: entry, entrySize: entrySize, ownership: ownership)
                    if carriers.isEmpty { account.unreachable += 1; continue }
                case .infrastructure:
                    // Module plumbing (init/exit, klp arrays): every part gets its own copy, so an
                    // external symbol it uses is a reference of every part.
                    guard entry.symbolIndex < livepatch.symbols.count,
                          !livepatch.symbols[entry.symbolIndex].isDefinedInSection,
                          entry.symbolIndex > 0 else {
                        account.infrastructure += 1
                        continue
                    }
                    carriers = Set(0..<usedObjects.count)
                case .notLoaded:
                    account.infrastructure += 1
                    continue
                case .addressTable:
                    carriers = addressTable.parts(using: table.targetIndex, offset: entry.offset, ownership: ownership)
                    if carriers.isEmpty { account.unreachable += 1; continue }
                }
                var reported = false
                for part in carriers.sorted() {
                    let referenced = entry.symbolIndex < livepatch.symbols.count
                        ? table.referencedOffset(entry: position, symbolValue: livepatch.symbols[entry.symbolIndex].value,
                                                 inCode: targetSection.flags.contains(.executable), architecture: livepatch.architecture) : nil
                    guard let reference = classify(entry, in: targetSection, part: part, ownership: ownership,
                                                   referenced: referenced, dependsOn: &dependsOn) else { continue }
                    checkPPC64Rules(entry, in: targetSection, reference: reference)
                    references.append(reference)
                    reported = true
                    checkStaticKey(reference, in: targetSection, entry: entry, table: table)
                }
                if reported { account.references += 1 } else { account.internalToPart += 1 }
            }
            accounts.append(RelocationAccount(
                section: table.section.name, entries: table.entries.count, references: account.references,
                internalToPart: account.internalToPart, moduleInfrastructure: account.infrastructure,
                unreachable: account.unreachable))
        }
        checkCycles(dependsOn)
        reportUnusedAnnotations()

        var parts: [Part] = []
        for (index, object) in usedObjects.enumerated() {
            let carried = livepatch.symbols.filter { symbol in
                symbol.isDefinedInSection && (symbol.type == .function || symbol.type == .object)
                    && roles[Int(symbol.sectionIndex.rawValue)] == .content
                    && ownership.partsCarrying(section: Int(symbol.sectionIndex.rawValue), offset: symbol.value).contains(index)
            }
            let duplicated = carried.filter {
                if case .duplicated = ownership.owner(section: Int($0.sectionIndex.rawValue), offset: $0.value) { return true }
                return false
            }
            parts.append(Part(
                name: partNames[index], object: objects[index].rawValue, isMain: index == mainPart,
                functions: object.functions.map { PatchedFunction(oldName: $0.oldName, oldSympos: $0.oldSympos, newFunction: $0.newFunction) },
                callbacks: object.callbacks.map { "\($0.kind)=\($0.function)" },
                dependsOn: (dependsOn[index] ?? []).sorted().map { partNames[$0] },
                symbols: Set(carried.map(\.name)).sorted(), duplicated: Set(duplicated.map(\.name)).sorted()))
        }
        var plan = Plan(input: file, patch: patchName, metadata: patch.metadataName, replace: patch.replace,
                        parts: parts, references: references.sorted(), relocations: accounts.sorted { $0.section < $1.section },
                        diagnostics: dedupe(diagnostics).enumerated().sorted { ($0.element.severity, $0.offset) < ($1.element.severity, $1.offset) }.map(\.element))
        plan.target = input.target
        for (section, role) in roles.enumerated() where role == .content {
            let parts = ownership.plumbing.contains(section) ? Set(0..<usedObjects.count) : ownership.partsCarrying(section: section)
            if !parts.isEmpty { plan.carriers[section] = parts }
        }
        for (section, pieces) in ownership.pieces {
            plan.pieces[section] = PlanPieces(entrySize: pieces.entrySize, ranges: pieces.ranges,
                                              carriers: pieces.ranges.map { ownership.partsCarrying(section: section, offset: $0.lowerBound) })
        }
        plan.roles = roles
        return plan
    }

    func dedupe(_ list: [Diagnostic]) -> [Diagnostic] {
        var seen: [Diagnostic] = []
        for item in list where !seen.contains(item) { seen.append(item) }
        return seen
    }

    /// Content sections holding a symbol that the livepatch itself exports (it has a
    /// `__ksymtab_<name>`), each with that symbol (the first in `.symtab` order).
    func livepatchExports(_ roles: [SectionRole]) -> [Int: Symbol] {
        let exported = Set(livepatch.symbols.compactMap { symbol -> String? in
            symbol.name.hasPrefix("__ksymtab_") ? String(symbol.name.dropFirst("__ksymtab_".count)) : nil
        })
        var sections: [Int: Symbol] = [:]
        for symbol in livepatch.symbols where exported.contains(symbol.name) && symbol.isDefinedInSection {
            let section = Int(symbol.sectionIndex.rawValue)
            if section < roles.count, roles[section] == .content, sections[section] == nil { sections[section] = symbol }
        }
        return sections
    }

    /// Parts are cut along sections, so every function needs its own (-ffunction-sections).
    private mutating func checkFunctionSections(_ roles: [SectionRole]) {
        // Functions by section and start address (aliases such as init_module share one).
        var functions: [Int: [UInt64: String]] = [:]
        let padding = FunctionPadding(livepatch.symbols)
        for symbol in livepatch.symbols where symbol.type == .function && symbol.isDefinedInSection && symbol.size > 0
            && !padding.isPadding(symbol) {
            let section = Int(symbol.sectionIndex.rawValue)
            if section < livepatch.sections.count, livepatch.sections[section].flags.contains(.executable) {
                functions[section, default: [:]][symbol.value] = symbol.name
            }
        }
        for (section, starts) in functions.sorted(by: { $0.key < $1.key }) where starts.count > 1 && objects.count > 1 {
            let names = starts.values.sorted()
            fail("no-function-sections", livepatch.sections[section].name,
                 "\(names.count) functions (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", ..." : "")) share one section, so the parts cannot be cut apart; rebuild the livepatch with ccflags-y += -ffunction-sections -fdata-sections")
        }
    }

    /// A replacement function (`new_func`) belongs to one part, so its section may be no other
    /// part's root. One callback function given to several objects (samples/livepatch/
    /// livepatch-callbacks-demo.c gives the same four to each) is fine: each part gets a copy and
    /// the kernel calls it for that part's object only, as it did for each object before.
    private mutating func checkSharedRoots(_ roots: [Int: Set<Int>], functions: [Int: Set<Int>]) {
        for (part, sections) in functions.sorted(by: { $0.key < $1.key }) {
            for section in sections.sorted() {
                guard let other = roots.keys.sorted().first(where: { $0 != part && roots[$0]?.contains(section) == true }) else { continue }
                let (first, second) = (min(part, other), max(part, other))
                fail("shared-root", livepatch.sections[section].name,
                      "replacement code for parts '\(partNames[first])' and '\(partNames[second])' is in one section; rebuild with ccflags-y += -ffunction-sections -fdata-sections")
            }
        }
    }

    /// A `pr_warn_once`/`printk_once`/`WARN_ONCE` flag that several parts use (a helper duplicated
    /// into them) is copied into each: the message then prints once per part, not once in all.
    private mutating func reportOncePerPart(_ ownership: Ownership) {
        for (section, pieces) in ownership.pieces.sorted(by: { $0.key < $1.key })
        where SectionPieces.onceSections.contains(livepatch.sections[section].name) {
            for (index, range) in pieces.ranges.enumerated() {
                guard case .duplicated(let parts) = ownership.owner(section: section, offset: range.lowerBound) else { continue }
                warn("once-per-part", livepatch.sections[section].name,
                     "once-flag '\(pieces.names[index])' is used by parts \(parts.sorted().map { partNames[$0] }.joined(separator: ", ")), so each part gets its own copy and its message prints once per part; if it must print once in all, move the code that uses it into one part")
            }
        }
    }

    /// Writable sections several parts use; `except` those `checkDataSections` refused already.
    private mutating func reportSharedState(_ ownership: Ownership, except refused: Set<Int>) {
        for (node, owner) in ownership.owners.sorted(by: { $0.key < $1.key }) {
            guard case .sharedState(let parts) = owner else { continue }
            let (section, piece) = ownership.location(of: node)
            guard !refused.contains(section) else { continue }
            let names = parts.sorted().map { partNames[$0] }.joined(separator: ", ")
            let symbol = piece.flatMap { ownership.pieces[section]?.names[$0] }
                ?? livepatch.symbols.first { Int($0.sectionIndex.rawValue) == section && $0.type == .object }?.name
                ?? livepatch.sections[section].name
            fail("shared-state", livepatch.sections[section].name,
                  "writable '\(symbol)' is used by parts \(names); split parts cannot share state: EXPORT_SYMBOL_GPL it from the main (vmlinux) part, or keep it in a shadow variable (klp_shadow_get_or_alloc)")
        }
    }

    mutating func checkPatchedFunctions(_ usedObjects: [KlpObject]) {
        for (index, object) in usedObjects.enumerated() {
            let name = objects[index]
            guard let order = input.symbolOrder[name] else {
                warn("no-symbol-order", partNames[index],
                        "no symbol order for '\(name)', so its patched functions and locals cannot be checked; " +
                        (name.isVmlinux ? "pass --kallsyms FILE (a /proc/kallsyms dump) or --vmlinux FILE" : "make sure \(name).ko is in the module tree"))
                continue
            }
            for function in object.functions {
                let candidates = order.occurrences(of: function.oldName)
                let location = "\(name).\(function.oldName)"
                if candidates.isEmpty {
                    fail("patched-function-missing", location,
                          "'\(function.oldName)' does not exist in \(name) (\((order.source ?? order.object.rawValue))); the kernel would refuse the patch with \"symbol '\(function.oldName)' not found in symbol table\"")
                } else if function.oldSympos == 0 && candidates.count > 1 {
                    fail("patched-function-ambiguous", location,
                          "'\(function.oldName)' occurs \(candidates.count) times in \(name); set .old_sympos to one of \(Self.positions(candidates))")
                } else if function.oldSympos > UInt64(candidates.count) {
                    fail("patched-function-sympos", location,
                          "old_sympos \(function.oldSympos) for '\(function.oldName)' does not exist in \(name), which has \(candidates.count) occurrence(s)")
                }
            }
        }
    }

    static func positions(_ candidates: [SymbolOccurrence]) -> String {
        candidates.map { "\($0.position) (\($0.addressDescription))" }.joined(separator: ", ")
    }

    private mutating func checkCycles(_ dependsOn: [Int: Set<Int>]) {
        var state: [Int: Int] = [:]  // 1 visiting, 2 done
        func visit(_ part: Int, _ path: [Int]) -> [Int]? {
            if state[part] == 1 { return path + [part] }
            if state[part] == 2 { return nil }
            state[part] = 1
            for next in (dependsOn[part] ?? []).sorted() {
                if let cycle = visit(next, path + [part]) { return cycle }
            }
            state[part] = 2
            return nil
        }
        for part in dependsOn.keys.sorted() {
            if let cycle = visit(part, []) {
                fail("dependency-cycle", nil, "parts depend on each other in a cycle: \(cycle.map { partNames[$0] }.joined(separator: " -> ")); move the shared code into the part that owns it or into the main part")
                return
            }
        }
    }

    /// Special sections whose entries may not name a module's static key or static call through a
    /// klp relocation: the module loader sets up a module's jump labels and static calls
    /// (`jump_label_add_module`, `static_call_add_module`) before the klp relocations of a patched
    /// module are applied (kpatch create-diff-object.c, objtool klp-diff.c
    /// `validate_special_section_klp_reloc`). vmlinux keys are fine: their klp relocations are
    /// applied while the part loads (v5.8).
    static let keySections: Set<String> = ["__jump_table", ".static_call_sites"]

    /// A `__jump_table` or `.static_call_sites` entry keyed on a static key or static call of a
    /// module is refused (`klp-static-key`); a tracepoint's is named as the tracepoint.
    mutating func checkStaticKey(_ reference: Reference, in section: Section, entry: Relocation, table: RelocationSection) {
        guard Self.keySections.contains(section.name),
              [.patchedModuleExport, .otherModuleExport, .moduleLocal].contains(reference.category) else { return }
        let module = reference.owner ?? "?"
        // The code the entry describes: the relocation at the entry's start (jump_entry.code,
        // static_call_site.addr).
        let entrySize = SpecialSectionTable.x86_64(for: targetVersion)[section.name] ?? 0
        let start = entrySize > 0 ? entry.offset - entry.offset % entrySize : entry.offset
        let code = table.entries.first { $0.offset == start && $0.offset != entry.offset }.flatMap { sibling -> String? in
            guard sibling.symbolIndex < livepatch.symbols.count, livepatch.symbols[sibling.symbolIndex].isDefinedInSection else { return nil }
            let symbol = livepatch.symbols[sibling.symbolIndex]
            return livepatch.describe(Location(section: Int(symbol.sectionIndex.rawValue),
                                               offset: UInt64(bitPattern: Int64(bitPattern: symbol.value) &+ sibling.addend)))
        }
        let location = "\(section.name)+0x\(String(entry.offset, radix: 16))"
        let user = code.map { " (used by \($0))" } ?? ""
        for prefix in ["__tracepoint_", "__SCK__tp_func_"] where reference.symbol.hasPrefix(prefix) {
            let tracepoint = reference.symbol.dropFirst(prefix.count)
            fail("klp-static-key", location,
                 "tracepoint '\(tracepoint)' belongs to module '\(module)'\(user): its \(prefix == "__tracepoint_" ? "static key" : "static call") '\(reference.symbol)' would need a klp relocation, which the kernel applies only after the module's jump labels and static calls are set up; remove the trace_\(tracepoint)() call from the replacement (upstream klp-build disables it), or move it into a function of \(module) that the replacement calls")
            return
        }
        let isCall = section.name == ".static_call_sites"
        fail("klp-static-key", location,
             "\(isCall ? "static call" : "static key") '\(reference.symbol)' belongs to module '\(module)'\(user), and a klp relocation to it is applied only after the module's \(isCall ? "static calls" : "jump labels") are set up; \(isCall ? "call the function directly instead of through static_call()" : "use static_key_enabled() instead of static_branch_*()")")
    }

    /// The parts whose code a special-section entry describes: the owners of the code its other relocations name.
    func specialEntryParts(table: RelocationSection, entry: Relocation, entrySize: UInt64?,
                                   ownership: Ownership) -> Set<Int> {
        let siblings: [Relocation]
        if let entrySize, entrySize > 0 {
            let start = entry.offset / entrySize * entrySize
            siblings = table.entries.filter { $0.offset >= start && $0.offset < start + entrySize }
        } else {
            siblings = [entry]
        }
        // The code an entry describes decides who keeps it (the file name string of a __bug_table
        // entry is duplicated into every part that has a WARN, and must not pull the entry along);
        // an entry naming no code goes with whoever carries what it names.
        var code: Set<Int> = []
        var data: Set<Int> = []
        for sibling in siblings where sibling.symbolIndex < livepatch.symbols.count {
            let symbol = livepatch.symbols[sibling.symbolIndex]
            guard symbol.isDefinedInSection else { continue }
            let section = Int(symbol.sectionIndex.rawValue)
            guard ownership.roles[section] == .content else { continue }
            if livepatch.sections[section].flags.contains(.executable) {
                code.formUnion(ownership.partsCarrying(section: section))
            } else {
                data.formUnion(ownership.partsCarrying(section: section, offset: symbol.value &+ UInt64(bitPattern: sibling.addend)))
            }
        }
        return code.isEmpty ? data : code
    }
}
