import FuzzSupport
import KernelWorld

private let file = MemoryFile(name: "fuzz-symvers")

/// Arbitrary bytes as a Module.symvers (all three layouts), read as `--symvers` reads it, then
/// the lookups plan and check make.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSymvers(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    file.write(start, count)
    guard let table = try? ExportTable(contentsOf: file.path, displayName: "Module.symvers") else { return 0 }
    _ = table.lookup("printk")
    _ = table.exports(ownedBy: ObjectName.vmlinux)
    _ = ExportTable.merging([table, table])
    return 0
}
