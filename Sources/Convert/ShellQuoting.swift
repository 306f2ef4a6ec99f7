/// Quotes values for the POSIX `sh` command lines of the modprobe.d policy, which kmod's modprobe
/// runs as root through `/bin/sh -c` (an `install` or `remove` command, kmod's `system()` call).
///
/// Every value placed into the policy's shell text goes through `word(_:)`, so the text stays
/// one command whatever the value holds. Quoting cannot stop a value that starts with `-` from
/// being read as an option, and modprobe.d is line-based, so a newline cannot be quoted either:
/// the names themselves are validated too (`KernelName.module`, `ModprobePolicy`).
package enum ShellQuoting {
    /// `value` as one word: unchanged when it is made only of `[A-Za-z0-9_./:-]` (nothing the
    /// shell expands, splits or globs), else in single quotes with each `'` written `'\''`.
    package static func word(_ value: String) -> String {
        if !value.isEmpty && value.unicodeScalars.allSatisfy(isPlain) { return value }
        return "'" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    /// One of klp-split's own log messages as one double-quoted word that holds no `'` and no
    /// backslash, so it can stand inside a single-quoted `/bin/sh -c '...'` command of the policy:
    /// kmod's modprobe.d reader (`getline_wrapped()`, libkmod-util.c) drops every backslash, so a
    /// nested `'\''` would lose its quoting. The messages hold kbuild names and hexadecimal digits;
    /// any character outside `[A-Za-z0-9_./:-]`, space, `(`, `)`, `,`, `=` and `;` becomes `_`.
    package static func message(_ text: String) -> String {
        let kept = text.unicodeScalars.map { scalar -> Character in
            isPlain(scalar) || " (),=;".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
        }
        return "\"" + String(kept) + "\""
    }

    private static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", ".", "/", ":", "-": true
        default: false
        }
    }
}
