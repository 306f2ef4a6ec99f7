/// One occurrence of a symbol name in one object, with its livepatch symbol position.
///
/// `position` is what `.klp.sym.OBJECT.NAME,POS` and `klp_func.old_sympos` mean by N ≥ 1: the
/// N-th match that `klp_find_object_symbol()` (kernel/livepatch/core.c) counts, in address order
/// for vmlinux and in symbol-table order for a module.
package struct SymbolOccurrence: Hashable, Sendable, CustomStringConvertible {
    /// The symbol's name.
    package let name: String
    /// The 1-based position among the symbols of this name in this object.
    package let position: Int
    /// The address from kallsyms or System.map; for a .ko, `st_value` (an offset in its section).
    package let address: UInt64
    /// The nm/kallsyms type letter (`T`, `t`, `d`, ...). For a .ko it is the letter the kernel's
    /// `elf_type()` (kernel/module/kallsyms.c) gives the symbol at load time.
    package let type: Character
    /// True for a local (`static`) symbol: a lowercase letter other than `u`, `v`, `w` for
    /// kallsyms and System.map (for modules kallsyms lowercases every unexported symbol), and
    /// `STB_LOCAL` for a .ko.
    package let isLocal: Bool
    /// For a .ko: the symbol's index in `.symtab`.
    package let symbolIndex: Int?
    /// For a .ko: the name of the symbol's section.
    package let sectionName: String?

    package init(name: String, position: Int, address: UInt64, type: Character, isLocal: Bool,
                 symbolIndex: Int? = nil, sectionName: String? = nil) {
        self.name = name
        self.position = position
        self.address = address
        self.type = type
        self.isLocal = isLocal
        self.symbolIndex = symbolIndex
        self.sectionName = sectionName
    }

    /// `0xffffffff81234560 t` for kallsyms, `.text+0x1c0 t` for a .ko.
    package var addressDescription: String {
        let hex = String(address, radix: 16)
        if let sectionName { return "\(sectionName)+0x\(hex) \(type)" }
        return "0x\(String(repeating: "0", count: max(0, 16 - hex.count)))\(hex) \(type)"
    }

    /// `name,position at address type`.
    package var description: String { "\(name),\(position) at \(addressDescription)" }
}
