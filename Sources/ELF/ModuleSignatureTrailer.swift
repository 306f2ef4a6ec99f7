/// What follows a module's ELF data when it is signed: the signature, a
/// `struct module_signature` and the magic `MODULE_SIG_STRING` ("~Module signature appended~\n"),
/// as kbuild's scripts/sign-file appends them (include/linux/module_signature.h).
///
/// The kernel reads it in `module_sig_check()` (kernel/module/signing.c) and `mod_check_sig()`
/// (kernel/module_signature.c): the magic is the file's last 28 bytes, the 12-byte struct comes
/// before it, its big-endian `sig_len` bytes of PKCS#7 before that, and the module is what is left.
/// libelf reads the ELF part and never sees the trailer.
package enum ModuleSignatureTrailer: Sendable, Equatable {
    /// No magic at the end.
    case unsigned
    /// A trailer the kernel would parse: `signatureLength` bytes of PKCS#7 (`id_type`
    /// `PKEY_ID_PKCS7`), and the module's own bytes end at `moduleLength`.
    case signed(signatureLength: Int, moduleLength: Int)
    /// The magic is there but the rest is not what `mod_check_sig()` accepts.
    case malformed(String)

    /// `MODULE_SIG_STRING`.
    package static let magic = Array("~Module signature appended~\n".utf8)
    /// `sizeof(struct module_signature)`.
    package static let structSize = 12
    /// How many bytes at the end of a file `read(tail:fileLength:)` needs.
    package static let tailLength = 12 + 28
    /// `PKEY_ID_PKCS7` in `enum pkey_id_type`.
    static let pkcs7IdType: UInt8 = 2

    /// Reads the trailer from `tail`, the last `min(tailLength, fileLength)` bytes of a file of
    /// `fileLength` bytes.
    package static func read(tail: some Collection<UInt8>, fileLength: Int) -> ModuleSignatureTrailer {
        let bytes = Array(tail)
        guard bytes.count >= magic.count, bytes.suffix(magic.count).elementsEqual(magic) else { return .unsigned }
        guard bytes.count >= tailLength else {
            return .malformed("the file ends in the signature magic but is too short for a struct module_signature")
        }
        let header = bytes[(bytes.count - tailLength)..<(bytes.count - magic.count)].map { $0 }
        let signatureLength = Int(header[8]) << 24 | Int(header[9]) << 16 | Int(header[10]) << 8 | Int(header[11])
        // mod_check_sig(): PKCS#7 only, with algo, hash, signer_len, key_id_len and __pad all zero
        guard header[2] == pkcs7IdType else {
            return .malformed("struct module_signature has id_type \(header[2]), not PKEY_ID_PKCS7 (2)")
        }
        guard header[0] == 0, header[1] == 0, header[3] == 0, header[4] == 0, header[5] == 0, header[6] == 0, header[7] == 0 else {
            return .malformed("struct module_signature has non-zero algo, hash, signer_len, key_id_len or padding, which PKCS#7 signatures leave zero")
        }
        guard signatureLength > 0 else { return .malformed("struct module_signature has sig_len 0") }
        guard signatureLength <= fileLength - tailLength else {
            return .malformed("sig_len \(signatureLength) is larger than the \(fileLength - tailLength) bytes before the trailer")
        }
        return .signed(signatureLength: signatureLength, moduleLength: fileLength - tailLength - signatureLength)
    }
}
