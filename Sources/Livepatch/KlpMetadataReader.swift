import ELF

/// Finds the patch description in a livepatch module and reads it into a `KlpPatch`.
///
/// The struct layout comes from the module's own DWARF when it describes the structs, and is
/// inferred otherwise; either way it is verified against every relocation inside the arrays, so
/// nothing is guessed silently. `KlpPatch.layout` says which it was.
///
/// Classic modules: the static `struct klp_patch` is found through its `.mod = THIS_MODULE`
/// relocation, then `objs` and `funcs` are followed through relocations.
/// - With DWARF (`struct klp_patch`, `klp_object`, `klp_func`, `klp_callbacks` in `.debug_info`):
///   sizes and member offsets are DWARF's. The element sizes that the relocations imply (array
///   symbol size / (entries + terminator)) must equal DWARF's, or the module is refused.
/// - Without: the member offsets used are stable since v4.x on 64-bit: `klp_func.old_name` 0,
///   `.new_func` 8, `.old_sympos` 16; `klp_object.name` 0, `.funcs` 8, `.callbacks` 16..47 (four
///   pointers); `klp_patch.mod` 0, `.objs` 8, `.states` 16, `.replace` 24 (include/linux/livepatch.h);
///   the element sizes, which depend on the kernel config (`struct kobject` lives inside), are derived
///   from the array symbol's size and the number of entries (arrays end with a zeroed terminator).
/// - Every relocation inside an array (and, with DWARF, inside `struct klp_patch`) must fall on one of
///   the pointer members above, or the module is refused.
///
/// klp-build modules: `.init.klp_objects` and `.init.klp_funcs`, or 6.19's `__klp_objects` and
/// `__klp_funcs` (`KlpBuildSections`; include/linux/livepatch_external.h),
/// with DWARF's `struct klp_object_ext`/`klp_func_ext` layouts when present, otherwise the fixed
/// 64-bit layouts (64 and 24 bytes); every relocation in them is verified the same way.
struct KlpMetadataReader {
    let file: String
    let sections: [Section]
    let symbols: [Symbol]
    let relocationSections: [RelocationSection]
    let contents: SectionContents
    /// Whether the module has DWARF of its own (`.debug_info`).
    let hasDWARF: Bool
    /// The livepatch structs the module's DWARF defines, by name (`KlpLayout.structNames`,
    /// `KlpBuildLayout.structNames`); empty without DWARF.
    let dwarf: [String: StructLayout]

    static let callbackNames = ["pre_patch", "post_patch", "pre_unpatch", "post_unpatch"]

    func read() throws -> KlpPatch {
        if let (names, objects) = KlpBuildSections.find(in: sections) {
            return try readKlpBuild(objects: objects, names: names)
        }
        return try readClassic()
    }

    // MARK: relocation lookups

    /// Relocations applying to a section, keyed by offset.
    func relocations(applyingTo section: Int) -> [UInt64: Relocation] {
        var result: [UInt64: Relocation] = [:]
        for table in relocationSections where table.targetIndex == section && !table.section.flags.contains(.relaLivepatch) {
            for entry in table.entries { result[entry.offset] = entry }
        }
        return result
    }

    /// Where a relocation points, for a symbol defined in this module.
    func target(of relocation: Relocation) -> Location? {
        guard relocation.symbolIndex < symbols.count else { return nil }
        let symbol = symbols[relocation.symbolIndex]
        guard symbol.isDefinedInSection, Int(symbol.sectionIndex.rawValue) < sections.count else { return nil }
        return Location(section: Int(symbol.sectionIndex.rawValue),
                        offset: UInt64(bitPattern: Int64(bitPattern: symbol.value) &+ relocation.addend))
    }

    func string(at location: Location) throws -> String {
        let bytes = try contents.bytes(location.section)
        guard location.offset < UInt64(bytes.count) else {
            throw LivepatchError.malformed(file, sections[location.section].name, "string pointer +0x\(String(location.offset, radix: 16)) is past the end of the section")
        }
        let tail = bytes[Int(location.offset)...].prefix { $0 != 0 }
        return String(decoding: tail, as: UTF8.self)
    }

    func functionName(at location: Location) -> String {
        if let symbol = symbols.first(where: {
            $0.type == .function && Int($0.sectionIndex.rawValue) == location.section && $0.value == location.offset && $0.sectionIndex.isOrdinary
        }) {
            return symbol.name
        }
        return "\(sections[location.section].name)+0x\(String(location.offset, radix: 16))"
    }

