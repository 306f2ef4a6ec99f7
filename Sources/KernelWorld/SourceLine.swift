/// Where a fact about the kernel world came from: a file as the caller named it, and a 1-based line.
///
/// Kept on every `Export` so that a conflict or a CRC mismatch can name the line to look at.
package struct SourceLine: Hashable, Sendable, CustomStringConvertible {
    package let file: String
    package let line: Int

    package init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    package var description: String { "\(file):\(line)" }
}
