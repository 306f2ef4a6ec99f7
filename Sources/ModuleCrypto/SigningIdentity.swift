import CCrypto
#if canImport(Glibc)
import Glibc
#endif

/// A private key and the X.509 certificate a module signature names, read as kbuild's
/// `scripts/sign-file` reads them (`read_private_key()`, `read_x509()`): the key as PEM
/// (`PEM_read_bio_PrivateKey`), the certificate as DER when its first bytes are an ASN.1 SEQUENCE
/// with a two-byte length (`0x30 0x82`) and as PEM otherwise.
///
/// PKCS#11 URIs (`pkcs11:...`), which sign-file hands to an OpenSSL engine or provider, are
/// refused: klp-split signs with a key file only. Encrypted keys are refused too (sign-file reads
/// their pass phrase from `KBUILD_SIGN_PIN`; klp-split asks for none).
package final class SigningIdentity: @unchecked Sendable {
    // Both are only read after init (CMS_add1_signer takes its own references), so sharing the
    // instance between threads is safe.
    let key: OpaquePointer
    let certificate: OpaquePointer
    /// The files, for diagnostics.
    package let keyPath: String
    package let certificatePath: String

    /// Reads both files; one `SigningError` line naming the file that cannot be used.
    package init(keyPath: String, certificatePath: String) throws(SigningError) {
        if keyPath.lowercased().hasPrefix("pkcs11:") { throw .pkcs11(keyPath) }
        let keyBytes = try Self.contents(of: keyPath, unreadable: SigningError.unreadableKey)
        let certificateBytes = try Self.contents(of: certificatePath, unreadable: SigningError.unreadableCertificate)
        ERR_clear_error()
        guard let key = Self.withMemoryBIO(keyBytes, { bio in PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in
            -1 // no pass phrase is asked for, so an encrypted key fails to read
        }, nil) }) else {
            let detail = SigningError.openSSLErrors()
            if keyBytes.count < 1 << 16, String(decoding: keyBytes, as: UTF8.self).contains("ENCRYPTED") {
                throw .unreadableKey(keyPath, "the key is encrypted and klp-split asks for no pass phrase; decrypt it into a private file with 'openssl pkey'")
            }
            throw .unreadableKey(keyPath, "not an unencrypted PEM private key: \(detail)")
        }
        let isDER = certificateBytes.count >= 2 && certificateBytes[0] == 0x30 && certificateBytes[1] == 0x82
        let certificate = Self.withMemoryBIO(certificateBytes) { bio in
            isDER ? d2i_X509_bio(bio, nil) : PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let certificate else {
            EVP_PKEY_free(key)
            let detail = SigningError.openSSLErrors()
            throw .unreadableCertificate(certificatePath, "not an X.509 certificate in \(isDER ? "DER" : "PEM"): \(detail)")
        }
        guard X509_check_private_key(certificate, key) == 1 else {
            ERR_clear_error()
            EVP_PKEY_free(key)
            X509_free(certificate)
            throw .mismatch(key: keyPath, certificate: certificatePath)
        }
        self.key = key
        self.certificate = certificate
        self.keyPath = keyPath
        self.certificatePath = certificatePath
    }

    deinit {
        EVP_PKEY_free(key)
        X509_free(certificate)
    }

    /// The whole file; a one-line error with `strerror` when it cannot be opened or read.
    private static func contents(of path: String, unreadable: (String, String) -> SigningError) throws(SigningError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else { throw unreadable(path, String(cString: strerror(errno))) }
            bytes += buffer.prefix(count)
            // Keys and certificates are a few kilobytes; refuse anything that cannot be one.
            guard bytes.count <= 1 << 20 else { throw unreadable(path, "larger than 1 MiB") }
        }
        guard !bytes.isEmpty else { throw unreadable(path, "the file is empty") }
        return bytes
    }

    /// Calls `body` with a read-only memory BIO over `bytes`.
    static func withMemoryBIO<Result>(_ bytes: [UInt8], _ body: (OpaquePointer?) -> Result) -> Result {
        bytes.withUnsafeBytes { buffer in
            let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count))
            defer { BIO_free(bio) }
            return body(bio)
        }
    }
}
