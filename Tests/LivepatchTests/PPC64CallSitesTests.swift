import ELF
import Livepatch
import Testing

/// `PPC64CallSites`: which REL24 calls have no nop after their `bl` (module_64.c `restore_r2()`).
@Suite("ppc64le calls without a nop")
struct PPC64CallSitesTests {
    /// Little-endian instruction words.
    static func code(_ words: [UInt32]) -> [UInt8] {
        words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
    }

    static let rela = Section(index: 2, name: ".rela.text", type: .rela, flags: [.infoLink],
                              size: 24 * 6, link: 3, info: 1, alignment: 8, entrySize: 24)

    @Test("a bl followed by a nop or by ld r2,24(r1) is fine; a bl followed by anything else, or at the end, is not; b and other types are not checked")
    func findsCallsWithoutNop() throws {
        let bytes = Self.code([
            0x4800_0001, 0x6000_0000,   // 0: bl; nop
            0x4800_0001, 0x1c63_0003,   // 8: bl; mulli r3,r3,3   <- no nop
            0x4800_0000, 0x6042_0000,   // 16: b (tail call); ori r2,r2,0
            0x4800_0001, 0xe841_0018,   // 24: bl; ld r2,24(r1) (restored by an earlier load)
            0x4800_0001, 0x6000_0000,   // 32: bl (ADDR64 here, not a call)
        ])
        let table = RelocationSection(section: Self.rela, targetIndex: 1, entries: [
            Relocation(offset: 0, type: 10, symbolIndex: 1, addend: 0),
            Relocation(offset: 8, type: 10, symbolIndex: 1, addend: 0),
            Relocation(offset: 16, type: 10, symbolIndex: 1, addend: 0),
            Relocation(offset: 24, type: 10, symbolIndex: 1, addend: 0),
            Relocation(offset: 32, type: 38, symbolIndex: 1, addend: 0),
            Relocation(offset: 36, type: 10, symbolIndex: 1, addend: 0),
        ])
        let found = PPC64CallSites.callsWithoutNop(relocationSections: [table]) { index in
            #expect(index == 1)
            return bytes
        }
        #expect(found == [Location(section: 1, offset: 8), Location(section: 1, offset: 36)])
    }
}
