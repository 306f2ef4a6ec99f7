import ELF
import FuzzSupport

private let file = MemoryFile(name: "fuzz-elf")

/// Arbitrary bytes as an ELF file: `ELFFile` (header, section headers, `.symtab`), every section's
/// contents and relocations, the writable `ELFImage` copy and its validation, and the DWARF readers
/// (struct layouts, translation units) that build and convert use. Errors are expected; crashes,
/// hangs and sanitizer reports are not.
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
    return 0
}
