import KernelWorld

/// Every way reading a livepatch module can fail, as one compiler-style line naming the file,
/// the section or symbol, and what to do next.
package struct LivepatchError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable, Equatable {
        case elf
        case notLivepatch
        case noPatchMetadata
        case unsupportedLayout
        case malformedMetadata
        case invalidName
    }

    package let kind: Kind
    package let message: String

    package var description: String { message }

    package static func elf(_ error: some CustomStringConvertible) -> LivepatchError {
        LivepatchError(kind: .elf, message: error.description)
    }

    package static func notLivepatch(_ file: String) -> LivepatchError {
        LivepatchError(kind: .notLivepatch, message:
            "\(file): .modinfo: error: not a livepatch module (no livepatch=Y): klp-split splits livepatches only, so pass a module that calls klp_enable_patch(), or add MODULE_INFO(livepatch, \"Y\") if this one is meant to be one")
    }

    package static func noPatchMetadata(_ file: String) -> LivepatchError {
        LivepatchError(kind: .noPatchMetadata, message:
            "\(file): error: no struct klp_patch and no .init.klp_objects (or 6.19's __klp_objects) section found; pass a livepatch built from static klp_func/klp_object/klp_patch arrays (samples/livepatch) or by klp-build")
    }

    package static func unsupportedLayout(_ file: String, _ location: String, _ what: String) -> LivepatchError {
        LivepatchError(kind: .unsupportedLayout, message:
            "\(file): \(location): error: \(what); klp-split cannot tell the struct layout, so it refuses to guess: rebuild the livepatch with debug info (-g) or report this layout")
    }

    /// The module's DWARF and its relocations describe different struct layouts.
    package static func layoutDisagrees(_ file: String, _ location: String, _ what: String) -> LivepatchError {
        LivepatchError(kind: .unsupportedLayout, message:
            "\(file): \(location): error: \(what); the DWARF does not describe the data it was built with, so klp-split refuses to guess: rebuild the livepatch from clean sources against the target kernel's headers")
    }

    /// A name kbuild and the compiler would never produce (`KernelName`): klp-split would write it
    /// into file names, `.klp` names or the modprobe.d policy, so it refuses the module.
    package static func invalidName(_ file: String, _ location: String, _ field: String, _ problem: NameProblem,
                                    fix: String) -> LivepatchError {
        LivepatchError(kind: .invalidName, message:
            "\(file): \(location): error: \(field) \(problem); \(fix) (\(problem.rule))")
    }

    package static func malformed(_ file: String, _ location: String, _ what: String) -> LivepatchError {
        LivepatchError(kind: .malformedMetadata, message: "\(file): \(location): error: \(what)")
    }
}
