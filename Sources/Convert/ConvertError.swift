/// Every way building the parts can fail, as one compiler-style line naming the file, the section or
/// symbol, and what to do next.
package struct ConvertError: Error, CustomStringConvertible, Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case planHasErrors
        case atomicReplace
        case unsupportedSection
        case staticKey
        case crcMismatch
        case missingExport
        case output
        case inconsistent
        case policy
    }

    package let kind: Kind
    package let message: String

    package var description: String { message }

    package static func planHasErrors(_ file: String, count: Int, what: String = "no modules written",
                                      command: String = "plan") -> ConvertError {
        if command == "plan" {
            return ConvertError(kind: .planHasErrors, message:
                "\(file): error: the plan has \(count) error(s); \(what) (run 'klp-split plan' to see them)")
        }
        return ConvertError(kind: .planHasErrors, message: "\(file): error: \(count) problem(s); \(what)")
    }

    package static func atomicReplace(_ file: String) -> ConvertError {
        ConvertError(kind: .atomicReplace, message:
            "\(file): klp_patch: error: the patch sets replace = true, and independent parts cannot keep atomic replace (each part would revert the others); pass --no-replace to build non-replacing parts")
    }

    package static func unsupportedSection(_ file: String, _ section: String, _ why: String) -> ConvertError {
        ConvertError(kind: .unsupportedSection, message: "\(file): \(section): error: \(why)")
    }

    package static func staticKey(_ file: String, _ site: String, key: String, module: String, section: String) -> ConvertError {
        let fix = section == ".static_call_sites" ? "Use KLP_STATIC_CALL() instead" : "Use static_key_enabled() instead"
        return ConvertError(kind: .staticKey, message:
            "\(file): \(site): error: \(section) entry uses '\(key)', which is defined in module '\(module)'; a klp relocation to it may be applied after the module's static keys are set up. \(fix)")
    }

    package static func crcMismatch(_ file: String, table: String = "__versions", symbol: String, built: UInt32, target: String) -> ConvertError {
        ConvertError(kind: .crcMismatch, message:
            "\(file): \(table): error: '\(symbol)' was built against CRC 0x\(String(built, radix: 16)) but the target's Module.symvers has \(target); rebuild the livepatch against the target kernel's headers")
    }

    package static func missingExport(_ file: String, _ site: String, symbol: String, owner: String) -> ConvertError {
        ConvertError(kind: .missingExport, message:
            "\(file): \(site): error: part '\(owner)' would have to export '\(symbol)', but the livepatch does not export it; add EXPORT_SYMBOL_GPL(\(symbol)) to the livepatch source")
    }

    package static func output(_ message: String) -> ConvertError {
        ConvertError(kind: .output, message: message)
    }

    /// A modprobe.d policy that is not, line for line, one `klp-split build` writes.
    package static func policy(_ file: String, line: Int, _ what: String) -> ConvertError {
        ConvertError(kind: .policy, message:
            "\(file):\(line): error: \(what); klp-split runs only policies it wrote itself (regenerate it with 'klp-split build')")
    }

    package static func inconsistent(_ file: String, _ what: String) -> ConvertError {
        ConvertError(kind: .inconsistent, message: "\(file): error: internal inconsistency: \(what); please report this with the input module")
    }
}
