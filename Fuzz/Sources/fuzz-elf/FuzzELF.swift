import ELF
import FuzzSupport
import KernelWorld

private let file = MemoryFile(name: "fuzz-elf")

/// Arbitrary bytes as an ELF file: `ELFFile` (header, section headers, `.symtab`), every section's
/// contents and relocations, the writable `ELFImage` copy and its validation, and the DWARF readers
/// (struct layouts, translation units) that build and convert use. Errors are expected; crashes,
/// hangs and sanitizer reports are not.
///
/// Differential: the packed symbol table (what `ModuleSymbolOrder(moduleAt:)` reads) must give the
/// same sympos orders as the decoded `symbols`; a difference stops the run like a crash. Only for
/// string tables in valid UTF-8: the decoded names repair invalid UTF-8, the packed ones keep the
/// bytes the kernel compares.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzELF(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    file.write(start, count)
    guard let elf = try? ELFFile(path: file.path) else { return 0 }
    for section in elf.sections {
        _ = try? elf.contents(of: section)
        if section.isRelocationSection { _ = try? elf.relocations(in: section) }
    }
    if let image = try? ELFImage(reading: elf) {
        _ = image.problems(file: "fuzz.ko")
        _ = image.firstNonLocalSymbol
    }
    _ = try? elf.structLayouts(named: ["klp_patch", "klp_object", "klp_func", "klp_callbacks",
                                       "klp_object_ext", "klp_func_ext"])
    _ = try? elf.translationUnits()
    if let packed = try? elf.packedSymbolTable(), String(validating: packed.strings, as: UTF8.self) != nil,
       let object = try? ObjectName(normalizing: "fuzz.ko") {
        let fromPacked = ModuleSymbolOrder(object: object, source: nil, sections: elf.sections, packedSymbols: packed)
        let fromDecoded = ModuleSymbolOrder(object: object, source: nil, sections: elf.sections, symbols: elf.symbols)
        if let difference = fromPacked.firstDifference(from: fromDecoded) {
            fatalError("packed and decoded symbol tables give different sympos orders: \(difference)")
        }
    }
    if let lazy = try? ELFFile(path: file.path, decodingSymbols: false) {
        precondition(lazy.symbols.isEmpty && lazy.symbolCount == elf.symbolCount)
    }
    return 0
}
