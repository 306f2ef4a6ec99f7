import ELF
import KernelWorld
@testable import Planner
import Testing

/// Facts that differ between the kernels the harness proves (6.1, 6.12), on synthetic inputs.
@Suite("kernel layout rules: function padding and special-section entry sizes")
struct KernelLayoutTests {
    static func function(_ index: Int, _ name: String, at value: UInt64, size: UInt64, section: UInt16) -> Symbol {
        Symbol(index: index, name: name, value: value, size: size, type: .function, binding: .local,
               sectionIndex: SectionIndex(rawValue: section))
    }

    /// CONFIG_CALL_PADDING (6.12): `__pfx_f` (16 bytes of NOPs) then `f` at 0x10, in one section.
    @Test("objtool's __pfx_ padding belongs to the function that follows it", arguments: [
        ("__pfx_f", UInt64(0), UInt64(16), "f", UInt64(16), UInt16(3), UInt16(3), true),
        ("__pfx_f", 0, 16, "f", 32, 3, 3, false),           // a gap: not the padding of f
        ("__pfx_f", 0, 16, "g", 16, 3, 3, false),           // another function follows
        ("__pfx_f", 0, 16, "f", 16, 3, 4, false),           // f is in another section
        ("pfx_f", 0, 16, "f", 16, 3, 3, false),             // not objtool's prefix
        ("__pfx_f", UInt64.max - 4, 16, "f", 11, 3, 3, false), // value + size overflows
    ])
    func padding(prefix: String, start: UInt64, size: UInt64, next: String, nextStart: UInt64,
                 section: UInt16, nextSection: UInt16, isPadding: Bool) {
        let pad = Self.function(1, prefix, at: start, size: size, section: section)
        let symbols = [pad, Self.function(2, next, at: nextStart, size: 40, section: nextSection)]
        #expect(FunctionPadding(symbols).isPadding(pad) == isPadding)
        #expect(!FunctionPadding(symbols).isPadding(symbols[1]))
    }

    @Test("struct alt_instr is 12 bytes before 6.3 and 14 from 6.3 (ft_flags); the rest is unchanged",
          arguments: [("6.1.0-56-amd64", UInt64(12)), ("6.2.16", 12), ("6.3.0", 14),
                      ("6.12.118+deb12-amd64", 14), (nil, 12)])
    func altinstructions(release: String?, size: UInt64) {
        let table = SpecialSectionTable.x86_64(for: release.flatMap(KernelVersion.init(release:)))
        #expect(table[".altinstructions"] == size)
        for (name, entry) in SpecialSectionTable.v6_1 where name != ".altinstructions" {
            #expect(table[name] == entry, "\(name)")
        }
    }
}
