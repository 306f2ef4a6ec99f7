import ELF
import Testing

/// One decoded x86-64 `struct bug_entry` (include/asm-generic/bug.h, CONFIG_GENERIC_BUG_RELATIVE_POINTERS
/// and CONFIG_DEBUG_BUGVERBOSE: `signed int bug_addr_disp; signed int file_disp; unsigned short line;
/// unsigned short flags;`, 12 bytes, written by `_BUG_FLAGS` in arch/x86/include/asm/bug.h as
/// `.long 1b - .`, `.long file - .`, `.word line`, `.word flags`), its two displacements resolved through
/// the `.rela__bug_table` entries of an unlinked module.
struct BugTableEntry: Hashable, CustomStringConvertible {
    /// The function holding the trap (`ud2`) and the trap's offset in it.
    let function: String
    let offset: Int64
    /// The file string named by `file_disp`, its `line` and `flags` (BUGFLAG_WARNING 1, BUGFLAG_ONCE 2,
    /// BUGFLAG_NO_CUT_HERE 8, BUGFLAG_TAINT(taint) taint << 8; 0 for BUG_ON).
    let file: String
    let line: UInt16
    let flags: UInt16

    var description: String {
        "\(function)+0x\(String(offset, radix: 16)) \(file):\(line) flags 0x\(String(flags, radix: 16))"
    }

    static let size: UInt64 = 12

    /// Every entry of `elf`'s `__bug_table`, in table order; each displacement must be exactly one
    /// R_X86_64_PC32 relocation against a symbol defined in the module.
    static func decode(_ elf: ELFFile, _ name: String) throws -> [BugTableEntry] {
        let table = try #require(elf.section(named: "__bug_table"), "\(name): __bug_table")
        let tableIndex = try #require(elf.sections.firstIndex { $0 == table })
        let bytes = try elf.contents(of: table)
        #expect(table.size % size == 0, "\(name): __bug_table size \(table.size)")
        let rela = try #require(elf.sections.first { $0.isRelocationSection && $0.info == tableIndex },
                                "\(name): .rela__bug_table")
        var targets: [UInt64: (symbol: Symbol, addend: Int64)] = [:]
        for relocation in try elf.relocations(in: rela) {
            #expect(relocation.type == 2, "\(name): __bug_table+0x\(String(relocation.offset, radix: 16)) is R_X86_64_PC32")
            #expect(targets[relocation.offset] == nil, "\(name): two relocations at __bug_table+0x\(String(relocation.offset, radix: 16))")
            targets[relocation.offset] = (elf.symbols[relocation.symbolIndex], relocation.addend)
        }
        var entries: [BugTableEntry] = []
        for start in stride(from: UInt64(0), to: table.size, by: Int(size)) {
            let trap = try #require(targets[start], "\(name): __bug_table+0x\(String(start, radix: 16)) bug_addr_disp")
            let file = try #require(targets[start + 4], "\(name): __bug_table+0x\(String(start + 4, radix: 16)) file_disp")
            let code = try place(trap, in: elf, name)
            let function = try #require(elf.symbols.first {
                $0.type == .function && Int($0.sectionIndex.rawValue) == code.section
                    && $0.value <= code.offset && code.offset < $0.value + $0.size
            }, "\(name): __bug_table+0x\(String(start, radix: 16)): no function holds the trap")
            let strings = try place(file, in: elf, name)
            let text = try elf.contents(of: elf.sections[strings.section])
            let end = try #require(text[Int(strings.offset)...].firstIndex(of: 0), "\(name): unterminated file string")
            let at = Int(start)
            entries.append(BugTableEntry(
                function: function.name, offset: Int64(code.offset - function.value),
                file: String(decoding: text[Int(strings.offset)..<end], as: UTF8.self),
                line: UInt16(bytes[at + 8]) | UInt16(bytes[at + 9]) << 8,
                flags: UInt16(bytes[at + 10]) | UInt16(bytes[at + 11]) << 8))
        }
        return entries
    }

    /// The section and offset a relocation's symbol + addend names.
    private static func place(_ target: (symbol: Symbol, addend: Int64), in elf: ELFFile, _ name: String)
        throws -> (section: Int, offset: UInt64) {
        #expect(target.symbol.isDefinedInSection, "\(name): '\(target.symbol.name)' is not defined in the module")
        let offset = Int64(bitPattern: target.symbol.value) + target.addend
        #expect(offset >= 0)
        return (Int(target.symbol.sectionIndex.rawValue), UInt64(max(0, offset)))
    }
}
