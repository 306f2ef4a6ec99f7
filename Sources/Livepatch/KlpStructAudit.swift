import ELF

/// A pointer member of a livepatch struct that the kernel dereferences but that no relocation of the
/// module fills in (or one that points at the wrong kind of thing): the kernel reads NULL there.
///
/// Kernel: kernel/livepatch/core.c `klp_enable_patch()` (`!patch->mod || !patch->objs` → -EINVAL),
/// `klp_init_object()` (`!obj->funcs` → -EINVAL), `klp_init_func()` (`!func->old_name`,
/// `!func->new_func` → -EINVAL); a NULL `klp_object.name` means vmlinux (`klp_is_module()`).
package struct KlpPointerGap: Sendable, Equatable {
    /// The struct and its index, as C spells it: `klp_patch`, `klp_object[0]`, `klp_func[1]`
    /// (klp-build: `klp_object_ext[0]`, `klp_func_ext[0]`).
    package let structName: String
    /// The member: `mod`, `objs`, `name`, `funcs`, `old_name`, `new_func`, `callbacks.pre_patch`, ...
    package let member: String
    /// The member's offset in its struct.
    package let memberOffset: UInt64
    /// The object a `klp_func` belongs to (nil for the other structs).
    package let object: String?
    /// Where the member is: `<section>+0x<offset>`.
    package let location: String
    /// What the member must point to, in words: `__this_module`, `the klp_object array`, ...
    package let needs: String
    /// What is there instead: nil when no relocation fills the member in.
    package let found: String?
}

/// The pointers of a module's livepatch structs that the kernel needs, checked one by one: every
/// pointer member of `struct klp_patch` (`mod`, `objs`), of each `struct klp_object` (`name` unless
/// vmlinux, `funcs`, the callbacks that are set) and of each `struct klp_func` (`old_name`,
/// `new_func`), or of klp-build's `klp_object_ext`/`klp_func_ext`, must be covered by a relocation
/// to the right kind of target.
///
/// Unlike `KlpMetadataReader`, the audit does not need the pointers to find the structs: the
/// `struct klp_patch` is the one `read()` found through `.mod = THIS_MODULE` or, when that fails,
/// the argument of the `klp_enable_patch()` call. Arrays end where the kernel stops reading
/// them (`klp_for_each_object_static`, `klp_for_each_func_static`: the first entry with no pointer
/// and no sympos set). Element sizes: DWARF, else what `KlpMetadataReader` derived, else
/// `KlpLayout.knownSizes`; without any, only the first entry of an array is checked.
package struct KlpStructAudit: Sendable {
    /// Every gap, in struct order.
    package let gaps: [KlpPointerGap]
    /// Objects whose `name` relocation is missing although the module has `.klp.rela.<object>.`
    /// sections for an object no klp_object names, by object index: the object meant.
    package let intendedNames: [Int: String]

    package static let empty = KlpStructAudit(gaps: [], intendedNames: [:])
}

extension KlpMetadataReader {
    /// The audit; `patch` is what `read()` made of the module, when it could.
    func audit(patch: KlpPatch?, release: String?) -> KlpStructAudit {
        var auditor = KlpStructAuditor(reader: self, patch: patch, release: release)
        if KlpBuildSections.find(in: sections) != nil {
            auditor.auditKlpBuild()
        } else {
            auditor.auditClassic()
        }
        return KlpStructAudit(gaps: auditor.gaps, intendedNames: auditor.intendedNames)
    }
}

/// One audit run.
struct KlpStructAuditor {
    let reader: KlpMetadataReader
    let patch: KlpPatch?
    let release: String?
    var gaps: [KlpPointerGap] = []
    var intendedNames: [Int: String] = [:]

    private var sections: [Section] { reader.sections }
    private var symbols: [Symbol] { reader.symbols }

    // MARK: classic struct klp_patch

