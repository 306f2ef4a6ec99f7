import CCrypto

/// Why a module could not be signed or a signing key, certificate or hash could not be used.
/// `description` is one diagnostic line naming the file and the next step.
package struct SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) { self.description = description }

    static func unreadableKey(_ path: String, _ reason: String) -> SigningError {
        SigningError("\(path): error: cannot read the signing key (\(reason)); pass an unencrypted PEM private key with --sign-key")
    }

    static func pkcs11(_ uri: String) -> SigningError {
        SigningError("\(uri): error: PKCS#11 URIs are not supported for --sign-key; pass a PEM private key file, or sign the parts with the kernel's scripts/sign-file (which supports PKCS#11) after building them")
    }

    static func unreadableCertificate(_ path: String, _ reason: String) -> SigningError {
        SigningError("\(path): error: cannot read the signing certificate (\(reason)); pass an X.509 certificate in PEM or DER with --sign-cert")
    }

    static func mismatch(key: String, certificate: String) -> SigningError {
        SigningError("\(key): error: the signing key does not belong to the certificate \(certificate); pass the key pair kbuild's signing_key.pem and signing_key.x509 hold (or your own matching pair)")
    }

    static func unknownHash(_ name: String) -> SigningError {
        SigningError("error: unknown signature hash '\(name)'; pass a name CONFIG_MODULE_SIG_HASH uses, such as sha256, sha384 or sha512")
    }

    static func signingFailed(_ file: String, _ step: String) -> SigningError {
        SigningError("libcrypto could not sign \(file) (\(step): \(openSSLErrors())); no module written")
    }

    /// The last (most specific) reason in libcrypto's error queue, as `library: reason`
    /// (`PEM routines: no start line`), and the queue emptied; "unknown error" when empty.
    static func openSSLErrors() -> String {
        var last = "unknown error"
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let library = ERR_lib_error_string(code).map { String(cString: $0) }
            let reason = ERR_reason_error_string(code).map { String(cString: $0) } ?? "error \(code)"
            last = library.map { "\($0): \(reason)" } ?? reason
        }
        return last
    }
}
