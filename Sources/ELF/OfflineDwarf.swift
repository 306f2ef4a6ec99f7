import CLibDW

/// A module's own DWARF opened through libdwfl's offline reporting, which applies the module's
/// `.rela.debug_*` relocations (an ET_REL file's debug sections are not relocated yet):
/// `dwfl_begin` → `dwfl_report_offline` → `dwfl_report_end` → `dwfl_module_getdwarf`; `dwfl_end` when
/// released. Keep it alive while `module` and `dwarf` are used (`withExtendedLifetime`).
final class OfflineDwarf {
    private let dwfl: OpaquePointer
    /// `Dwfl_Module *`.
    let module: OpaquePointer
    /// `Dwarf *`.
    let dwarf: OpaquePointer

    init(path: String) throws(ELFError) {
        guard let dwfl = klp_dwfl_begin_offline() else {
            throw .unreadable(path, "libdwfl: \(StructLayoutReader.dwflMessage())")
        }
        guard let module = dwfl_report_offline(dwfl, "module", path, -1) else {
            dwfl_end(dwfl)
            throw .unreadable(path, "libdwfl: \(StructLayoutReader.dwflMessage())")
        }
        guard dwfl_report_end(dwfl, nil, nil) == 0 else {
            dwfl_end(dwfl)
            throw .malformed(path, "libdwfl cannot report the module (\(StructLayoutReader.dwflMessage()))")
        }
        var bias: Dwarf_Addr = 0
        guard let dwarf = dwfl_module_getdwarf(module, &bias) else {
            dwfl_end(dwfl)
            throw .malformed(path, "its DWARF cannot be loaded (\(StructLayoutReader.dwflMessage()))")
        }
        self.dwfl = dwfl
        self.module = module
        self.dwarf = dwarf
    }

    deinit { dwfl_end(dwfl) }

    /// Calls `body` with the DIE of every unit in `.debug_info`, in order (`dwarf_get_units`).
    func forEachUnit(path: String, _ body: (inout Dwarf_Die) throws(ELFError) -> Void) throws(ELFError) {
        var unit: OpaquePointer? = nil
        while true {
            var next: OpaquePointer? = nil
            var version: Dwarf_Half = 0
            var unitType: UInt8 = 0
            var unitDie = Dwarf_Die()
            let status = dwarf_get_units(dwarf, unit, &next, &version, &unitType, &unitDie, nil)
            if status == 1 { return }
            guard status == 0 else {
                throw .malformed(path, ".debug_info: unreadable unit header (\(StructLayoutReader.dwarfMessage()))")
            }
            unit = next
            try body(&unitDie)
        }
    }
}
