import ELF
import FoundationEssentials
import KernelWorld
#if canImport(Glibc)
import Glibc
#endif

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
    /// What to append to each module file, by file name, inside the same atomic write (its
    /// signature, `SigningOptions.trailer`); nil appends nothing.
    var moduleTrailer: ((_ file: String) -> ELFWriter.Trailer)? = nil

    /// Writes every file or none. SIGINT, SIGTERM and SIGHUP are held back until the files are
    /// in place or the staging directory is removed (`InterruptDeferral`), so an interrupted
    /// build leaves no partial module and no temporary file; a directory this call created is
    /// removed again when writing fails.
    func write(_ files: [File]) throws {
        try InterruptDeferral.run { () throws(Failure) in try writeDeferringInterrupts(files) }
    }

    private func writeDeferringInterrupts(_ files: [File]) throws(Failure) {
        let manager = FileManager.default
        var existing = stat()
        var created = false
        if stat(path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFDIR else {
                throw Failure(description: "\(path): error: the output exists and is not a directory; pass a directory with -o")
            }
        } else {
            guard mkdir(path, 0o777) == 0 else {
                throw Failure(description: "\(path): error: cannot create the output directory (\(String(cString: strerror(errno)))); create its parent or choose another -o")
            }
            created = true
        }
        var succeeded = false
        defer { if created && !succeeded { rmdir(path) } }
        for file in files {
            let destination = try Self.destination(of: file.name, in: path)
            for input in inputs where Self.sameFile(input, destination) {
                throw Failure(description: "\(destination): error: this is an input file; choose another output directory")
            }
        }
        var template = Array("\(path)/.klp-split.XXXXXX".utf8CString)
        let staging = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let temporary = staging else {
            throw Failure(description: "\(path): error: cannot write to the output directory (\(String(cString: strerror(errno)))); check its permissions")
        }
        defer { try? manager.removeItem(atPath: temporary) }
        for file in files {
            let staged = "\(temporary)/\(file.name)"
            switch file {
            case .module(_, let image):
                do {
                    try ELFWriter.write(image, to: staged, inputs: inputs, trailer: moduleTrailer?(file.name))
                } catch {
                    throw Failure(description: error.description)
                }
            case .text(_, let text):
                try Self.writeSynced(text, to: staged)
            }
        }
        // rename() replaces whatever is at the destination, a symlink planted there included,
        // and never writes through it.
        for file in files {
            guard rename("\(temporary)/\(file.name)", "\(path)/\(file.name)") == 0 else {
                throw Failure(description: "\(path)/\(file.name): error: cannot move into place (\(String(cString: strerror(errno))))")
            }
        }
        succeeded = true
        Self.syncDirectory(path)
    }

    /// The path of an output file `name` inside `directory`: `name` must be one path component
    /// of `[A-Za-z0-9_.-]` other than `.` and `..` (part names are kbuild names), and the joined
    /// path, normalised, must still lie directly inside the normalised directory.
    static func destination(of name: String, in directory: String) throws(Failure) -> String {
        let joined = "\(directory)/\(name)"
        let plain = !name.isEmpty && name != "." && name != ".." && name.unicodeScalars.allSatisfy { scalar in
            scalar == "." || scalar == "-" || KernelName.module.allows(scalar)
        }
        let base = normalized(directory)
        let expected = base == "." ? name : base == "/" ? "/" + name : base + "/" + name
        guard plain, normalized(joined) == expected else {
            throw Failure(description: "\(directory): error: internal inconsistency: output file name \(NameDisplay.quoted(name)) would not lie inside the output directory; please report this with the input module")
        }
        return joined
    }

    /// `path` with `.`, empty and `..` components resolved lexically (no file system access).
    static func normalized(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
            if component == "..", let last = components.last, last != ".." {
                components.removeLast()
            } else if component != ".." || !path.hasPrefix("/") {
                components.append(component)
            }
        }
        let joined = components.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// Creates `path` (mode 0644) with `text` and `fsync`s it.
    static func writeSynced(_ text: String, to path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Failure(description: "\(path): error: cannot write (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else {
                throw Failure(description: "\(path): error: cannot write (\(String(cString: strerror(errno))))")
            }
            bytes = bytes.dropFirst(written)
        }
        guard fsync(descriptor) == 0 else {
            throw Failure(description: "\(path): error: cannot write (\(String(cString: strerror(errno))))")
        }
    }

    /// `fsync` on a directory so renames into it survive a crash; best effort.
    static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
