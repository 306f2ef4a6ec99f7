/// Every way reading or writing an ELF file can fail, as one compiler-style line.
///
/// The message names the file and, where known, the section or symbol, then says what to do next:
/// `lp.ko: error: not an ELF file (no \x7fELF magic); pass a kernel module (.ko)`.
package struct ELFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, for tests and callers that branch on it.
    package enum Kind: Sendable, Equatable {
        case unreadable
        case notELF
        case unsupported
        case malformed
        /// A compressed file (`.ko.xz`, `.ko.zst`, `.ko.gz`) that does not decompress.
        case undecodable
        case writeFailed
        /// An `ELFImage` that would not make a valid file (found before anything is written).
        case invalidImage
        /// The output path names the same file (device and inode) as an input.
        case overwritesInput
    }

    package let kind: Kind
    package let file: String
    package let message: String

    package var description: String { "\(file): error: \(message)" }

    /// The same error, naming the file as the user spelled it.
    package func naming(_ file: String) -> ELFError { ELFError(kind: kind, file: file, message: message) }

    package static func unreadable(_ file: String, _ reason: String) -> ELFError {
        ELFError(kind: .unreadable, file: file, message: "cannot read: \(reason)")
    }

    package static func notELF(_ file: String) -> ELFError {
        ELFError(kind: .notELF, file: file,
                 message: "not an ELF file (no \\x7fELF magic); pass a kernel module (.ko)")
    }

    package static func unsupported(_ file: String, _ what: String) -> ELFError {
        ELFError(kind: .unsupported, file: file,
                 message: "\(what); klp-split reads 64-bit little-endian x86-64 and ppc64le (ELFv2) kernel modules (ET_REL)")
    }

    package static func malformed(_ file: String, _ what: String) -> ELFError {
        ELFError(kind: .malformed, file: file,
                 message: "malformed ELF: \(what); rebuild the module or check that the file is not truncated")
    }

    /// `message` says which format and why (`DecompressionError.message`).
    package static func undecodable(_ file: String, _ message: String) -> ELFError {
        ELFError(kind: .undecodable, file: file, message: message)
    }

    package static func writeFailed(_ file: String, _ what: String) -> ELFError {
        ELFError(kind: .writeFailed, file: file, message: "cannot write: \(what)")
    }

    /// `what` names the section or symbol and says how to fix the image.
    package static func invalidImage(_ file: String, _ what: String) -> ELFError {
        ELFError(kind: .invalidImage, file: file, message: "\(what); no file written")
    }

    package static func overwritesInput(_ file: String, input: String) -> ELFError {
        ELFError(kind: .overwritesInput, file: file,
                 message: "the output is the same file as the input \(input) (same device and inode); choose another output path so the input stays intact")
    }
}
