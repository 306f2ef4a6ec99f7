import ELF
import Foundation
@testable import Livepatch
import Testing

/// One row: the bytes of a code section ending in a call to a shadow function, the relocations
/// besides the call's own, and the id expected.
struct ShadowBytesCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let function: String
    /// Bytes before the call's `e8`.
    let before: [UInt8]
    let opcode: UInt8
    /// Extra relocations: (offset, type, symbol name).
    let relocations: [(UInt64, UInt32, String)]
    let expected: ShadowID

    init(_ description: String, function: String = "klp_shadow_get", _ before: [UInt8], opcode: UInt8 = 0xe8,
         relocations: [(UInt64, UInt32, String)] = [], _ expected: ShadowID) {
        testDescription = description
        self.function = function
        self.before = before
        self.opcode = opcode
        self.relocations = relocations
        self.expected = expected
    }
}

@Suite("Shadow ids are read from the bytes before each klp_shadow_* call (x86-64)")
struct ShadowCallDecoderTests {
    static let cases: [ShadowBytesCase] = [
        .init("mov $imm32,%esi right before the call", [0xbe, 0x70, 0x6c, 0, 0], .constant(0x6c70)),
        .init("mov $imm32,%esi with %rdi set up in between (gcc's order)",
              [0xbe, 0x70, 0x6c, 0, 0, 0x48, 0xc7, 0xc7, 0, 0, 0, 0, 0x49, 0x89, 0xd4],
              relocations: [(8, 11, "init_task")], .constant(0x6c70)),
        .init("mov $simm32,%rsi is sign-extended", [0x48, 0xc7, 0xc6, 0xff, 0xff, 0xff, 0xff], .constant(UInt64.max)),
        .init("movabs $imm64,%rsi", [0x48, 0xbe, 1, 2, 3, 4, 5, 6, 7, 8], .constant(0x0807_0605_0403_0201)),
        .init("xor %esi,%esi is id 0", [0x31, 0xf6], .constant(0)),
        .init("the last write wins", [0xbe, 1, 0, 0, 0, 0xbe, 2, 0, 0, 0], .constant(2)),
        .init("mov $sym,%esi: the address of a symbol", [0xbe, 0, 0, 0, 0], relocations: [(1, 10, "lp_key")],
              .address(symbol: "lp_key", addend: 0)),
        .init("mov sym(%rip),%esi: read from a variable, unknown", [0x8b, 0x35, 0, 0, 0, 0], relocations: [(2, 2, "lp_id")],
              .unknown("read from 'lp_id'")),
        .init("mov %rbx,%rsi: from a register, unknown", [0x48, 0x89, 0xde],
              .unknown("not an immediate: the id comes from a register or is computed")),
        .init("an immediate before another call does not count (the call clobbers %esi)",
              [0xbe, 1, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0x48, 0x89, 0xde], relocations: [(6, 4, "other_call")],
              .unknown("not an immediate: the id comes from a register or is computed")),
        .init("klp_shadow_free_all takes the id first: mov $imm32,%edi", function: "klp_shadow_free_all",
              [0xbe, 9, 0, 0, 0, 0xbf, 5, 0, 0, 0], .constant(5)),
        .init("a tail call (jmp) is a call", [0xbe, 7, 0, 0, 0], opcode: 0xe9, .constant(7)),
    ]

    @Test("each form decodes to its id", arguments: cases)
    func form(_ row: ShadowBytesCase) {
        var symbols = [Symbol(index: 0, name: "", value: 0, size: 0, type: .noType, binding: .local, sectionIndex: .undefined)]
        func symbol(_ name: String) -> Int {
            if let index = symbols.firstIndex(where: { $0.name == name }) { return index }
            symbols.append(Symbol(index: symbols.count, name: name, value: 0, size: 0, type: .noType, binding: .global, sectionIndex: .undefined))
            return symbols.count - 1
        }
        let bytes = row.before + [row.opcode, 0, 0, 0, 0, 0xc3]
        var relocations = row.relocations.map { Relocation(offset: $0.0, type: $0.1, symbolIndex: symbol($0.2), addend: 0) }
        let callOffset = UInt64(row.before.count + 1)
        relocations.append(Relocation(offset: callOffset, type: 4, symbolIndex: symbol(row.function), addend: -4))
        let calls = ShadowCallDecoder.calls(in: bytes, section: 3, relocations: relocations, symbols: symbols)
        #expect(calls == [ShadowCall(function: row.function, section: 3, offset: callOffset, id: row.expected)])
    }

    @Test("a relocation to a shadow function that is not a call is no call")
    func notACall() {
        let symbols = [Symbol(index: 0, name: "", value: 0, size: 0, type: .noType, binding: .local, sectionIndex: .undefined),
                       Symbol(index: 1, name: "klp_shadow_get", value: 0, size: 0, type: .noType, binding: .global, sectionIndex: .undefined)]
        // lea klp_shadow_get(%rip),%rax: 48 8d 05 rel32
        let bytes: [UInt8] = [0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xc3]
        #expect(ShadowCallDecoder.calls(in: bytes, section: 1, relocations: [Relocation(offset: 3, type: 2, symbolIndex: 1, addend: -4)],
                                        symbols: symbols).isEmpty)
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("lp_shadow (both kernels): two calls with 0x6c70 (one per part) and one with 0x6c71",
          arguments: ["Fixtures/modules", "Fixtures/modules-6.12"])
    func fixture(_ directory: String) throws {
        let elf = try ELFFile(path: Self.root.appendingPathComponent("\(directory)/lp_shadow.ko").path)
        let calls = try ShadowCallDecoder.calls(in: elf)
        let described = calls.map { "\(elf.sections[$0.section].name) \($0.function) \($0.id)" }.sorted()
        #expect(described == [
            ".text.livepatch_shadow_cdrom_sysctl_info klp_shadow_get 0x6c70",
            ".text.livepatch_shadow_cmdline_proc_show klp_shadow_get_or_alloc 0x6c70",
            ".text.livepatch_shadow_cmdline_proc_show klp_shadow_get_or_alloc 0x6c71",
        ])
    }
}

@Suite("klp_patch.states is read into state ids")
struct KlpStateReaderTests {
    @Test("lp_state (both kernels) declares state 0x17; lp_shadow declares none", arguments: ["Fixtures/modules", "Fixtures/modules-6.12"])
    func fixture(_ directory: String) throws {
        for (name, expected) in [("lp_state", [UInt64(0x17)]), ("lp_shadow", [])] {
            let path = ShadowCallDecoderTests.root.appendingPathComponent("\(directory)/\(name).ko").path
            let module = try LivepatchReader.read(path: path, displayName: "\(name).ko")
            #expect(try KlpStateReader.ids(in: ELFFile(path: path), patch: module.patch) == expected, "\(name)")
        }
    }

    @Test("the walk stops at id 0 and at the end of the section")
    func walk() {
        var bytes = [UInt8](repeating: 0, count: 24 * 3)
        bytes[0] = 5
        bytes[24] = 7
        #expect(KlpStateReader.ids(in: bytes, from: 0) == [5, 7])
        // the second entry's id would end at byte 32 of 30
        #expect(KlpStateReader.ids(in: Array(bytes[0..<30]), from: 0) == [5])
    }
}