    func isExecutable(_ location: Location) -> Bool { sections[location.section].flags.contains(.executable) }
    func isWritableData(_ location: Location) -> Bool {
        let flags = sections[location.section].flags
        return flags.contains(.alloc) && flags.contains(.write) && !flags.contains(.executable)
    }

    func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    func readInteger(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<size where offset + i < bytes.count { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }

    /// The extent of the array that starts at a location: its symbol's size, else the rest of the section.
    func arrayExtent(at location: Location) -> UInt64 {
        if let symbol = symbols.first(where: {
            $0.type == .object && Int($0.sectionIndex.rawValue) == location.section && $0.value == location.offset && $0.size > 0
        }) {
            return symbol.size
        }
        return sections[location.section].size - min(location.offset, sections[location.section].size)
    }

    // MARK: classic struct klp_patch

    func readClassic() throws -> KlpPatch {
        let layout = try KlpLayout(dwarf: dwarf, file: file) ?? .inferred
        guard let thisModule = symbols.firstIndex(where: { $0.name == "__this_module" }) else {
            throw LivepatchError.noPatchMetadata(file)
        }
        var candidates: [(Location, Location)] = []
        for table in relocationSections where !table.section.flags.contains(.relaLivepatch) {
            let patched = sections[table.targetIndex]
            guard patched.flags.contains(.write), patched.name != ".gnu.linkonce.this_module" else { continue }
            let byOffset = relocations(applyingTo: table.targetIndex)
            for entry in table.entries where entry.symbolIndex == thisModule && entry.offset >= layout.patchMod {
                let base = entry.offset - layout.patchMod
                // layout offsets come from the module's DWARF: no trap on a corrupt one
                let (objsOffset, overflow) = base.addingReportingOverflow(layout.patchObjs)
                if !overflow, let objsPointer = byOffset[objsOffset], let objs = target(of: objsPointer), isWritableData(objs) {
                    candidates.append((Location(section: table.targetIndex, offset: base), objs))
                }
            }
        }
        guard let (patchLocation, objsLocation) = candidates.first else { throw LivepatchError.noPatchMetadata(file) }
        guard candidates.count == 1 else {
            throw LivepatchError.malformed(file, sections[patchLocation.section].name,
                "found \(candidates.count) struct klp_patch candidates; a livepatch module defines exactly one")
        }
        let patchBytes = try contents.bytes(patchLocation.section)
        let replace = readInteger(patchBytes, at: Int(patchLocation.offset + layout.patchReplace), size: layout.patchReplaceSize) != 0
        let patchRelocations = relocations(applyingTo: patchLocation.section)
        let hasStates = patchRelocations[patchLocation.offset + layout.patchStates] != nil
        if let patchSize = layout.patchSize {
            try verifyPatch(at: patchLocation, size: patchSize, layout: layout, relocations: patchRelocations)
        }

        var metadata: Set<Int> = [patchLocation.section, objsLocation.section]
        let (objects, objectSize) = try readObjects(at: objsLocation, layout: layout, metadata: &metadata)
        let funcSizes = Set(objects.flatMap(\.1)).sorted().map(String.init).joined(separator: "/")
        let description: String
        if let patchSize = layout.patchSize {
            description = "DWARF: sizeof(struct klp_patch) = \(patchSize), sizeof(struct klp_object) = \(objectSize), sizeof(struct klp_func) = \(funcSizes), member offsets from .debug_info; every relocation in the arrays verified"
        } else {
            let why = hasDWARF
                ? "DWARF does not describe \(KlpLayout.structNames.filter { dwarf[$0] == nil }.map { "struct " + $0 }.joined(separator: ", "))"
                : "no DWARF"
            description = "\(why); inferred from relocations: sizeof(struct klp_object) = \(objectSize), sizeof(struct klp_func) = \(funcSizes), member offsets of include/linux/livepatch.h since v4.x; every relocation in the arrays verified"
        }
        var result = KlpPatch(source: .klpStructs, replace: replace, hasStates: hasStates,
                              objects: objects.map(\.0), metadataSections: metadata, layout: description)
        result.patchLocation = patchLocation
        result.objectEntrySize = objectSize
        return result
    }

    /// With DWARF: the `struct klp_patch` symbol has DWARF's size, and relocations inside it fall on
    /// `mod`, `objs` or `states` only.
    private func verifyPatch(at location: Location, size: UInt64, layout: KlpLayout, relocations: [UInt64: Relocation]) throws {
        let where_ = sections[location.section].name
        if let symbol = symbols.first(where: {
            $0.type == .object && Int($0.sectionIndex.rawValue) == location.section && $0.value == location.offset && $0.size > 0
        }), symbol.size != size {
            throw LivepatchError.layoutDisagrees(file, where_,
                "the DWARF gives sizeof(struct klp_patch) = \(size), but symbol '\(symbol.name)' is \(symbol.size) bytes")
        }
        let allowed: Set<UInt64> = [layout.patchMod, layout.patchObjs, layout.patchStates]
        if let stray = relocations.keys.sorted().first(where: {
            $0 >= location.offset && $0 < location.offset + size && !allowed.contains($0 - location.offset)
        }) {
            throw LivepatchError.layoutDisagrees(file, where_,
                "relocation at +\(hex(stray)) is at struct klp_patch offset \(stray - location.offset), which the DWARF says is none of mod, objs, states")
        }
    }

    /// The element size of a zero-terminated array of `count` entries spanning `extent` bytes.
    private func elementSize(extent: UInt64, count: UInt64) -> UInt64? {
        guard count > 0, extent % (count + 1) == 0, (extent / (count + 1)) % 8 == 0 else { return nil }
        return extent / (count + 1)
    }

    /// The element size to use: DWARF's, which must equal what the relocations imply, or the inferred one.
    private func elementSize(_ dwarfSize: UInt64?, extent: UInt64, count: UInt64, structName: String,
                             pointers: String, at where_: String) throws -> UInt64 {
        let derived = elementSize(extent: extent, count: count)
        guard let dwarfSize else {
            guard let derived else {
                throw LivepatchError.unsupportedLayout(file, where_, "cannot derive sizeof(struct \(structName)) from \(count) \(pointers) \(count == 1 ? "pointer" : "pointers") in \(extent) bytes")
            }
            return derived
        }
        guard count > 0, extent == dwarfSize * (count + 1) else {
            let implied = derived.map { "\($0)" } ?? "no 8-byte-aligned size"
            throw LivepatchError.layoutDisagrees(file, where_,
                "the DWARF gives sizeof(struct \(structName)) = \(dwarfSize), but \(count) \(pointers) \(count == 1 ? "pointer" : "pointers") in \(extent) bytes (entries and terminator) imply \(implied)")
        }
        return dwarfSize
    }

    private func readObjects(at start: Location, layout: KlpLayout, metadata: inout Set<Int>) throws -> ([(KlpObject, [UInt64])], UInt64) {
        let where_ = sections[start.section].name
        let extent = arrayExtent(at: start)
        let byOffset = relocations(applyingTo: start.section).filter { $0.key >= start.offset && $0.key < start.offset + extent }
        let funcsPointers = byOffset.filter { entry in target(of: entry.value).map(isWritableData) ?? false }
        let count = UInt64(funcsPointers.count)
        let size = try elementSize(layout.objectSize, extent: extent, count: count, structName: "klp_object",
                                   pointers: "funcs", at: where_)
        var objects: [(KlpObject, [UInt64])] = []
        for k in 0..<count {
            let base = start.offset + k * size
            guard let funcsRelocation = byOffset[base + layout.objectFuncs], let funcs = target(of: funcsRelocation) else {
                throw LivepatchError.unsupportedLayout(file, where_, "klp_object[\(k)] has no funcs pointer at +\(layout.objectFuncs)")
            }
            let name = try byOffset[base + layout.objectName].flatMap(target(of:)).map { try string(at: $0) }
            var callbacks: [KlpCallback] = []
            for (kind, offset) in zip(Self.callbackNames, layout.objectCallbacks) {
                if let relocation = byOffset[base + offset], let function = target(of: relocation) {
                    guard isExecutable(function) else {
                        throw LivepatchError.unsupportedLayout(file, where_, "klp_object[\(k)].callbacks.\(kind) does not point to code")
                    }
                    callbacks.append(KlpCallback(kind: kind, function: functionName(at: function), location: function))
                }
            }
            metadata.insert(funcs.section)
            let (functions, funcSize) = try readFunctions(at: funcs, layout: layout, object: name ?? "vmlinux")
            var object = KlpObject(name: name, functions: functions, callbacks: callbacks)
            object.entry = Location(section: start.section, offset: base)
            object.functionsArray = funcs
            object.functionsArraySize = UInt64(functions.count) * funcSize
            objects.append((object, [funcSize]))
        }
        // Verify: no relocation in the array outside the known pointer members.
        let members = [layout.objectName, layout.objectFuncs] + layout.objectCallbacks
        let allowed = Set((0..<count).flatMap { k in members.map { start.offset + k * size + $0 } })
        if let stray = byOffset.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw LivepatchError.unsupportedLayout(file, where_, "relocation at +\(hex(stray)) does not fit struct klp_object with size \(size)")
        }
        return (objects, size)
    }

