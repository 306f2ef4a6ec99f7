import ELF

/// One call to a shadow variable function (`klp_shadow_get`, `klp_shadow_alloc`,
/// `klp_shadow_get_or_alloc`, `klp_shadow_free`, `klp_shadow_free_all`), with the shadow id it
/// passes as far as the bytes before the call tell it.
///
/// Kernel: kernel/livepatch/shadow.c; every one of these takes `unsigned long id` as its second
/// argument except `klp_shadow_free_all(unsigned long id, klp_shadow_dtor_t dtor)`, whose first
/// argument is the id. Documentation/livepatch/shadow-vars.rst: a shadow variable is found by
/// `<obj, id>`, so two patches that use one id share the variable.
package struct ShadowCall: Sendable, Equatable {
    /// The function called, for example `klp_shadow_get_or_alloc`.
    package let function: String
    /// The section index of the call instruction.
    package let section: Int
    /// The offset of the call's relocation (the rel32 field after the `e8` opcode).
    package let offset: UInt64
    package let id: ShadowID

    package init(function: String, section: Int, offset: UInt64, id: ShadowID) {
        self.function = function
        self.section = section
        self.offset = offset
        self.id = id
    }

    /// The shadow functions, with the argument register that carries the id (x86-64 SysV:
    /// `%rdi` first, `%rsi` second).
    package static let functions: [String: IDArgument] = [
        "klp_shadow_get": .second, "klp_shadow_alloc": .second, "klp_shadow_get_or_alloc": .second,
        "klp_shadow_free": .second, "klp_shadow_free_all": .first,
    ]

    /// Which argument holds the id.
    package enum IDArgument: Sendable {
        /// `%rdi`/`%edi`.
        case first
        /// `%rsi`/`%esi`.
        case second
    }
}

/// A shadow id as read from a call site.
package enum ShadowID: Sendable, Hashable, CustomStringConvertible {
    /// An immediate: `mov $imm32,%esi` and the like.
    case constant(UInt64)
    /// The address of a symbol (`mov $sym,%esi` with an `R_X86_64_32`/`32S` relocation), as ids
    /// made from a static object's address are.
    case address(symbol: String, addend: Int64)
    /// Not decoded; the reason says what the bytes held.
    case unknown(String)

    package var description: String {
        switch self {
        case .constant(let value): "0x" + String(value, radix: 16)
        case .address(let symbol, let addend): "&" + symbol + (addend == 0 ? "" : addend > 0 ? "+\(addend)" : "\(addend)")
        case .unknown(let why): "unknown (\(why))"
        }
    }

    package var isKnown: Bool {
        if case .unknown = self { return false }
        return true
    }
}

