import ELF

/// Finds the patch description in a livepatch module and reads it into a `KlpPatch`.
///
/// Classic modules: the static `struct klp_patch` is found through its `.mod = THIS_MODULE`
/// relocation, then `objs` and `funcs` are followed through relocations. The layout is inferred and
/// then verified against every relocation inside the arrays, so nothing is guessed silently:
/// - the member offsets used are stable since v4.x on 64-bit: `klp_func.old_name` 0, `.new_func` 8,
///   `.old_sympos` 16; `klp_object.name` 0, `.funcs` 8, `.callbacks` 16..47 (four pointers);
///   `klp_patch.mod` 0, `.objs` 8, `.states` 16, `.replace` 24 (include/linux/livepatch.h);
/// - the element sizes, which depend on the kernel config (`struct kobject` lives inside), are derived
///   from the array symbol's size and the number of entries (arrays end with a zeroed terminator);
/// - every relocation inside an array must fall on one of the pointer members above, or the module
///   is refused.
/// klp-build modules: `.init.klp_objects` and `.init.klp_funcs` with the fixed layouts of
/// include/linux/livepatch_external.h (`struct klp_object_ext` 64 bytes, `struct klp_func_ext` 24).
struct KlpMetadataReader {
    let file: String
    let sections: [Section]
    let symbols: [Symbol]
    let relocationSections: [RelocationSection]
    let contents: SectionContents

    static let callbackNames = ["pre_patch", "post_patch", "pre_unpatch", "post_unpatch"]

