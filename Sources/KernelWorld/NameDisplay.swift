/// Shows an untrusted name in a one-line diagnostic: printable ASCII as it is, everything else
/// escaped, so a name with a newline, a terminal escape or bytes that are not UTF-8 cannot
/// split the line or reach the terminal.
package enum NameDisplay {
    /// How many characters of a name a diagnostic shows before "...".
    static let shownCharacters = 80

    /// The name in single quotes, escaped, shortened after 80 characters: `'lp\n$(id)'`.
    package static func quoted(_ name: String) -> String {
        var shown = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            if index == shownCharacters {
                shown += "..."
                break
            }
            shown += escaped(scalar)
        }
        return "'\(shown)'"
    }

    /// One offending character, in words where quotes would not show it:
    /// `'$'`, `a space`, `a newline ('\n')`, `a byte that is not UTF-8`.
    package static func character(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case " ": "a space"
        case "\n": "a newline ('\\n')"
        case "\u{FFFD}": "a byte that is not UTF-8"
        default: scalar.isASCII ? "'\(escaped(scalar))'" : "the non-ASCII character U+\(hex(scalar.value, width: 4))"
        }
    }

    /// One character as a diagnostic shows it.
    static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\\": return "\\\\"
        case "'": return "\\'"
        default:
            if scalar.value >= 0x20 && scalar.value < 0x7f { return String(Character(scalar)) }
            if scalar.value < 0x100 { return "\\x\(hex(scalar.value, width: 2))" }
            return "\\u{\(hex(scalar.value, width: 4))}"
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
