import ELF
import KernelWorld
import Livepatch
@testable import Planner

/// A livepatch described by name, turned into a `PlanInput` without any ELF file: one section per
/// function or variable (`-ffunction-sections -fdata-sections`), relocations between them or to
/// undefined symbols, `__ksymtab_<name>` markers for exports, and optionally one compile unit per
/// source file. Part order is object order; vmlinux is `nil`.
struct SyntheticPatch {
    let name: String
    private(set) var sections: [Section] = [Section(index: 0, name: "", type: .null, flags: [])]
    private(set) var symbols: [Symbol] = [Symbol(index: 0, name: "", value: 0, size: 0, type: .noType, binding: .local, sectionIndex: .undefined)]
    private var relocations: [Int: [Relocation]] = [:]
    /// Immediate bytes after PC-relative fields, by section and relocation index.
    private var immediates: [Int: [Int: UInt64]] = [:]
    private var objects: [(name: String?, functions: [KlpFunction], callbacks: [KlpCallback])] = []
    /// `klp_patch.replace` and whether `klp_patch.states` is set.
    var replace = false
    var hasStates = false
    private var files: [String: [String]] = [:]

    init(name: String = "lp") { self.name = name }

    private func symbolIndex(_ name: String) -> Int? { symbols.firstIndex { $0.name == name } }

    private mutating func addSection(_ name: String, flags: SectionFlags, type: SectionType = .programBits) -> Int {
        sections.append(Section(index: sections.count, name: name, type: type, flags: flags, size: 16))
        return sections.count - 1
    }

    private mutating func addSymbol(_ name: String, section: Int, type: SymbolType, binding: SymbolBinding) {
        symbols.append(Symbol(index: symbols.count, name: name, value: 0, size: 16, type: type, binding: binding,
                              sectionIndex: SectionIndex(rawValue: UInt16(section))))
    }

    /// A function in its own `.text.<name>`; global and with a `__ksymtab_` marker when exported.
    @discardableResult
    mutating func function(_ name: String, exported: Bool = false, file: String? = nil) -> Int {
        let section = addSection(".text.\(name)", flags: [.alloc, .executable])
        addSymbol(name, section: section, type: .function, binding: exported ? .global : .local)
        if exported { export(name) }
        if let file { files[file, default: []].append(name) }
        return section
    }

    /// An exported function in `file` that references `needs` (undefined symbols, or functions of
    /// the livepatch) and is called by the functions `usedBy`.
    mutating func exportedHelper(_ name: String = "helper", file: String? = nil, needs: [String] = [], usedBy: [String]) {
        function(name, exported: true, file: file)
        for target in needs { reference(from: name, to: target) }
        for user in usedBy { reference(from: user, to: name) }
    }

    /// A variable in its own `.data.<name>` (writable) or `.rodata.<name>`.
    mutating func variable(_ name: String, writable: Bool, exported: Bool = false, file: String? = nil) {
        let section = addSection(writable ? ".data.\(name)" : ".rodata.\(name)", flags: writable ? [.alloc, .write] : [.alloc])
        addSymbol(name, section: section, type: .object, binding: exported ? .global : .local)
        if exported { export(name) }
        if let file { files[file, default: []].append(name) }
    }

    /// One section holding several objects at consecutive offsets, as an explicit `__section`
    /// puts them (`.data.once`, `__dyndbg`), with a section symbol for references by offset.
    mutating func sharedSection(_ name: String, objects: [(name: String, size: UInt64)], writable: Bool = true,
                                entrySize: UInt64 = 0) {
        let size = objects.reduce(0) { $0 + $1.size }
        sections.append(Section(index: sections.count, name: name, type: .programBits,
                                flags: writable ? [.alloc, .write] : [.alloc], size: size))
        let section = sections.count - 1
        symbols.append(Symbol(index: symbols.count, name: "", value: 0, size: 0, type: .section, binding: .local,
                              sectionIndex: SectionIndex(rawValue: UInt16(section))))
        var offset: UInt64 = 0
        for object in objects {
            symbols.append(Symbol(index: symbols.count, name: object.name, value: offset, size: object.size, type: .object,
                                  binding: .local, sectionIndex: SectionIndex(rawValue: UInt16(section))))
            offset += object.size
        }
    }

