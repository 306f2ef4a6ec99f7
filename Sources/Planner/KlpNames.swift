/// Names of livepatch relocation sections and symbols, and the kernel's parse of them.
///
/// Documentation/livepatch/module-elf-format.rst §3.1 and §4.2; kernel/livepatch/core.c parses
/// them with `sscanf(secname, ".klp.rela.%55[^.]", ...)` and
/// `sscanf(name, ".klp.sym.%55[^.].%511[^,],%lu", ...)` (KSYM_NAME_LEN 512 since v6.1).
package enum KlpNames {
    /// `KLP_RELOC_SEC_PREFIX` (include/linux/livepatch_external.h).
    package static let relocationSectionPrefix = ".klp.rela."
    /// `KLP_SYM_PREFIX` (include/linux/livepatch_external.h).
    package static let symbolPrefix = ".klp.sym."

    /// `.klp.sym.<object>.<symbol>,<sympos>`
    package static func symbol(object: String, name: String, sympos: Int) -> String {
        ".klp.sym.\(object).\(name),\(sympos)"
    }

    /// `.klp.rela.<object>.<section>`; with -ffunction-sections the section starts with '.', giving `..`.
    package static func relocationSection(object: String, section: String) -> String {
        ".klp.rela.\(object).\(section)"
    }

    /// What the kernel's sscanf reads from a `.klp.sym` name, or nil when it would reject it.
    package static func parseSymbol(_ name: String) -> (object: String, symbol: String, sympos: UInt64)? {
        guard name.hasPrefix(".klp.sym.") else { return nil }
        let rest = name.dropFirst(".klp.sym.".count)
        guard let dot = rest.firstIndex(of: ".") else { return nil }
        let object = rest[..<dot]
        guard !object.isEmpty, object.count <= 55 else { return nil }
        let afterObject = rest[rest.index(after: dot)...]
        guard let comma = afterObject.firstIndex(of: ",") else { return nil }
        let symbol = afterObject[..<comma]
        guard !symbol.isEmpty, symbol.utf8.count <= 511 else { return nil }
        let position = afterObject[afterObject.index(after: comma)...]
        guard !position.isEmpty, position.allSatisfy(\.isASCII), let sympos = UInt64(position) else { return nil }
        return (String(object), String(symbol), sympos)
    }

    /// The object name the kernel's sscanf reads from a `.klp.rela` section name, or nil.
    package static func parseRelocationSection(_ name: String) -> String? {
        guard name.hasPrefix(".klp.rela.") else { return nil }
        let object = name.dropFirst(".klp.rela.".count).prefix { $0 != "." }
        guard !object.isEmpty, object.count <= 55 else { return nil }
        return String(object)
    }
}