    mutating func auditClassic() {
        let layout = try? KlpLayout(dwarf: reader.dwarf, file: reader.file)
        let known = KlpLayout.knownSizes(release: release)
        let offsets = layout ?? .inferred
        guard let patchLocation = patch?.patchLocation ?? locatePatch(layout: offsets) else { return }
        let relocations = reader.relocations(applyingTo: patchLocation.section)
        let base = patchLocation.offset
        let thisModule = relocations[base + offsets.patchMod].map { symbolName($0) }
        if thisModule != "__this_module" {
            gap("klp_patch", "mod", offsets.patchMod, at: Location(section: patchLocation.section, offset: base + offsets.patchMod),
                needs: "__this_module (THIS_MODULE)", found: thisModule)
        }
        let objsAt = Location(section: patchLocation.section, offset: base + offsets.patchObjs)
        guard let objs = pointer(at: objsAt, needs: .writableData, in: "klp_patch", "objs", offsets.patchObjs,
                                 what: "the struct klp_object array") else { return }
        let objectSize = layout?.objectSize ?? nonZero(patch?.objectEntrySize) ?? known?.object
        let funcSizes = patch.map { $0.objects.compactMap { $0.functions.isEmpty ? nil : $0.functionsArraySize / UInt64($0.functions.count) } }
        let funcSize = layout?.funcSize ?? funcSizes?.first ?? known?.function
        var evidence = namedElsewhere()
        let members = [offsets.objectName, offsets.objectFuncs] + offsets.objectCallbacks
        let byOffset = reader.relocations(applyingTo: objs.section)
        var k: UInt64 = 0
        while true {
            let entry = objs.offset + k * (objectSize ?? 0)
            if !members.contains(where: { byOffset[entry + $0] != nil }) {
                if k == 0 {
                    gap("klp_object[0]", "funcs", offsets.objectFuncs, at: Location(section: objs.section, offset: entry + offsets.objectFuncs),
                        needs: "a struct klp_func array (the klp_object array is empty, so the patch patches nothing)", found: nil)
                }
                return
            }
            let name = "klp_object[\(k)]"
            var objectName: String?
            if let relocation = byOffset[entry + offsets.objectName] {
                objectName = reader.target(of: relocation).flatMap { try? reader.string(at: $0) }
                if objectName == nil {
                    gap(name, "name", offsets.objectName, at: Location(section: objs.section, offset: entry + offsets.objectName),
                        needs: "the object's name string", found: symbolName(relocation))
                }
            } else if !evidence.isEmpty {
                let intended = evidence.removeFirst()
                intendedNames[Int(k)] = intended
                objectName = intended
                gap(name, "name", offsets.objectName, at: Location(section: objs.section, offset: entry + offsets.objectName),
                    needs: "the string \"\(intended)\" (NULL means vmlinux, but the module has klp relocations for '\(intended)')", found: nil)
            }
            auditCallbacks(of: name, entry: Location(section: objs.section, offset: entry), offsets: offsets.objectCallbacks)
            if let funcs = pointer(at: Location(section: objs.section, offset: entry + offsets.objectFuncs), needs: .writableData,
                                   in: name, "funcs", offsets.objectFuncs, what: "the object's struct klp_func array") {
                auditFunctions(at: funcs, size: funcSize, offsets: offsets, object: objectName ?? "vmlinux")
            }
            guard let objectSize else { return }
            k += 1
        }
    }

    private mutating func auditFunctions(at start: Location, size: UInt64?, offsets: KlpLayout, object: String) {
        let byOffset = reader.relocations(applyingTo: start.section)
        let bytes = (try? reader.contents.bytes(start.section)) ?? []
        var j: UInt64 = 0
        while true {
            let entry = start.offset + j * (size ?? 0)
            let sympos = reader.readInteger(bytes, at: Int(entry + offsets.funcOldSympos), size: offsets.funcOldSymposSize)
            let hasName = byOffset[entry + offsets.funcOldName] != nil, hasNew = byOffset[entry + offsets.funcNewFunc] != nil
            if !hasName && !hasNew && sympos == 0 {
                // An empty list (`no_funcs[] = { { } }`, an object with callbacks only) is an array
                // that is one terminator long; a longer array whose first entry lost its relocations is a gap.
                if j == 0 && !(size.map { reader.arrayExtent(at: start) == $0 } ?? false) {
                    gap("klp_func[0]", "old_name", offsets.funcOldName, object: object,
                        at: Location(section: start.section, offset: entry + offsets.funcOldName),
                        needs: "the patched function's name (the klp_func array is empty)", found: nil)
                }
                return
            }
            let name = "klp_func[\(j)]"
            _ = pointer(at: Location(section: start.section, offset: entry + offsets.funcOldName), needs: .data,
                        in: name, "old_name", offsets.funcOldName, what: "the patched function's name", object: object)
            _ = pointer(at: Location(section: start.section, offset: entry + offsets.funcNewFunc), needs: .code,
                        in: name, "new_func", offsets.funcNewFunc, what: "the replacement function", object: object)
            guard let size else { return }
            j += 1
        }
    }