    /// A reference by offset into `section` through its section symbol, from the section of the
    /// function or variable `from` at `at` (default: the next free site): `R_X86_64_32S` (11),
    /// whose addend is the byte it names, or `R_X86_64_PC32` (2) in code with `immediate` bytes
    /// after the field (`cmpb $0, flag(%rip)`: addend = offset - 5).
    mutating func referenceInto(_ section: String, offset: UInt64, from: String, pcRelative: Bool = false,
                                immediate: UInt64 = 0) {
        guard let source = symbolIndex(from),
              let target = sections.firstIndex(where: { $0.name == section }),
              let sectionSymbol = symbols.firstIndex(where: { $0.type == .section && Int($0.sectionIndex.rawValue) == target })
        else { preconditionFailure("no \(from) or \(section)") }
        let at = Int(symbols[source].sectionIndex.rawValue)
        let site = UInt64(4 + 8 * (relocations[at]?.count ?? 0))
        let addend = pcRelative ? Int64(offset) - 4 - Int64(immediate) : Int64(offset)
        relocations[at, default: []].append(Relocation(offset: site, type: pcRelative ? 2 : 11, symbolIndex: sectionSymbol, addend: addend))
        if pcRelative && immediate > 0 { immediates[at, default: [:]][relocations[at, default: []].count - 1] = immediate }
    }

    /// A special-section entry (`__jump_table`: code, target, key) of `entrySize` bytes appended to
    /// `section`, describing `code` and keyed on byte `keyOffset` of `keySection` (`R_X86_64_PC64` 24).
    mutating func specialEntry(_ section: String, entrySize: UInt64, code: String, keySection: String, keyOffset: UInt64) {
        var index = sections.firstIndex { $0.name == section }
        if index == nil {
            sections.append(Section(index: sections.count, name: section, type: .programBits, flags: [.alloc, .write], size: 0))
            index = sections.count - 1
        }
        guard let table = index, let codeSymbol = symbolIndex(code),
              let key = sections.firstIndex(where: { $0.name == keySection }),
              let keySymbol = symbols.firstIndex(where: { $0.type == .section && Int($0.sectionIndex.rawValue) == key })
        else { preconditionFailure("no \(code) or \(keySection)") }
        let start = sections[table].size
        let old = sections[table]
        sections[table] = Section(index: table, name: old.name, type: old.type, flags: old.flags, size: start + entrySize)
        relocations[table, default: []].append(Relocation(offset: start, type: 2, symbolIndex: codeSymbol, addend: 0))
        relocations[table, default: []].append(Relocation(offset: start + 8, type: 24, symbolIndex: keySymbol, addend: Int64(keyOffset) - 8))
    }

    private mutating func export(_ name: String) {
        let table = sections.firstIndex { $0.name == "__ksymtab_gpl" } ?? addSection("__ksymtab_gpl", flags: [.alloc])
        addSymbol("__ksymtab_\(name)", section: table, type: .object, binding: .local)
    }

    /// A replacement function for `object` (nil: vmlinux) that replaces `old`: a root of that part.
    mutating func replacement(_ name: String, object: String?, old: String, exported: Bool = false, file: String? = nil) {
        let location = Location(section: function(name, exported: exported, file: file), offset: 0)
        let function = KlpFunction(oldName: old, newFunction: name, at: location)
        if let index = objects.firstIndex(where: { $0.name == object }) {
            objects[index].functions.append(function)
        } else {
            objects.append((object, [function], []))
        }
    }

    /// A `pre_patch` callback of `object` (nil: vmlinux), an object of its own when it is new
    /// (with no functions: `no_funcs[] = { { } }`); the function is created on first use, so one
    /// function may be the callback of several objects.
    mutating func callback(_ name: String, object: String?, kind: String = "pre_patch") {
        let section = symbolIndex(name).map { Int(symbols[$0].sectionIndex.rawValue) } ?? function(name)
        let callback = KlpCallback(kind: kind, function: name, at: Location(section: section, offset: 0))
        if let index = objects.firstIndex(where: { $0.name == object }) {
            objects[index].callbacks.append(callback)
        } else {
            objects.append((object, [], [callback]))
        }
    }

    /// `module_param(name, int, 0644)`: a writable variable and a `__param` entry pointing to it.
    mutating func moduleParameter(_ name: String) {
        variable(name, writable: true)
        let table = sections.firstIndex { $0.name == "__param" } ?? addSection("__param", flags: [.alloc])
        addSymbol("__param_\(name)", section: table, type: .object, binding: .local)
        reference(from: "__param_\(name)", to: name)
    }

