import ELF
import Testing

/// The code places named by the `insn` and `fixup` PREL32 fields of each x86-64
/// `struct exception_table_entry { int insn, fixup, data; }` (arch/x86/include/asm/extable.h, 12 bytes)
/// of an unlinked module's `__ex_table`, as `function+offset`.
struct ExceptionTableEntry: Hashable, CustomStringConvertible {
    let instruction: String
    let fixup: String
    let data: [UInt8]
    var description: String { "\(instruction) -> \(fixup)" }

    static func decode(_ elf: ELFFile, _ name: String) throws -> [ExceptionTableEntry] {
        let table = try #require(elf.section(named: "__ex_table"), "\(name): __ex_table")
        let tableIndex = try #require(elf.sections.firstIndex { $0 == table })
        let bytes = try elf.contents(of: table)
        #expect(table.size % 12 == 0, "\(name): __ex_table size \(table.size)")
        let rela = try #require(elf.sections.first { $0.isRelocationSection && $0.info == tableIndex }, "\(name): .rela__ex_table")
        var targets: [UInt64: String] = [:]
        for relocation in try elf.relocations(in: rela) {
            #expect(relocation.type == 2, "\(name): __ex_table+0x\(String(relocation.offset, radix: 16)) is R_X86_64_PC32")
            let symbol = elf.symbols[relocation.symbolIndex]
            #expect(symbol.isDefinedInSection, "\(name): '\(symbol.name)' is not defined in the module")
            let offset = UInt64(bitPattern: Int64(bitPattern: symbol.value) + relocation.addend)
            let function = elf.symbols.first {
                $0.type == .function && $0.sectionIndex == symbol.sectionIndex && $0.value <= offset && offset < $0.value + $0.size
            }
            targets[relocation.offset] = function.map { "\($0.name)+0x\(String(offset - $0.value, radix: 16))" }
                ?? "\(elf.sections[Int(symbol.sectionIndex.rawValue)].name)+0x\(String(offset, radix: 16))"
        }
        var entries: [ExceptionTableEntry] = []
        for start in stride(from: 0, to: Int(table.size), by: 12) {
            let at = UInt64(start)
            let instruction = try #require(targets[at], "\(name): __ex_table+0x\(String(at, radix: 16)) insn")
            let fixup = try #require(targets[at + 4], "\(name): __ex_table+0x\(String(at + 4, radix: 16)) fixup")
            entries.append(ExceptionTableEntry(instruction: instruction, fixup: fixup, data: Array(bytes[start + 8..<start + 12])))
        }
        return entries
    }
}