    func read() throws -> KlpPatch {
        if let objects = sections.first(where: { $0.name == ".init.klp_objects" }) {
            return try readKlpBuild(objects: objects)
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
        guard let thisModule = symbols.firstIndex(where: { $0.name == "__this_module" }) else {
            throw LivepatchError.noPatchMetadata(file)
        }
        var candidates: [(Location, Location)] = []
        for table in relocationSections where !table.section.flags.contains(.relaLivepatch) {
            let patched = sections[table.targetIndex]
            guard patched.flags.contains(.write), patched.name != ".gnu.linkonce.this_module" else { continue }
            let byOffset = relocations(applyingTo: table.targetIndex)
            for entry in table.entries where entry.symbolIndex == thisModule {
                if let objsPointer = byOffset[entry.offset + 8], let objs = target(of: objsPointer), isWritableData(objs) {
                    candidates.append((Location(section: table.targetIndex, offset: entry.offset), objs))
                }
            }
        }
        guard let (patchLocation, objsLocation) = candidates.first else { throw LivepatchError.noPatchMetadata(file) }
        guard candidates.count == 1 else {
            throw LivepatchError.malformed(file, sections[patchLocation.section].name,
                "found \(candidates.count) struct klp_patch candidates; a livepatch module defines exactly one")
        }
        let patchBytes = try contents.bytes(patchLocation.section)
        let replace = readInteger(patchBytes, at: Int(patchLocation.offset) + 24, size: 1) != 0
        let patchRelocations = relocations(applyingTo: patchLocation.section)
        let hasStates = patchRelocations[patchLocation.offset + 16] != nil

        var metadata: Set<Int> = [patchLocation.section, objsLocation.section]
        let (objects, objectSize) = try readObjects(at: objsLocation, metadata: &metadata)
        let funcSizes = Set(objects.flatMap(\.1))
        let layout = "inferred from relocations: sizeof(struct klp_object) = \(objectSize), sizeof(struct klp_func) = \(funcSizes.sorted().map(String.init).joined(separator: "/")); every relocation in the arrays verified"
        var result = KlpPatch(source: .klpStructs, replace: replace, hasStates: hasStates,
                              objects: objects.map(\.0), metadataSections: metadata, layout: layout)
        result.patchLocation = patchLocation
        result.objectEntrySize = objectSize
        return result
    }

    private func readObjects(at start: Location, metadata: inout Set<Int>) throws -> ([(KlpObject, [UInt64])], UInt64) {
        let where_ = sections[start.section].name
        let extent = arrayExtent(at: start)
        let byOffset = relocations(applyingTo: start.section).filter { $0.key >= start.offset && $0.key < start.offset + extent }
        let funcsPointers = byOffset.filter { entry in target(of: entry.value).map(isWritableData) ?? false }
        let count = UInt64(funcsPointers.count)
        guard count > 0, extent % (count + 1) == 0, (extent / (count + 1)) % 8 == 0 else {
            throw LivepatchError.unsupportedLayout(file, where_, "cannot derive sizeof(struct klp_object) from \(count) funcs pointers in \(extent) bytes")
        }
        let size = extent / (count + 1)
        var objects: [(KlpObject, [UInt64])] = []
        for k in 0..<count {
            let base = start.offset + k * size
            guard let funcsRelocation = byOffset[base + 8], let funcs = target(of: funcsRelocation) else {
                throw LivepatchError.unsupportedLayout(file, where_, "klp_object[\(k)] has no funcs pointer at +8")
            }
            let name = try byOffset[base].flatMap(target(of:)).map { try string(at: $0) }
            var callbacks: [KlpCallback] = []
            for (i, kind) in Self.callbackNames.enumerated() {
                if let relocation = byOffset[base + 16 + UInt64(8 * i)], let function = target(of: relocation) {
                    guard isExecutable(function) else {
                        throw LivepatchError.unsupportedLayout(file, where_, "klp_object[\(k)].callbacks.\(kind) does not point to code")
                    }
                    callbacks.append(KlpCallback(kind: kind, function: functionName(at: function), location: function))
                }
            }
            metadata.insert(funcs.section)
            let (functions, funcSize) = try readFunctions(at: funcs, object: name ?? "vmlinux")
            var object = KlpObject(name: name, functions: functions, callbacks: callbacks)
            object.entry = Location(section: start.section, offset: base)
            object.functionsArray = funcs
            objects.append((object, [funcSize]))
        }
        // Verify: no relocation in the array outside the known pointer members.
        let allowed = Set((0..<count).flatMap { k in [0, 8, 16, 24, 32, 40].map { start.offset + k * size + UInt64($0) } })
        if let stray = byOffset.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw LivepatchError.unsupportedLayout(file, where_, "relocation at +0x\(String(stray, radix: 16)) does not fit struct klp_object with size \(size)")
        }
        return (objects, size)
    }

    private func readFunctions(at start: Location, object: String) throws -> ([KlpFunction], UInt64) {
        let where_ = sections[start.section].name
        let extent = arrayExtent(at: start)
        let byOffset = relocations(applyingTo: start.section).filter { $0.key >= start.offset && $0.key < start.offset + extent }
        let newFuncs = byOffset.filter { entry in target(of: entry.value).map(isExecutable) ?? false }
        let count = UInt64(newFuncs.count)
        guard count > 0, extent % (count + 1) == 0, (extent / (count + 1)) % 8 == 0 else {
            throw LivepatchError.unsupportedLayout(file, where_, "cannot derive sizeof(struct klp_func) for object \(object) from \(count) new_func pointers in \(extent) bytes")
        }
        let size = extent / (count + 1)
        let bytes = try contents.bytes(start.section)
        var functions: [KlpFunction] = []
        for k in 0..<count {
            let base = start.offset + k * size
            guard let nameRelocation = byOffset[base], let nameLocation = target(of: nameRelocation),
                  let newRelocation = byOffset[base + 8], let newLocation = target(of: newRelocation),
                  isExecutable(newLocation) else {
                throw LivepatchError.unsupportedLayout(file, where_, "klp_func[\(k)] of \(object) lacks old_name at +0 or new_func at +8")
            }
            functions.append(KlpFunction(
                oldName: try string(at: nameLocation),
                oldSympos: readInteger(bytes, at: Int(base) + 16, size: 8),
                newFunction: functionName(at: newLocation), newFunctionLocation: newLocation))
        }
        if let stray = byOffset.keys.sorted().first(where: { ($0 - start.offset) % size > 8 || $0 >= start.offset + count * size }) {
            throw LivepatchError.unsupportedLayout(file, where_, "relocation at +0x\(String(stray, radix: 16)) does not fit struct klp_func with size \(size)")
        }
        return (functions, size)
    }