    /// A call (`R_X86_64_PLT32`) from a function or variable's section to a symbol: one defined
    /// here, or else an undefined one (created on first use).
    mutating func reference(from: String, to target: String) {
        guard let source = symbolIndex(from) else { preconditionFailure("no symbol \(from)") }
        let symbol: Int
        if let defined = symbolIndex(target) {
            symbol = defined
        } else {
            symbols.append(Symbol(index: symbols.count, name: target, value: 0, size: 0, type: .noType, binding: .global,
                                  sectionIndex: target.hasPrefix(".klp.sym.") ? .livepatch : .undefined))
            symbol = symbols.count - 1
        }
        let section = Int(symbols[source].sectionIndex.rawValue)
        let offset = UInt64(4 + 8 * (relocations[section]?.count ?? 0))
        relocations[section, default: []].append(Relocation(offset: offset, type: 4, symbolIndex: symbol, addend: -4))
    }

    var livepatch: LivepatchModule {
        var sections = self.sections
        var tables: [RelocationSection] = []
        for (target, entries) in relocations.sorted(by: { $0.key < $1.key }) {
            let section = Section(index: sections.count, name: ".rela\(sections[target].name)", type: .rela,
                                  flags: [.infoLink], info: target, entrySize: 24)
            sections.append(section)
            var table = RelocationSection(section: section, targetIndex: target, entries: entries)
            table.immediateSizes = immediates[target] ?? [:]
            tables.append(table)
        }
        let patch = KlpPatch(objects: objects.map { KlpObject(name: $0.name, functions: $0.functions, callbacks: $0.callbacks) },
                             replace: replace, hasStates: hasStates)
        return LivepatchModule(file: "\(name).ko", name: name, modinfo: ModuleInfo(entries: []), versions: [],
                               sections: sections, symbols: symbols, relocationSections: tables, patch: patch)
    }

    /// One compile unit per file given with `file:`, covering its functions' and variables' sections.
    var translationUnits: [TranslationUnit] {
        files.sorted { $0.key < $1.key }.map { file, names in
            var unit = TranslationUnit(name: file)
            for name in names {
                guard let symbol = symbols.first(where: { $0.name == name }) else { continue }
                let section = Int(symbol.sectionIndex.rawValue)
                if symbol.type == .function {
                    unit.code.append(SectionRange(section: section, start: 0, end: 16))
                } else {
                    unit.variables.append((name, section, 0))
                }
            }
            return unit
        }
    }
}

/// The target kernel of a synthetic plan: which module exports what, which module depends on
/// which, and the non-exported names each object has.
struct SyntheticWorld {
    /// `symbol: module` (vmlinux for the kernel).
    var exports: [String: String] = [:]
    var dependencies: [String: [String]] = [:]
    /// Names each object has (non-exported ones included), in counting order.
    var names: [String: [String]] = [:]

    func input(for patch: SyntheticPatch, units: Bool = true) throws -> PlanInput {
        let symvers = exports.sorted { $0.key < $1.key }.map { symbol, owner in
            "0x00000001\t\(symbol)\t\(owner == "vmlinux" ? "vmlinux" : "fs/x/\(owner)")\tEXPORT_SYMBOL_GPL\t"
        }.joined(separator: "\n")
        let table = exports.isEmpty ? ExportTable() : try ExportTable(parsing: symvers + "\n", file: "Module.symvers")
        var dependencies: [ObjectName: Set<ObjectName>] = [:]
        for (module, needs) in self.dependencies {
            dependencies[try ObjectName(normalizing: module)] = Set(try needs.map { try ObjectName(normalizing: $0) })
        }
        var orders: [ObjectName: SymbolOrder] = [:]
        for (object, names) in self.names {
            let entries = names.enumerated().map { index, name in
                SymbolOrder.Entry(name: name, address: UInt64(0x1000 + 16 * index), type: "t", isLocal: true)
            }
            let objectName = try ObjectName(normalizing: object)
            orders[objectName] = SymbolOrder(object: objectName, source: "\(object) (synthetic)", countingOrder: entries)
        }
        var input = PlanInput(livepatch: patch.livepatch, exports: table, dependencies: dependencies, symbolOrder: orders)
        if units { input.translationUnits = patch.translationUnits }
        return input
    }
}
