import ELF

/// Every error the KernelWorld layer throws, with all of its messages in this one file.
///
/// `description` is one compiler-style line: `FILE[:LINE]: error: WHAT; NEXT STEP`, for example
/// `Module.symvers:12: error: bad CRC '0xzz' (expected 0x and 8 hex digits); regenerate it with 'make modules'`.
/// The kernel-side messages (`symbolNotFound`, `ambiguousSymbol`, `symbolPositionNotFound`) mirror
/// `klp_find_object_symbol()` in kernel/livepatch/core.c, so a user sees at build time what the
/// kernel would have refused at load time.
package struct KernelWorldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that branch on it (tests, the Planner).
    package enum Kind: Sendable, Equatable {
        case unreadableFile
        case emptyFile
        case malformedLine
        case badCRC
        case invalidObjectName
        case placeholderSystemMap
        case zeroAddresses
        case missingModuleIndex
        case kmodFailure
        case unknownModule
        case unreadableModule
        case symbolNotFound
        case ambiguousSymbol
        case symbolPositionNotFound
        case mismatchedWorld
    }

    package let kind: Kind
    /// The file the problem is in, as the caller named it; nil when there is none.
    package let file: String?
    /// The 1-based line in `file`; nil for whole-file problems.
    package let line: Int?
    /// What is wrong and what to do next, without the location prefix.
    package let message: String

    package init(_ kind: Kind, file: String?, line: Int? = nil, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    package var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): error: \(message)"
        case let (file?, nil): "\(file): error: \(message)"
        default: "error: \(message)"
        }
    }

    /// The same error, placed at `file:line` (used when an `ObjectName` fails inside a parsed file).
    package func located(file: String, line: Int?) -> KernelWorldError {
        KernelWorldError(kind, file: file, line: line, message: message)
    }
}

// MARK: - Reading files

extension KernelWorldError {
    static func unreadableFile(_ file: String, reason: String) -> Self {
        .init(.unreadableFile, file: file, message: "cannot read file (\(reason)); check the path and its permissions")
    }

    package static func emptyFile(_ file: String, nextStep: String) -> Self {
        .init(.emptyFile, file: file, message: "file is empty; \(nextStep)")
    }
}

// MARK: - Module.symvers

extension KernelWorldError {
    package static let regenerateSymvers = "regenerate it with 'make modules'"

    static func malformedSymversLine(_ file: String, line: Int, detail: String? = nil) -> Self {
        let what = detail.map { "malformed line: \($0)" } ?? "malformed line"
        return .init(.malformedLine, file: file, line: line, message:
            "\(what) (expected 'CRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]'); \(regenerateSymvers)")
    }

    static func badCRC(_ file: String, line: Int, crc: String) -> Self {
        .init(.badCRC, file: file, line: line, message:
            "bad CRC '\(crc)' (expected 0x and up to 8 hex digits); \(regenerateSymvers)")
    }
}

// MARK: - Object names

extension KernelWorldError {
    static func invalidObjectName(_ given: String, reason: String) -> Self {
        .init(.invalidObjectName, file: nil, message:
            "invalid object name \(NameDisplay.quoted(given)): \(reason); name the module as 'modinfo -F name' prints it")
    }
}

// MARK: - /proc/kallsyms and System.map

extension KernelWorldError {
    static let dumpKallsyms = "dump it again as root with 'cat /proc/kallsyms > FILE'"

    static func malformedSymbolLine(_ file: String, line: Int, detail: String, nextStep: String) -> Self {
        .init(.malformedLine, file: file, line: line, message:
            "malformed line: \(detail) (expected 'ADDRESS TYPE NAME[<TAB>[MODULE]]'); \(nextStep)")
    }

    static func placeholderSystemMap(_ file: String, text: String) -> Self {
        .init(.placeholderSystemMap, file: file, message:
            "this is Debian's placeholder System.map ('\(text)'); pass --kallsyms FILE (a /proc/kallsyms dump) or --vmlinux FILE instead")
    }

    static func zeroAddresses(_ file: String, count: Int) -> Self {
        .init(.zeroAddresses, file: file, message:
            "all \(count) addresses are 0, so this dump was taken without root (kptr_restrict hides addresses); \(dumpKallsyms)")
    }
}

// MARK: - libkmod

extension KernelWorldError {
    static func missingModuleIndex(_ directory: String) -> Self {
        .init(.missingModuleIndex, file: directory, message:
            "no modules.dep or modules.dep.bin in this directory; run 'depmod -b BASEDIR KERNELRELEASE' or pass the right -b/-k")
    }

    static func kmodFailure(_ directory: String, call: String, code: Int32) -> Self {
        .init(.kmodFailure, file: directory, message:
            "libkmod \(call) failed (error \(-code)); check that this is a depmod'ed lib/modules/RELEASE directory")
    }

    static func unknownModule(_ name: ObjectName, directory: String) -> Self {
        .init(.unknownModule, file: directory, message:
            "no module named '\(name)' in modules.dep or modules.builtin; check the name, or the -b/-k that chose this kernel")
    }
}

// MARK: - .ko symbol tables

extension KernelWorldError {
    static func unreadableModule(_ path: String, reason: String) -> Self {
        .init(.unreadableModule, file: path, message:
            "cannot read the module's symbol table (\(reason)); pass the module exactly as the target kernel ships it")
    }

    /// An `ELFError` from the ELF layer, keeping its file and message.
    static func unreadableModule(_ error: ELFError) -> Self {
        .init(.unreadableModule, file: error.file, message: error.message)
    }
}

// MARK: - sympos (kernel/livepatch/core.c klp_find_object_symbol)

extension KernelWorldError {
    static func symbolNotFound(_ symbol: String, in object: ObjectName, source: String?) -> Self {
        .init(.symbolNotFound, file: source, message:
            "symbol '\(symbol)' not found in object '\(object)'; the target kernel does not have it, so check the kernel version or the symbol name")
    }

    static func ambiguousSymbol(_ symbol: String, in object: ObjectName, candidates: [SymbolOccurrence], source: String?) -> Self {
        let list = candidates.map { "\($0.position) (\($0.addressDescription))" }.joined(separator: ", ")
        return .init(.ambiguousSymbol, file: source, message:
            "unresolvable ambiguity for symbol '\(symbol)' in object '\(object)': \(candidates.count) occurrences at positions \(list); pick one with KLP_SYMPOS(\(symbol), N)")
    }

    static func symbolPositionNotFound(_ symbol: String, position: Int, in object: ObjectName, count: Int, source: String?) -> Self {
        .init(.symbolPositionNotFound, file: source, message:
            "symbol position \(position) for symbol '\(symbol)' in object '\(object)' not found (it occurs \(count) time\(count == 1 ? "" : "s")); use a position from 1 to \(count)")
    }
}

// MARK: - Consistency between files

extension KernelWorldError {
    static func mismatchedWorld(source: String?, object: ObjectName, missing: Int, exported: Int, first: Export) -> Self {
        .init(.mismatchedWorld, file: source, message:
            "\(missing) of the \(exported) symbols that \(first.origin.file) says '\(object)' exports are not here (first: '\(first.symbol)', \(first.origin)); the files come from different kernels, so take both from the target kernel")
    }
}
