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
            tables.append(RelocationSection(section: section, targetIndex: target, entries: entries))
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