    /// `struct klp_patch`, when `read()` could not find it: the argument of the `klp_enable_patch()`
    /// call, else the one relocation to `__this_module` in writable data (`.mod = THIS_MODULE`).
    /// A module that never calls `klp_enable_patch()` has no static klp_patch to audit.
    private func locatePatch(layout: KlpLayout) -> Location? {
        guard let enable = symbols.firstIndex(where: { $0.name == "klp_enable_patch" }) else { return nil }
        // `mov $patch, %rdi` (R_X86_64_32S) then `call`/`jmp klp_enable_patch` (R_X86_64_PLT32): the
        // last relocation to writable data in the few bytes before the call.
        for table in reader.relocationSections where sections[table.targetIndex].flags.contains(.executable) {
            for call in table.entries where call.symbolIndex == enable {
                let argument = table.entries
                    .filter { $0.offset < call.offset && call.offset - $0.offset <= 16 }
                    .sorted { $0.offset > $1.offset }
                    .compactMap { reader.target(of: $0) }
                    .first { reader.isWritableData($0) }
                if let argument { return argument }
            }
        }
        guard let thisModule = symbols.firstIndex(where: { $0.name == "__this_module" }) else { return nil }
        var candidates: [Location] = []
        for table in reader.relocationSections where !table.section.flags.contains(.relaLivepatch) {
            let patched = sections[table.targetIndex]
            guard patched.flags.contains(.write), patched.name != ".gnu.linkonce.this_module" else { continue }
            for entry in table.entries where entry.symbolIndex == thisModule && entry.offset >= layout.patchMod {
                candidates.append(Location(section: table.targetIndex, offset: entry.offset - layout.patchMod))
            }
        }
        return candidates.count == 1 ? candidates[0] : nil
    }

    // MARK: klp-build metadata

    mutating func auditKlpBuild() {
        guard let section = KlpBuildSections.find(in: sections)?.objects else { return }
        let layout = (try? KlpBuildLayout(dwarf: reader.dwarf, file: reader.file)) ?? .fixed
        guard layout.objectSize > 0 else { return }
        let byOffset = reader.relocations(applyingTo: section.index)
        let bytes = (try? reader.contents.bytes(section.index)) ?? []
        var evidence = namedElsewhere()
        for (k, base) in stride(from: UInt64(0), to: section.size, by: Int(layout.objectSize)).enumerated() {
            let name = "klp_object_ext[\(k)]"
            var objectName: String?
            if let relocation = byOffset[base + layout.objectName] {
                objectName = reader.target(of: relocation).flatMap { try? reader.string(at: $0) }
            } else if !evidence.isEmpty {
                let intended = evidence.removeFirst()
                intendedNames[k] = intended
                objectName = intended
                gap(name, "name", layout.objectName, at: Location(section: section.index, offset: base + layout.objectName),
                    needs: "the string \"\(intended)\" (NULL means vmlinux, but the module has klp relocations for '\(intended)')", found: nil)
            }
            auditCallbacks(of: name, entry: Location(section: section.index, offset: base), offsets: layout.objectCallbacks)
            guard let funcs = pointer(at: Location(section: section.index, offset: base + layout.objectFuncs), needs: .data,
                                      in: name, "funcs", layout.objectFuncs, what: "the object's struct klp_func_ext array") else { continue }
            let count = reader.readInteger(bytes, at: Int(base + layout.objectFunctionCount), size: layout.objectFunctionCountSize)
            for j in 0..<count {
                let entry = funcs.offset + j * layout.funcSize
                let funcName = "klp_func_ext[\(j)]"
                _ = pointer(at: Location(section: funcs.section, offset: entry + layout.funcOldName), needs: .data,
                            in: funcName, "old_name", layout.funcOldName, what: "the patched function's name", object: objectName ?? "vmlinux")
                _ = pointer(at: Location(section: funcs.section, offset: entry + layout.funcNewFunc), needs: .code,
                            in: funcName, "new_func", layout.funcNewFunc, what: "the replacement function", object: objectName ?? "vmlinux")
            }
        }
    }

