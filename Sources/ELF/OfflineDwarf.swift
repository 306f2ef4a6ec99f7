import CLibDW
#if canImport(Glibc)
import Glibc
#endif

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

    /// Opens the DWARF of the file at `path`; with `bytes` (a decompressed module), of those bytes,
    /// handed to libdwfl as an anonymous memory file (`memfd_create`), since libdwfl opens files
    /// itself and Debian's cannot read every compression.
    init(path: String, bytes: UnsafeRawBufferPointer? = nil) throws(ELFError) {
        guard let dwfl = klp_dwfl_begin_offline() else {
            throw .unreadable(path, "libdwfl: \(StructLayoutReader.dwflMessage())")
        }
        var descriptor: Int32 = -1
        if let bytes {
            descriptor = klp_memfd_create("klp-split-dwarf")
            guard descriptor >= 0 else {
                dwfl_end(dwfl)
                throw .unreadable(path, "memfd_create: \(String(cString: strerror(errno)))")
            }
            var written = 0
            while written < bytes.count {
                let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0, errno == EINTR { continue }
                guard result > 0 else {
                    close(descriptor)
                    dwfl_end(dwfl)
                    throw .unreadable(path, "writing the decompressed module to memory: \(String(cString: strerror(errno)))")
                }
                written += result
            }
            _ = lseek(descriptor, 0, SEEK_SET)
        }
        // libdwfl owns `descriptor` from here (it closes it in dwfl_end, or at once on failure)
        guard let module = dwfl_report_offline(dwfl, "module", path, descriptor) else {
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
