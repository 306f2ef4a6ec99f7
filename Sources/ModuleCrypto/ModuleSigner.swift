import CCrypto

/// Signs a module's bytes the way kbuild's `scripts/sign-file` does (scripts/sign-file.c, Linux
/// 6.1 and 6.12) and returns what sign-file appends:
///
/// 1. a detached CMS (PKCS#7) SignedData in DER, made with
///    `CMS_sign(NULL, NULL, NULL, NULL, CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED | CMS_STREAM)`,
///    `CMS_add1_signer(cms, x509, key, digest, CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR)`
///    (the signer named by issuer and serial number, no signed attributes, no certificates),
///    `CMS_final(cms, module, NULL, CMS_NOCERTS | CMS_BINARY)` and `i2d_CMS_bio_stream(out, cms, NULL, 0)`;
/// 2. `struct module_signature` (include/linux/module_signature.h): `algo`, `hash`, `signer_len`,
///    `key_id_len` and padding zero, `id_type` `PKEY_ID_PKCS7` (2), `sig_len` big-endian;
/// 3. the magic `MODULE_SIG_STRING`, `"~Module signature appended~\n"`.
///
/// Without signed attributes there is no signing time, so for an RSA key (kbuild's default,
/// PKCS#1 v1.5) the same key, hash and bytes give the same signature, byte for byte, as sign-file's.
/// (ECDSA signatures are randomised by the algorithm itself, with either tool.)
package struct ModuleSigner: Sendable {
    package let identity: SigningIdentity
    package let hash: SignatureHash

    package init(identity: SigningIdentity, hash: SignatureHash) {
        self.identity = identity
        self.hash = hash
    }

    /// The bytes to append to `module` (its whole file contents) to sign it; `file` names it in an
    /// error.
    package func trailer(for module: [UInt8], file: String) throws(SigningError) -> [UInt8] {
        let signature = try pkcs7(for: module, file: file)
        let length = UInt32(signature.count)
        let header: [UInt8] = [0, 0, 2, 0, 0, 0, 0, 0,
                               UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        return signature + header + Array("~Module signature appended~\n".utf8)
    }

    /// The DER-encoded detached CMS signature of `module`.
    package func pkcs7(for module: [UInt8], file: String) throws(SigningError) -> [UInt8] {
        ERR_clear_error()
        guard let digest = hash.digest else { throw .unknownHash(hash.name) }
        guard let cms = CMS_sign(nil, nil, nil, nil, UInt32(CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED | CMS_STREAM)) else {
            throw .signingFailed(file, "CMS_sign")
        }
        defer { CMS_ContentInfo_free(cms) }
        guard CMS_add1_signer(cms, identity.certificate, identity.key, digest,
                              UInt32(CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR)) != nil else {
            throw .signingFailed(file, "CMS_add1_signer")
        }
        let finalOK = SigningIdentity.withMemoryBIO(module) { bio in CMS_final(cms, bio, nil, UInt32(CMS_NOCERTS | CMS_BINARY)) }
        guard finalOK == 1 else { throw .signingFailed(file, "CMS_final") }
        guard let out = BIO_new(BIO_s_mem()) else { throw .signingFailed(file, "BIO_new") }
        defer { BIO_free(out) }
        guard i2d_CMS_bio_stream(out, cms, nil, 0) == 1 else { throw .signingFailed(file, "i2d_CMS_bio_stream") }
        var data: UnsafeMutablePointer<CChar>?
        let count = klp_bio_mem_data(out, &data)
        guard count > 0, let data else { throw .signingFailed(file, "BIO_get_mem_data") }
        return Array(UnsafeRawBufferPointer(start: data, count: count))
    }
}
