/// Why `check` could not read a module or the world: one compiler-style line naming the file and
/// what to do next. A module that can be read but breaks rules gives `Finding`s instead.
package struct CheckError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        case unreadable
        case notModule
        case malformed
    }

    package let kind: Kind
    package let message: String

    package var description: String { message }

    /// `line` is already a complete diagnostic (from `ELFError`).
    package static func unreadable(_ line: String) -> CheckError {
        CheckError(kind: .unreadable, message: line)
    }

    package static func notModule(_ file: String, fileType: UInt16) -> CheckError {
        CheckError(kind: .notModule, message:
            "\(file): error: not a kernel module (e_type \(fileType), expected ET_REL); pass the .ko file")
    }

    package static func malformed(_ file: String, _ location: String, _ what: String) -> CheckError {
        CheckError(kind: .malformed, message: "\(file): \(location): error: \(what); rebuild the module")
    }
}
