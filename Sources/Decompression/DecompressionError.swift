/// A compressed module that cannot be decompressed, as one line naming the file and the reason:
/// `cdrom.ko.xz: error: cannot decompress (xz): the data is truncated; ...`.
package struct DecompressionError: Error, Sendable, Equatable, CustomStringConvertible {
    package let file: String
    package let compression: ModuleCompression
    /// What the library said, in words (`the data is truncated`, `corrupt data: ...`).
    package let reason: String

    /// The message without the file name.
    package var message: String {
        "cannot decompress (\(compression.rawValue)): \(reason); check the file with '\(compression.toolName) -t' or copy it again from the kernel package"
    }

    package var description: String { "\(file): error: \(message)" }

    /// The same error, naming the file as the user spelled it.
    package func naming(_ file: String) -> DecompressionError {
        DecompressionError(file: file, compression: compression, reason: reason)
    }
}