    // MARK: helpers

    /// Callbacks are optional; one that is set must point to code.
    private mutating func auditCallbacks(of structName: String, entry: Location, offsets: [UInt64]) {
        let byOffset = reader.relocations(applyingTo: entry.section)
        for (kind, offset) in zip(KlpMetadataReader.callbackNames, offsets) {
            guard let relocation = byOffset[entry.offset + offset] else { continue }
            if !(reader.target(of: relocation).map(reader.isExecutable) ?? isUndefinedFunction(relocation)) {
                gap(structName, "callbacks.\(kind)", offset, at: Location(section: entry.section, offset: entry.offset + offset),
                    needs: "a function", found: symbolName(relocation))
            }
        }
    }

    /// The target of the pointer member at `location`, or nil after recording a gap.
    /// The kind of place a pointer member must point to.
    enum TargetKind { case writableData, data, code }

    private func accepts(_ target: Location, _ kind: TargetKind) -> Bool {
        switch kind {
        case .writableData: reader.isWritableData(target)
        case .data: !reader.isExecutable(target)
        case .code: reader.isExecutable(target)
        }
    }

    private mutating func pointer(at location: Location, needs kind: TargetKind, in structName: String, _ member: String,
                                  _ memberOffset: UInt64, what: String, object: String? = nil) -> Location? {
        let relocation = reader.relocations(applyingTo: location.section)[location.offset]
        if let relocation, let target = reader.target(of: relocation), accepts(target, kind) { return target }
        gap(structName, member, memberOffset, object: object, at: location, needs: what, found: relocation.map(symbolName))
        return nil
    }

    private mutating func gap(_ structName: String, _ member: String, _ memberOffset: UInt64, object: String? = nil,
                              at location: Location, needs: String, found: String?) {
        gaps.append(KlpPointerGap(structName: structName, member: member, memberOffset: memberOffset, object: object,
                                  location: "\(sections[location.section].name)+0x\(String(location.offset, radix: 16))",
                                  needs: needs, found: found))
    }

    private func symbolName(_ relocation: Relocation) -> String {
        guard relocation.symbolIndex < symbols.count else { return "symbol \(relocation.symbolIndex)" }
        let symbol = symbols[relocation.symbolIndex]
        if symbol.type == .section, Int(symbol.sectionIndex.rawValue) < sections.count, symbol.sectionIndex.isOrdinary {
            return "\(sections[Int(symbol.sectionIndex.rawValue)].name)+0x\(String(relocation.addend, radix: 16))"
        }
        return symbol.name
    }

    private func isUndefinedFunction(_ relocation: Relocation) -> Bool {
        relocation.symbolIndex < symbols.count && symbols[relocation.symbolIndex].sectionIndex == .undefined
    }

    private func nonZero(_ value: UInt64?) -> UInt64? { value == 0 ? nil : value }

    /// Module objects this module has klp relocation sections (`.klp.rela.<object>.`) for that no
    /// klp_object names: the kernel applies those only for an object of the patch, so a NULL name
    /// next to them is a lost relocation, not vmlinux.
    private func namedElsewhere() -> [String] {
        let named = Set((patch?.objects ?? []).compactMap(\.name))
        var objects: [String] = []
        for section in sections where section.name.hasPrefix(".klp.rela.") {
            let object = String(section.name.dropFirst(".klp.rela.".count).prefix { $0 != "." })
            if object != "vmlinux", !named.contains(object), !objects.contains(object) { objects.append(object) }
        }
        return objects
    }
}
