/// The `key=value` strings of a module's `.modinfo` section, in file order.
///
/// Kernel: include/linux/moduleparam.h `__MODULE_INFO`; each entry is a NUL-terminated string.
package struct ModuleInfo: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        package let key: String
        package let value: String
    }

    package let entries: [Entry]

    package init(entries: [Entry]) { self.entries = entries }

    /// Parses the raw section bytes; empty strings (alignment padding) are skipped.
    package init(bytes: [UInt8]) {
        var entries: [Entry] = []
        for chunk in bytes.split(separator: 0, omittingEmptySubsequences: true) {
            let text = String(decoding: chunk, as: UTF8.self)
            if let equals = text.firstIndex(of: "=") {
                entries.append(Entry(key: String(text[..<equals]), value: String(text[text.index(after: equals)...])))
            } else {
                entries.append(Entry(key: text, value: ""))
            }
        }
        self.entries = entries
    }

    /// Why these `.modinfo` bytes are malformed, or nil: the last string must end in a NUL
    /// (`__MODULE_INFO` emits NUL-terminated strings; a file without one was cut or corrupted).
    package static func problem(in bytes: [UInt8]) -> String? {
        guard let last = bytes.last, last != 0 else { return nil }
        return "the last string is not NUL-terminated (every MODULE_INFO entry ends in a NUL); rebuild the module"
    }

    /// The first value for a key.
    package func value(_ key: String) -> String? { entries.first { $0.key == key }?.value }

    /// All values for a key (for example every `import_ns=`).
    package func values(_ key: String) -> [String] { entries.filter { $0.key == key }.map(\.value) }

    /// `depends=`, split on commas; empty when absent or blank.
    package var dependencies: [String] {
        (value("depends") ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
    }

    /// `livepatch=Y` (Documentation/livepatch/module-elf-format.rst §2).
    package var isLivepatch: Bool { value("livepatch") == "Y" }
}
