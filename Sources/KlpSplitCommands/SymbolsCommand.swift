import ArgumentParser
import ELF
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import KernelWorld

/// `klp-split symbols`: the kernel world's symbol order as klp-convert's symbols.klp.
struct SymbolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbols",
        abstract: "Write the target kernel's symbols in klp-convert's symbols.klp format, in kernel order.",
        discussion: """
            First line klp-convert-symbol-data.0.1, then '*vmlinux' and its names in kallsyms address \
            order, then '*<module>' for every module of the module tree (sorted by name) with the core \
            symbols of its .ko in .symtab order: counting a name's lines gives its sympos. Exit status: \
            0 ok, 1 an input cannot be read or the file cannot be written, 64 usage.
            """)

    @OptionGroup(title: "Kernel world")
    var world: KernelWorldOptions

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The symbols.klp file to write ('-' for stdout).", valueName: "FILE"))
    var output: String

    func run() throws {
        let text: String
        do {
            text = try Self.symbols(world: world).rendered()
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        if output == "-" {
            Terminal.output(text)
            return
        }
        do {
            let paths = try KernelWorldLoader(options: world).resolvePaths()
            try Self.writeAtomically(text, to: output,
                                     inputs: [paths.kallsyms, paths.systemMap, paths.vmlinux].compactMap { $0 })
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    static func symbols(world: KernelWorldOptions) throws -> SymbolsKlp {
        let loader = KernelWorldLoader(options: world)
        let paths = try loader.resolvePaths()
        var orders: [SymbolOrder] = []
        if let kallsyms = paths.kallsyms {
            orders.append(try KallsymsTable(contentsOf: kallsyms, displayName: KernelWorldLoader.display(kallsyms)).vmlinux)
        } else if let systemMap = paths.systemMap {
            orders.append(try SystemMap(contentsOf: systemMap, displayName: KernelWorldLoader.display(systemMap)).vmlinux)
        } else if let vmlinux = paths.vmlinux {
            orders.append(try KernelWorldLoader.vmlinuxOrder(path: vmlinux))
        } else {
            throw Failure(description: "error: no vmlinux symbol order: pass --kallsyms FILE, --system-map FILE, --vmlinux FILE or -b DIR with DIR/proc/kallsyms")
        }
        if let directory = paths.moduleDirectory {
            let depFile = "\(directory)/modules.dep"
            guard let data = FileManager.default.contents(atPath: depFile) else {
                throw Failure(description: "\(KernelWorldLoader.display(depFile)): error: cannot read the module list; run depmod for this tree")
            }
            var modules: [(ObjectName, String)] = []
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let path = String(line[..<colon])
                modules.append((try ObjectName(normalizing: path), path))
            }
            for (name, path) in modules.sorted(by: { $0.0 < $1.0 }) {
                let full = path.hasPrefix("/") ? path : "\(directory)/\(path)"
                orders.append(try ModuleSymbolOrder(moduleAt: full, object: name, displayName: String(full.split(separator: "/").last ?? Substring(full))).loaded)
            }
        }
        return SymbolsKlp(orders: orders)
    }

    /// Writes to a temporary file next to `path`, `fsync`s it, renames it into place and `fsync`s
    /// the directory, with SIGINT, SIGTERM and SIGHUP held back (`InterruptDeferral`) so an
    /// interrupt leaves no temporary file. Refuses when `path` is one of `inputs` (device and inode).
    static func writeAtomically(_ text: String, to path: String, inputs: [String] = []) throws {
        for input in inputs where OutputDirectory.sameFile(input, path) {
            throw Failure(description: "\(path): error: this is an input file (\(input)); choose another output path")
        }
        let (parent, name) = splitPath(path)
        let temporary = parent + "/.\(name).\(getpid()).tmp"
        try InterruptDeferral.run { () throws(OutputDirectory.Failure) in
            unlink(temporary)
            do {
                try OutputDirectory.writeSynced(text, to: temporary)
            } catch {
                let reason = String(cString: strerror(errno))  // before unlink changes errno
                unlink(temporary)
                throw OutputDirectory.Failure(description: "\(path): error: cannot write (\(reason)); check the directory")
            }
            guard rename(temporary, path) == 0 else {
                let message = String(cString: strerror(errno))
                unlink(temporary)
                throw OutputDirectory.Failure(description: "\(path): error: cannot move into place (\(message))")
            }
            OutputDirectory.syncDirectory(parent)
        }
    }

    /// The directory (`.` when there is none) and the last component of a file path, as
    /// `NSString`'s `deletingLastPathComponent` and `lastPathComponent` give them: trailing and
    /// repeated slashes before the name are dropped.
    static func splitPath(_ path: String) -> (directory: String, name: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return (".", String(trimmed)) }
        var directory = trimmed[..<slash]
        while directory.count > 1 && directory.hasSuffix("/") { directory = directory.dropLast() }
        return (directory.isEmpty ? "/" : String(directory), String(trimmed[trimmed.index(after: slash)...]))
    }
}
