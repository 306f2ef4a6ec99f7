import ELF
import Testing

/// The architecture layer: which headers klp-split reads, and the relocation facts per architecture.
@Suite("Architecture")
struct ArchitectureTests {
    @Test("e_machine and e_flags tell x86-64 and ppc64le (ELFv2) apart; other ABI levels and machines are refused",
          arguments: [
              (UInt16(62), UInt32(0), Architecture?.some(.x86_64)),
              (21, 2, .ppc64le),
              (21, 0, nil),
              (21, 1, nil),
              (183, 0, nil),
              (3, 0, nil),
          ])
    func machineAndFlags(machine: UInt16, flags: UInt32, expected: Architecture?) {
        #expect(Architecture(machine: machine, flags: flags) == expected)
        if let expected { #expect(expected.machine == machine) }
    }

    @Test("refusals say what the header is and what klp-split reads")
    func refusalMessages() {
        #expect(Architecture.refusal(machine: 183, flags: 0)
                == "machine 183 is neither x86-64 (EM_X86_64) nor ppc64le (EM_PPC64, ELFv2)")
        #expect(Architecture.refusal(machine: 21, flags: 1)
                == "machine 21 (EM_PPC64) with e_flags 0x1 is not ELFv2 (ABI level 1, not 2), which klp-split and an ELFv2 kernel do not read")
    }

    /// The table that lived in ReferenceClassifier before the layer: PC32 2, PLT32 4, GOTPCREL 9,
    /// GOTPCRELX 41, REX_GOTPCRELX 42 are biased by 4; nothing else on x86-64 and nothing on ppc64le.
    @Test("the referenced-offset bias is the x86-64 table it replaced", arguments: 0..<256)
    func x86Bias(type: Int) {
        let biased: Set<Int> = [2, 4, 9, 41, 42]
        #expect(Architecture.x86_64.referencedOffsetBias(type: UInt32(type)) == (biased.contains(type) ? 4 : 0))
        #expect(Architecture.ppc64le.referencedOffsetBias(type: UInt32(type)) == 0)
    }

    /// The field sizes the writer checked before the layer (ELFImageValidation's x86-64 table).
    @Test("x86-64 field sizes are the writer's former table", arguments: 0..<64)
    func x86FieldSizes(type: Int) {
        let expected: UInt64 = switch type {
        case 0: 0
        case 1, 24, 25, 29: 8
        case 2, 3, 4, 9, 10, 11, 26, 41, 42: 4
        case 12, 13: 2
        case 14, 15: 1
        default: 1
        }
        #expect(Architecture.x86_64.relocatedFieldSize(type: UInt32(type)) == expected)
    }

    @Test("ppc64le field sizes, names and TOC-relative types follow arch/powerpc/include/uapi/asm/elf.h")
    func ppc64Facts() {
        let ppc = Architecture.ppc64le
        #expect(ppc.relocatedFieldSize(type: 38) == 8)   // ADDR64
        #expect(ppc.relocatedFieldSize(type: 10) == 4)   // REL24
        #expect(ppc.relocatedFieldSize(type: 50) == 2)   // TOC16_HA
        #expect(ppc.relocatedFieldSize(type: 118) == 8)  // ENTRY
        #expect(ppc.relocationName(type: 10) == "R_PPC64_REL24")
        #expect(ppc.relocationName(type: 64) == "R_PPC64_TOC16_LO_DS")
        #expect(ppc.relocationName(type: 200) == "type 200")
        #expect(Architecture.x86_64.relocationName(type: 4) == "R_X86_64_PLT32")
        #expect(Architecture.x86_64.relocationName(type: 11) == "R_X86_64_32S")
        #expect(PPC64Relocation.allCases.filter(\.isTOCRelative).map(\.rawValue) == [47, 48, 49, 50, 63, 64])
        #expect(PPC64Relocation.allCases.filter(\.isStubbedCall) == [.rel24])
    }
}
