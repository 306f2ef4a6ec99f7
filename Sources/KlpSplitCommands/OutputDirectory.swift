import ELF
import Foundation

/// Writes a set of files into a directory all or nothing: everything goes to a private temporary
/// directory inside it first, is synced, and is renamed into place only when every file was written.
struct OutputDirectory {
    enum File {
        case module(String, ELFImage)
        case text(String, String)

        var name: String {
            switch self {
            case .module(let name, _), .text(let name, _): name
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let path: String
    /// Files that must never be overwritten (the inputs).
    let inputs: [String]

    func write(_ files: [File]) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw Failure(description: "\(path): error: the output exists and is not a directory; pass a directory with -o")
            }
        } else {
            do {
                try manager.createDirectory(atPath: path, withIntermediateDirectories: false)
            } catch {
                throw Failure(description: "\(path): error: cannot create the output directory (\(error.localizedDescription)); create its parent or choose another -o")
            }
        }
        for file in files {
            let destination = "\(path)/\(file.name)"
            for input in inputs where Self.sameFile(input, destination) {
                throw Failure(description: "\(destination): error: this is an input file; choose another output directory")
            }
        }
        var template = Array("\(path)/.klp-split.XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let temporary = created else {
            throw Failure(description: "\(path): error: cannot write to the output directory (\(String(cString: strerror(errno)))); check its permissions")
        }
        defer { try? manager.removeItem(atPath: temporary) }
        for file in files {
            let staged = "\(temporary)/\(file.name)"
            switch file {
            case .module(_, let image):
                try ELFWriter.write(image, to: staged, inputs: inputs)
            case .text(_, let text):
                guard manager.createFile(atPath: staged, contents: Data(text.utf8)) else {
                    throw Failure(description: "\(staged): error: cannot write (\(String(cString: strerror(errno))))")
                }
            }
        }
        sync()
        for file in files {
            guard rename("\(temporary)/\(file.name)", "\(path)/\(file.name)") == 0 else {
                throw Failure(description: "\(path)/\(file.name): error: cannot move into place (\(String(cString: strerror(errno))))")
            }
        }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
