/// The vmlinux symbols of the target kernel from its System.map (`nm -n vmlinux`, written by
/// scripts/mksysmap).
///
/// Gives the same vmlinux sympos order as `KallsymsTable` (address order, ties in file order).
/// Debian ships a one-line placeholder instead of the real file
/// (`ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package`); that is
/// reported as an error that says what to pass instead.
package struct SystemMap: Sendable {
    /// vmlinux symbols in sympos order.
    package let vmlinux: SymbolOrder

    static let nextStep = "regenerate it with 'nm -n vmlinux > System.map'"

    /// Reads the System.map at `path`; `displayName` (default: `path`) is how messages name it.
    package init(contentsOf path: String, displayName: String? = nil) throws(KernelWorldError) {
        try self.init(file: TextFile(contentsOf: path, displayName: displayName))
    }

    /// Parses System.map text; `file` names it in messages.
    package init(parsing text: String, file: String) throws(KernelWorldError) {
        try self.init(file: TextFile(name: file, text: text))
    }

    init(file: TextFile) throws(KernelWorldError) {
        let listing = try SymbolListing(file: file, emptyNextStep: Self.nextStep, malformedNextStep: Self.nextStep)
        if let line = listing.lines.first(where: { $0.module != nil }) {
            throw .malformedSymbolLine(file.name, line: line.number, detail: "module symbol in a System.map", nextStep:
                "pass a /proc/kallsyms dump with --kallsyms instead")
        }
        vmlinux = listing.vmlinuxOrder(source: file.name)
    }
}
