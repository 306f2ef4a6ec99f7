import CCrypto

/// The digest a module signature uses, by the name `CONFIG_MODULE_SIG_HASH` and kbuild's
/// `scripts/sign-file` give it (`sha256`, `sha512`, ...), looked up with libcrypto's
/// `EVP_get_digestbyname()` as sign-file does.
package struct SignatureHash: Sendable, Equatable, CustomStringConvertible {
    /// The name as given (`sha256`).
    package let name: String

    /// The hash when the kernel's configuration names none: sha256, which Debian's 6.1 and 6.12
    /// kernels are built with (`CONFIG_MODULE_SIG_HASH="sha256"` in their headers' `.config`).
    package static let kbuildDefault = SignatureHash(validated: "sha256")

    /// Refuses a name libcrypto does not know.
    package init(_ name: String) throws(SigningError) {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }), EVP_get_digestbyname(name) != nil else {
            throw .unknownHash(name)
        }
        self.name = name
    }

    private init(validated name: String) { self.name = name }

    /// `EVP_get_digestbyname(name)`.
    var digest: OpaquePointer? { EVP_get_digestbyname(name) }

    package var description: String { name }

    /// `CONFIG_MODULE_SIG_HASH` from the text of a kernel `.config` or `include/config/auto.conf`
    /// (`CONFIG_MODULE_SIG_HASH="sha512"`); nil when the file does not set it.
    package static func configured(in config: String) -> String? {
        for line in config.split(separator: "\n") where line.hasPrefix("CONFIG_MODULE_SIG_HASH=") {
            var value = line.dropFirst("CONFIG_MODULE_SIG_HASH=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }
}
