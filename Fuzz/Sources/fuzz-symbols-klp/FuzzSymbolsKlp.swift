import FuzzSupport
import KernelWorld

private let file = MemoryFile(name: "fuzz-symbols-klp")

/// Arbitrary bytes as a symbols.klp file (`klp-split symbols` output, read by `--symbols-klp`),
/// then its exports and its rendering back to text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSymbolsKlp(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    file.write(start, count)
    guard let symbols = try? SymbolsKlp(contentsOf: file.path, displayName: "symbols.klp") else { return 0 }
    _ = symbols.symbolOrder(of: ObjectName.vmlinux)
    _ = try? symbols.derivedExports()
    _ = symbols.rendered()
    return 0
}
