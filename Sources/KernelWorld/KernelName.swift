/// A kind of name that klp-split reads from an untrusted input and may write into what it emits
/// (file names, the modprobe.d policy that runs as root, `.modinfo`, `.klp.rela`/`.klp.sym`
/// names), with the characters and length the kernel and kbuild give that kind of name.
///
/// Every name is checked against its kind where it enters (`problem(in:)`), so nothing emitted
/// can carry a shell metacharacter, a quote, a slash, a newline or an option-like leading `-`.
/// The sets are the ones kbuild and the compilers produce (the 4023 modules of Debian
/// 6.1.0-56-amd64 use no other character in their module, symbol and section names), not
/// everything the kernel would tolerate.
package enum KernelName: Sendable {
    /// A module, `klp_object` or part name: `[A-Za-z0-9_]`, 1 to 55 bytes. kbuild derives the
    /// name from the file name and turns `-` into `_` (`KBUILD_MODNAME`, scripts/Makefile.lib);
    /// `char name[MODULE_NAME_LEN]` holds it with its NUL, and `MODULE_NAME_LEN` is
    /// `MAX_PARAM_PREFIX_LEN` = `64 - sizeof(unsigned long)` = 56 on 64-bit
    /// (include/linux/module.h, include/linux/moduleparam.h). The kernel reads object names
    /// back with `sscanf(".klp.rela.%55[^.]")` and `sscanf(".klp.sym.%55[^.]...")`
    /// (kernel/livepatch/core.c `klp_write_section_relocs()`, `klp_resolve_symbols()`).
    case module
    /// A symbol name: `[A-Za-z0-9_.]` (C identifiers, with GCC's `.constprop.0`/`.cold` and
    /// local `.LC0` suffixes), 1 to 511 bytes: `KSYM_NAME_LEN` is 512 (include/linux/kallsyms.h,
    /// v6.1) and `klp_resolve_symbols()` reads `%511[^,]`.
    case symbol
    /// An `SHN_LIVEPATCH` symbol, `.klp.sym.<object>.<symbol>,<sympos>`: the symbol characters
    /// plus `,`. Its structure is checked by `KlpNames.parseSymbol` (the kernel's sscanf).
    case livepatchSymbol
    /// A section name: `[A-Za-z0-9_.-]` (`-` for `.note.gnu.build-id`), at least one byte. A
    /// section with relocations gives the tail of `.klp.rela.<object>.<section>`, which the
    /// kernel does not parse beyond the object.
    case section

    /// `MODULE_NAME_LEN - 1` on 64-bit kernels.
    package static let maximumModuleNameLength = 55
    /// `KSYM_NAME_LEN - 1` (v6.1).
    package static let maximumSymbolLength = 511

    /// What is wrong with `name` for this kind, or nil when the kernel and kbuild could have
    /// produced it.
    package func problem(in name: String) -> NameProblem? {
        if name.isEmpty { return NameProblem(kind: self, name: name, issue: .empty) }
        for scalar in name.unicodeScalars where !allows(scalar) {
            return NameProblem(kind: self, name: name, issue: .character(scalar))
        }
        if let limit = maximumLength, name.utf8.count > limit {
            return NameProblem(kind: self, name: name, issue: .tooLong(name.utf8.count))
        }
        return nil
    }

    /// The longest name of this kind in bytes, if the kernel limits it.
    package var maximumLength: Int? {
        switch self {
        case .module: Self.maximumModuleNameLength
        case .symbol: Self.maximumSymbolLength
        case .livepatchSymbol, .section: nil
        }
    }

    /// Whether a character may appear in a name of this kind.
    package func allows(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_": true
        case ".": self != .module
        case ",": self == .livepatchSymbol
        case "-": self == .section
        default: false
        }
    }

    /// The characters allowed, as the message names them.
    var allowedCharacters: String {
        switch self {
        case .module: "[A-Za-z0-9_]"
        case .symbol: "[A-Za-z0-9_.]"
        case .section: "[A-Za-z0-9_.-]"
        case .livepatchSymbol: "[A-Za-z0-9_.,]"
        }
    }
}

/// Why a name is not one the kernel and kbuild produce; `description` is the middle of a
/// diagnostic: "'lp$(id)m' contains '$'".
package struct NameProblem: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Issue: Sendable, Equatable {
        case empty
        case character(Unicode.Scalar)
        case tooLong(Int)
    }

    package let kind: KernelName
    package let name: String
    package let issue: Issue

    package var description: String {
        let shown = NameDisplay.quoted(name)
        switch issue {
        case .empty:
            return "is empty"
        case .character(let scalar):
            return "\(shown) contains \(NameDisplay.character(scalar))"
        case .tooLong(let count):
            return "\(shown) is \(count) bytes, longer than the kernel's \(kind.maximumLength ?? count)"
        }
    }

    /// What the kernel and kbuild allow for this kind of name, for the end of a message.
    package var rule: String {
        switch kind {
        case .module:
            "kbuild names are \(kind.allowedCharacters) ('-' becomes '_'), at most \(KernelName.maximumModuleNameLength) characters"
        case .symbol:
            "kernel symbol names are \(kind.allowedCharacters), at most \(KernelName.maximumSymbolLength) characters"
        case .livepatchSymbol:
            "livepatch symbol names are .klp.sym.<object>.<symbol>,<sympos> in \(kind.allowedCharacters)"
        case .section:
            "section names are \(kind.allowedCharacters)"
        }
    }
}
