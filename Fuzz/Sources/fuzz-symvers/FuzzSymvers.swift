import FuzzSupport
import KernelWorld

private let file = MemoryFile(name: "fuzz-symvers")

/// Arbitrary bytes as a Module.symvers (all three layouts), read as `--symvers` reads it, then
/// the lookups plan and check make (the kernel's exact format takes KernelWorld's indexed fast path,
/// whose values are built per name on lookup; anything else the general parse).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSymvers(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    file.write(start, count)
    guard let table = try? ExportTable(contentsOf: file.path, displayName: "Module.symvers") else { return 0 }
    _ = table.lookup("printk")
    _ = (table.count, table.symbolCount, table.owners, table.conflicts)
    for export in table.exports.prefix(16) {
        _ = table.lookup(export.symbol)
        _ = table.exports(ownedBy: export.owner)
    }
    _ = ExportTable.merging([table, table])
    return 0
}
