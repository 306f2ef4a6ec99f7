/// How many immediate bytes follow the 32-bit displacement of an x86-64 RIP-relative memory
/// operand, so that a `R_X86_64_PC32` relocation in code can be mapped back to the byte it names.
///
/// The CPU adds the displacement to the address of the NEXT instruction, so gcc writes the addend
/// as `target - 4 - immediate size` (Intel SDM vol. 2, 2.2.1.6 "RIP-Relative Addressing"):
/// `movb $0x1, flag(%rip)` (`c6 05 disp32 imm8`) has addend `flag - 5`. Without this the flags of
/// `.data.once`, one byte each, could not be told apart.
package enum RipRelativeOperand {
    /// The immediate size of the instruction whose displacement field starts at `field` in `code`;
    /// 0 when the bytes before it are not a ModRM byte with a RIP-relative operand (mod 00, r/m 101)
    /// or the opcode takes no immediate.
    package static func immediateSize(code: [UInt8], field: Int) -> Int {
        guard field >= 2, field <= code.count else { return 0 }
        let modrm = code[field - 1]
        guard modrm & 0xC7 == 0x05 else { return 0 }
        let reg = (modrm >> 3) & 7
        let opcode = code[field - 2]
        var prefix = field - 3
        if prefix >= 0, code[prefix] == 0x0F {
            // Two-byte opcodes with an imm8: bt/bts/btr/btc imm8 (0f ba), shld/shrd imm8 (0f a4, 0f ac).
            return [0xBA, 0xA4, 0xAC].contains(opcode) ? 1 : 0
        }
        while prefix >= 0, (0x40...0x4F).contains(code[prefix]) { prefix -= 1 }  // REX
        let operandSize16 = prefix >= 0 && code[prefix] == 0x66
        let wide = operandSize16 ? 2 : 4
        switch opcode {
        case 0x80, 0x82, 0x83, 0xC0, 0xC1, 0xC6, 0x6B: return 1
        case 0xF6: return reg < 2 ? 1 : 0  // test r/m8, imm8
        case 0x81, 0xC7, 0x69: return wide
        case 0xF7: return reg < 2 ? wide : 0  // test r/m, imm
        default: return 0
        }
    }
}