    // MARK: klp-build metadata

    /// `sizeof(struct klp_object_ext)` and `sizeof(struct klp_func_ext)` on 64-bit
    /// (include/linux/livepatch_external.h: name 0, funcs 8, `struct klp_callbacks` 16..55 (four
    /// pointers and `bool post_unpatch_enabled`, include/linux/livepatch.h), nr_funcs 56, padding;
    /// old_name 0, new_func 8, sympos 16).
    static let objectExtSize: UInt64 = 64
    static let objectExtFunctionCount = 56
    static let funcExtSize: UInt64 = 24

    func readKlpBuild(objects section: Section) throws -> KlpPatch {
        guard section.size % Self.objectExtSize == 0 else {
            throw LivepatchError.unsupportedLayout(file, section.name, "size \(section.size) is not a multiple of sizeof(struct klp_object_ext) = 64")
        }
        let bytes = try contents.bytes(section.index)
        let byOffset = relocations(applyingTo: section.index)
        var metadata: Set<Int> = [section.index]
        var objects: [KlpObject] = []
        for base in stride(from: UInt64(0), to: section.size, by: Int(Self.objectExtSize)) {
            let name = try byOffset[base].flatMap(target(of:)).map { try string(at: $0) }
            let count = readInteger(bytes, at: Int(base) + Self.objectExtFunctionCount, size: 4)
            guard let funcsRelocation = byOffset[base + 8], let funcs = target(of: funcsRelocation) else {
                throw LivepatchError.malformed(file, section.name, "klp_object_ext at +0x\(String(base, radix: 16)) has no funcs pointer")
            }
            metadata.insert(funcs.section)
            var callbacks: [KlpCallback] = []
            for (i, kind) in Self.callbackNames.enumerated() {
                if let relocation = byOffset[base + 16 + UInt64(8 * i)], let function = target(of: relocation) {
                    callbacks.append(KlpCallback(kind: kind, function: functionName(at: function), location: function))
                }
            }
            let funcBytes = try contents.bytes(funcs.section)
            let funcRelocations = relocations(applyingTo: funcs.section)
            var functions: [KlpFunction] = []
            for k in 0..<count {
                let at = funcs.offset + k * Self.funcExtSize
                guard at + Self.funcExtSize <= UInt64(funcBytes.count),
                      let nameLocation = funcRelocations[at].flatMap(target(of:)),
                      let newLocation = funcRelocations[at + 8].flatMap(target(of:)), isExecutable(newLocation) else {
                    throw LivepatchError.malformed(file, sections[funcs.section].name,
                        "klp_func_ext[\(k)] of object \(name ?? "vmlinux") lacks old_name or new_func (nr_funcs = \(count))")
                }
                functions.append(KlpFunction(oldName: try string(at: nameLocation),
                                             oldSympos: readInteger(funcBytes, at: Int(at) + 16, size: 8),
                                             newFunction: functionName(at: newLocation), newFunctionLocation: newLocation))
            }
            var object = KlpObject(name: name, functions: functions, callbacks: callbacks)
            object.entry = Location(section: section.index, offset: base)
            object.functionsArray = funcs
            objects.append(object)
        }
        var result = KlpPatch(source: .klpBuildMetadata, replace: false, hasStates: false, objects: objects,
                        metadataSections: metadata,
                        layout: "klp-build metadata: struct klp_object_ext (64 bytes) and struct klp_func_ext (24 bytes), include/linux/livepatch_external.h")
        result.objectEntrySize = Self.objectExtSize
        return result
    }
}