/// Finds the shadow variable calls of one code section and decodes their id argument from the
/// bytes before the call (x86-64 only).
///
/// Decoded forms, the last one that ends within `window` bytes before the call's `e8`/`e9`
/// opcode, with no other call in between (a call clobbers the argument registers):
/// - `be imm32` (`mov $imm32,%esi`), `bf imm32` (`%edi`): the constant, or, with an
///   `R_X86_64_32`/`R_X86_64_32S` relocation on the immediate, the address of its symbol;
/// - `48 c7 c6 imm32` (`mov $simm32,%rsi`), `48 c7 c7 imm32` (`%rdi`): sign-extended, or the
///   address of the relocated symbol;
/// - `48 be imm64` / `48 bf imm64` (`movabs`);
/// - `31 f6`/`33 f6` (`xor %esi,%esi`), `31 ff`/`33 ff` (`%edi`): 0.
/// Anything else is `unknown`: an id loaded from memory (`8b 35`/`48 8b 35` with a relocation
/// names the variable it is read from), moved from another register, or computed. The scan is a
/// heuristic over bytes, not a disassembler: an immediate of another instruction that happens to
/// look like one of these forms could be taken for the id; a relocation inside a candidate's
/// bytes that is not its immediate rules the candidate out.
package enum ShadowCallDecoder {
    /// How far before the call to look.
    package static let window = 48

    package static func calls(in bytes: [UInt8], section: Int, relocations: [Relocation],
                              symbols: [Symbol]) -> [ShadowCall] {
        let sorted = relocations.sorted { $0.offset < $1.offset }
        var result: [ShadowCall] = []
        for relocation in sorted where relocation.symbolIndex > 0 && relocation.symbolIndex < symbols.count {
            let name = symbols[relocation.symbolIndex].name
            guard let argument = ShadowCall.functions[name], isCall(relocation, bytes) else { continue }
            let callStart = Int(relocation.offset) - 1
            // the previous call ends the search: it clobbered the argument registers
            let previousCall = sorted.last { $0.offset < relocation.offset && isCall($0, bytes) }
            let floor = max(0, callStart - window, previousCall.map { Int($0.offset) + 4 } ?? 0)
            let id = decodeID(bytes, from: floor, before: callStart, register: argument,
                              relocations: sorted, symbols: symbols)
            result.append(ShadowCall(function: name, section: section, offset: relocation.offset, id: id))
        }
        return result
    }

    /// A `R_X86_64_PC32`/`PLT32` relocation on the rel32 of an `e8` (call) or `e9` (jmp, a tail call).
    static func isCall(_ relocation: Relocation, _ bytes: [UInt8]) -> Bool {
        guard relocation.type == 2 || relocation.type == 4, relocation.offset >= 1,
              Int(relocation.offset) + 4 <= bytes.count else { return false }
        let opcode = bytes[Int(relocation.offset) - 1]
        return opcode == 0xe8 || opcode == 0xe9
    }

    /// One instruction form that sets the id register.
    private struct Form {
        let prefix: [UInt8]
        /// Bytes of the immediate after the prefix (0: the value is fixed).
        let immediate: Int
        let signExtend: Bool
        let fixed: UInt64
    }

    private static func forms(_ register: ShadowCall.IDArgument) -> [Form] {
        let (mov32, modrm, xor): (UInt8, UInt8, UInt8) = register == .second ? (0xbe, 0xc6, 0xf6) : (0xbf, 0xc7, 0xff)
        return [
            Form(prefix: [mov32], immediate: 4, signExtend: false, fixed: 0),
            Form(prefix: [0x48, 0xc7, modrm], immediate: 4, signExtend: true, fixed: 0),
            Form(prefix: [0x48, mov32], immediate: 8, signExtend: false, fixed: 0),
            Form(prefix: [0x31, xor], immediate: 0, signExtend: false, fixed: 0),
            Form(prefix: [0x33, xor], immediate: 0, signExtend: false, fixed: 0),
        ]
    }

    private static func decodeID(_ bytes: [UInt8], from floor: Int, before end: Int, register: ShadowCall.IDArgument,
                                 relocations: [Relocation], symbols: [Symbol]) -> ShadowID {
        guard end > floor else { return .unknown("no instruction before the call") }
        let forms = forms(register)
        // the candidate that ends last wins; among equal ends, the longest form
        var best: (end: Int, id: ShadowID)?
        for start in floor..<end {
            for form in forms {
                let length = form.prefix.count + form.immediate
                guard start + length <= end, Array(bytes[start..<start + form.prefix.count]) == form.prefix else { continue }
                let immediateStart = start + form.prefix.count
                let inside = relocations.filter { Int($0.offset) >= start && Int($0.offset) < start + length }
                var id: ShadowID
                if inside.isEmpty {
                    var value: UInt64 = 0
                    for index in 0..<form.immediate { value |= UInt64(bytes[immediateStart + index]) << (8 * UInt64(index)) }
                    if form.signExtend, value & 0x8000_0000 != 0 { value |= 0xffff_ffff_0000_0000 }
                    id = form.immediate == 0 ? .constant(form.fixed) : .constant(value)
                } else if inside.count == 1, Int(inside[0].offset) == immediateStart, [10, 11, 1].contains(inside[0].type),
                          inside[0].symbolIndex < symbols.count {
                    id = .address(symbol: symbols[inside[0].symbolIndex].name, addend: inside[0].addend)
                } else {
                    continue
                }
                if (best?.end ?? -1) < start + length { best = (start + length, id) }
            }
        }
        if let best { return best.id }
        return loadedFrom(bytes, from: floor, before: end, register: register, relocations: relocations, symbols: symbols)
            ?? .unknown("not an immediate: the id comes from a register or is computed")
    }

    /// `mov sym(%rip),%esi` (`8b 35 rel32`) or `%rsi` (`48 8b 35 rel32`): the id is read from a variable.
    private static func loadedFrom(_ bytes: [UInt8], from floor: Int, before end: Int, register: ShadowCall.IDArgument,
                                   relocations: [Relocation], symbols: [Symbol]) -> ShadowID? {
        let modrm: UInt8 = register == .second ? 0x35 : 0x3d
        for start in stride(from: end - 6, through: floor, by: -1) where bytes[start] == 0x8b && bytes[start + 1] == modrm {
            if let relocation = relocations.first(where: { Int($0.offset) == start + 2 }), relocation.symbolIndex < symbols.count {
                return .unknown("read from '\(symbols[relocation.symbolIndex].name)'")
            }
        }
        return nil
    }
}

extension ShadowCallDecoder {
    /// Every shadow variable call in the executable sections of `elf` (their ordinary relocation
    /// sections; `.klp.rela` sections hold no calls to these vmlinux exports).
    package static func calls(in elf: ELFFile) throws(ELFError) -> [ShadowCall] {
        let shadowSymbols = Set(elf.symbols.indices.filter { ShadowCall.functions[elf.symbols[$0].name] != nil })
        guard !shadowSymbols.isEmpty else { return [] }
        var result: [ShadowCall] = []
        for table in elf.sections where table.type == .rela && table.info > 0 && table.info < elf.sections.count {
            let target = elf.sections[table.info]
            guard target.flags.contains(.executable), target.type == .programBits else { continue }
            let relocations = try elf.relocations(in: table)
            guard relocations.contains(where: { shadowSymbols.contains($0.symbolIndex) }) else { continue }
            result += calls(in: try elf.contents(of: target), section: target.index, relocations: relocations, symbols: elf.symbols)
        }
        return result
    }
}