    private func readFunctions(at start: Location, layout: KlpLayout, object: String) throws -> ([KlpFunction], UInt64) {
        let where_ = sections[start.section].name
        let extent = arrayExtent(at: start)
        let byOffset = relocations(applyingTo: start.section).filter { $0.key >= start.offset && $0.key < start.offset + extent }
        let newFuncs = byOffset.filter { entry in target(of: entry.value).map(isExecutable) ?? false }
        let count = UInt64(newFuncs.count)
        if count == 0 {
            // An object with callbacks and no functions (`no_funcs[] = { { } }`, the pattern of
            // samples/livepatch/livepatch-callbacks-demo.c and the selftests' test_klp_callbacks_demo.c):
            // the array is its zeroed terminator alone, nothing else.
            return ([], try emptyFunctionArray(at: start, extent: extent, byOffset: byOffset, layout: layout, object: object))
        }
        let size = try elementSize(layout.funcSize, extent: extent, count: count, structName: "klp_func",
                                   pointers: "new_func", at: "\(where_) (object \(object))")
        let bytes = try contents.bytes(start.section)
        var functions: [KlpFunction] = []
        for k in 0..<count {
            let base = start.offset + k * size
            guard let nameRelocation = byOffset[base + layout.funcOldName], let nameLocation = target(of: nameRelocation),
                  let newRelocation = byOffset[base + layout.funcNewFunc], let newLocation = target(of: newRelocation),
                  isExecutable(newLocation) else {
                throw LivepatchError.unsupportedLayout(file, where_,
                    "klp_func[\(k)] of \(object) lacks old_name at +\(layout.funcOldName) or new_func at +\(layout.funcNewFunc)")
            }
            functions.append(KlpFunction(
                oldName: try string(at: nameLocation),
                oldSympos: readInteger(bytes, at: Int(base + layout.funcOldSympos), size: layout.funcOldSymposSize),
                newFunction: functionName(at: newLocation), newFunctionLocation: newLocation))
        }
        let allowed = Set((0..<count).flatMap { k in [layout.funcOldName, layout.funcNewFunc].map { start.offset + k * size + $0 } })
        if let stray = byOffset.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw LivepatchError.unsupportedLayout(file, where_, "relocation at +\(hex(stray)) does not fit struct klp_func with size \(size)")
        }
        return (functions, size)
    }

    /// The element size of a `struct klp_func` array that holds only its terminator: DWARF's size,
    /// which must be the array's whole extent, else (no DWARF) the extent itself; no relocation and
    /// no non-zero byte may be in it, or it is not an empty list.
    private func emptyFunctionArray(at start: Location, extent: UInt64, byOffset: [UInt64: Relocation],
                                    layout: KlpLayout, object: String) throws -> UInt64 {
        let where_ = "\(sections[start.section].name) (object \(object))"
        if let stray = byOffset.keys.sorted().first {
            throw LivepatchError.unsupportedLayout(file, where_,
                "relocation at +\(hex(stray)) in a struct klp_func array without any new_func pointer")
        }
        if let funcSize = layout.funcSize, extent != funcSize {
            throw LivepatchError.layoutDisagrees(file, where_,
                "the DWARF gives sizeof(struct klp_func) = \(funcSize), but the array has no new_func pointer and is \(extent) bytes, not one terminator")
        }
        guard extent > 0, extent % 8 == 0 else {
            throw LivepatchError.unsupportedLayout(file, where_,
                "cannot derive sizeof(struct klp_func) from an array of \(extent) bytes without any new_func pointer")
        }
        let bytes = try contents.bytes(start.section)
        let end = min(UInt64(bytes.count), start.offset + extent)
        if start.offset < end, bytes[Int(start.offset)..<Int(end)].contains(where: { $0 != 0 }) {
            throw LivepatchError.unsupportedLayout(file, where_,
                "a struct klp_func array without any new_func pointer must be its zeroed terminator alone, but it holds non-zero bytes")
        }
        return layout.funcSize ?? extent
    }

    // MARK: klp-build metadata

    func readKlpBuild(objects section: Section, names: KlpBuildSections) throws -> KlpPatch {
        let layout = try KlpBuildLayout(dwarf: dwarf, file: file) ?? .fixed
        guard layout.objectSize > 0, section.size % layout.objectSize == 0 else {
            let origin = layout.fromDWARF ? "the DWARF's " : ""
            throw LivepatchError.unsupportedLayout(file, section.name, "size \(section.size) is not a multiple of \(origin)sizeof(struct klp_object_ext) = \(layout.objectSize)")
        }
        let bytes = try contents.bytes(section.index)
        let byOffset = relocations(applyingTo: section.index)
        var metadata: Set<Int> = [section.index]
        var objects: [KlpObject] = []
        var allowedObjectRelocations: Set<UInt64> = []
        var allowedFuncRelocations: [Int: Set<UInt64>] = [:]
        for base in stride(from: UInt64(0), to: section.size, by: Int(layout.objectSize)) {
            allowedObjectRelocations.formUnion(([layout.objectName, layout.objectFuncs] + layout.objectCallbacks).map { base + $0 })
            let name = try byOffset[base + layout.objectName].flatMap(target(of:)).map { try string(at: $0) }
            let count = readInteger(bytes, at: Int(base + layout.objectFunctionCount), size: layout.objectFunctionCountSize)
            guard let funcsRelocation = byOffset[base + layout.objectFuncs], let funcs = target(of: funcsRelocation) else {
                throw LivepatchError.malformed(file, section.name, "klp_object_ext at +\(hex(base)) has no funcs pointer")
            }
            metadata.insert(funcs.section)
            var callbacks: [KlpCallback] = []
            for (kind, offset) in zip(Self.callbackNames, layout.objectCallbacks) {
                if let relocation = byOffset[base + offset], let function = target(of: relocation) {
                    callbacks.append(KlpCallback(kind: kind, function: functionName(at: function), location: function))
                }
            }
            let funcBytes = try contents.bytes(funcs.section)
            let funcRelocations = relocations(applyingTo: funcs.section)
            var functions: [KlpFunction] = []
            for k in 0..<count {
                let at = funcs.offset + k * layout.funcSize
                allowedFuncRelocations[funcs.section, default: []].formUnion([at + layout.funcOldName, at + layout.funcNewFunc])
                guard at + layout.funcSize <= UInt64(funcBytes.count),
                      let nameLocation = funcRelocations[at + layout.funcOldName].flatMap(target(of:)),
                      let newLocation = funcRelocations[at + layout.funcNewFunc].flatMap(target(of:)), isExecutable(newLocation) else {
                    throw LivepatchError.malformed(file, sections[funcs.section].name,
                        "klp_func_ext[\(k)] of object \(name ?? "vmlinux") lacks old_name or new_func (nr_funcs = \(count))")
                }
                functions.append(KlpFunction(oldName: try string(at: nameLocation),
                                             oldSympos: readInteger(funcBytes, at: Int(at + layout.funcSympos), size: layout.funcSymposSize),
                                             newFunction: functionName(at: newLocation), newFunctionLocation: newLocation))
            }
            var object = KlpObject(name: name, functions: functions, callbacks: callbacks)
            object.entry = Location(section: section.index, offset: base)
            object.functionsArray = funcs
            object.functionsArraySize = UInt64(functions.count) * layout.funcSize
            objects.append(object)
        }
        // Verify: every relocation in the metadata sections falls on a pointer member of an entry read above.
        if let stray = byOffset.keys.sorted().first(where: { !allowedObjectRelocations.contains($0) }) {
            throw LivepatchError.unsupportedLayout(file, section.name,
                "relocation at +\(hex(stray)) does not fit struct klp_object_ext with size \(layout.objectSize)")
        }
        for (funcsSection, allowed) in allowedFuncRelocations.sorted(by: { $0.key < $1.key }) {
            if let stray = relocations(applyingTo: funcsSection).keys.sorted().first(where: { !allowed.contains($0) }) {
                throw LivepatchError.unsupportedLayout(file, sections[funcsSection].name,
                    "relocation at +\(hex(stray)) is not the old_name or new_func of any struct klp_func_ext (size \(layout.funcSize)) that \(names.objects) counts")
            }
        }
        let description = layout.fromDWARF
            ? "DWARF: sizeof(struct klp_object_ext) = \(layout.objectSize), sizeof(struct klp_func_ext) = \(layout.funcSize), member offsets from .debug_info; every relocation in \(names.bothNames) verified"
            : "\(hasDWARF ? "DWARF does not describe struct klp_object_ext and struct klp_func_ext" : "no DWARF"); fixed layout of include/linux/livepatch_external.h: struct klp_object_ext (64 bytes) and struct klp_func_ext (24 bytes); every relocation in \(names.bothNames) verified"
        var result = KlpPatch(source: .klpBuildMetadata, replace: false, hasStates: false, objects: objects,
                              metadataSections: metadata, layout: description)
        result.objectEntrySize = layout.objectSize
        result.klpBuildSections = names
        return result
    }
}
