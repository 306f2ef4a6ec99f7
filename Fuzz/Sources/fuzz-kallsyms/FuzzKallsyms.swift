import FuzzSupport
import KernelWorld

private let file = MemoryFile(name: "fuzz-kallsyms")

/// Arbitrary bytes as a /proc/kallsyms dump and as a System.map (the same `nm`-style listing with
/// different rules), then the sympos queries plan makes of the orders they give.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKallsyms(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    file.write(start, count)
    if let kallsyms = try? KallsymsTable(contentsOf: file.path, displayName: "kallsyms") {
        for module in [ObjectName.vmlinux] + kallsyms.loadedModules {
            query(kallsyms.symbolOrder(of: module))
        }
    }
    if let map = try? SystemMap(contentsOf: file.path, displayName: "System.map") {
        query(map.vmlinux)
    }
    return 0
}

private func query(_ order: SymbolOrder?) {
    guard let order else { return }
    _ = order.countingOrderNames
    for name in order.names.prefix(8) {
        _ = order.occurrences(of: name)
        _ = try? order.resolve(name, sympos: 0)
        _ = try? order.resolve(name, sympos: 2)
    }
}
