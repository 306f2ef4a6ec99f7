import ELF

/// The padding objtool puts before every function on kernels built with `CONFIG_CALL_PADDING`
/// (x86, v6.2 and later; Debian's 6.12 has it): a `__pfx_<name>` LOCAL FUNC symbol of
/// `CONFIG_FUNCTION_PADDING_BYTES` (16) bytes of NOPs, in the same section, ending where `<name>`
/// starts (tools/objtool/check.c `create_prefix_symbol()`). It belongs to the function it pads, so
/// a section with a function and its padding still holds one function.
struct FunctionPadding {
    /// `(section, start address)` of every defined function.
    private let starts: Set<Start>

    private struct Start: Hashable {
        let section: UInt16
        let address: UInt64
        let name: String
    }

    init(_ symbols: [Symbol]) {
        starts = Set(symbols.filter { $0.type == .function && $0.isDefinedInSection }
            .map { Start(section: $0.sectionIndex.rawValue, address: $0.value, name: $0.name) })
    }

    /// The objtool prefix symbol name.
    static let prefix = "__pfx_"

    /// True for `__pfx_<name>` directly followed, in its section, by the function `<name>`.
    func isPadding(_ symbol: Symbol) -> Bool {
        guard symbol.name.hasPrefix(Self.prefix), symbol.isDefinedInSection else { return false }
        let padded = String(symbol.name.dropFirst(Self.prefix.count))
        let (end, overflow) = symbol.value.addingReportingOverflow(symbol.size)
        return !overflow && starts.contains(Start(section: symbol.sectionIndex.rawValue, address: end, name: padded))
    }
}
