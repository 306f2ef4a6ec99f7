import CCrypto

/// Who signed a module, read from the PKCS#7 (CMS) signature appended to it, as kmod's `modinfo`
/// reads it (libkmod-signature.c, `pkcs7_parse()`): the signer is the common name of the
/// certificate issuer the SignerInfo names, the key id is that certificate's serial number, and the
/// hash is the SignerInfo's digest algorithm.
package struct SignerInfo: Sendable, Equatable, Codable {
    /// The issuer's commonName (`modinfo`'s `signer`); the whole issuer name when it has no CN.
    package let signer: String
    /// The serial number as upper-case hex bytes joined by `:` (`modinfo`'s `sig_key`), or the
    /// subjectKeyIdentifier when the signer is named by key id (`sign-file -k`).
    package let keyID: String
    /// The digest algorithm, lower case (`sha256`; `modinfo`'s `sig_hashalgo`).
    package let hash: String

    enum CodingKeys: String, CodingKey {
        case signer, keyID = "keyId", hash
    }

    package init(signer: String, keyID: String, hash: String) {
        self.signer = signer
        self.keyID = keyID
        self.hash = hash
    }

    /// Parses the DER signature; a short reason when it is not a CMS SignedData with one signer.
    package static func read(pkcs7 der: [UInt8]) -> Result<SignerInfo, SignatureProblem> {
        ERR_clear_error()
        defer { ERR_clear_error() }
        let parsed = der.withUnsafeBytes { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }
            return d2i_CMS_ContentInfo(nil, &cursor, buffer.count)
        }
        guard let cms = parsed else { return .failure(SignatureProblem("the PKCS#7 signature is not DER that libcrypto can parse")) }
        defer { CMS_ContentInfo_free(cms) }
        guard klp_cms_signer_count(cms) == 1, let info = klp_cms_signer(cms, 0) else {
            return .failure(SignatureProblem("the PKCS#7 signature has \(klp_cms_signer_count(cms)) signers, not one"))
        }
        var keyIdentifier: UnsafeMutablePointer<ASN1_OCTET_STRING>?
        var issuer: OpaquePointer?
        var serial: UnsafeMutablePointer<ASN1_INTEGER>?
        guard CMS_SignerInfo_get0_signer_id(info, &keyIdentifier, &issuer, &serial) == 1 else {
            return .failure(SignatureProblem("the PKCS#7 signer names no certificate"))
        }
        var digestAlgorithm: UnsafeMutablePointer<X509_ALGOR>?
        CMS_SignerInfo_get0_algs(info, nil, nil, &digestAlgorithm, nil)
        var object: OpaquePointer?
        if let digestAlgorithm { X509_ALGOR_get0(&object, nil, nil, digestAlgorithm) }
        let nid = object.map { OBJ_obj2nid($0) } ?? NID_undef
        guard nid != NID_undef, let shortName = OBJ_nid2sn(nid) else {
            return .failure(SignatureProblem("the PKCS#7 signer's digest algorithm is unknown"))
        }
        let signer = issuer.map(commonName) ?? ""
        let key = serial.map { hexBytes(ASN1_STRING_get0_data($0), ASN1_STRING_length($0)) }
            ?? keyIdentifier.map { hexBytes(ASN1_STRING_get0_data($0), ASN1_STRING_length($0)) } ?? ""
        return .success(SignerInfo(signer: signer, keyID: key, hash: String(cString: shortName).lowercased()))
    }

    /// The first commonName of an X509_NAME, else its one-line form.
    private static func commonName(_ name: OpaquePointer) -> String {
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        if index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) {
            return string(ASN1_STRING_get0_data(data), ASN1_STRING_length(data))
        }
        var buffer = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(name, &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func string(_ data: UnsafePointer<UInt8>?, _ count: Int32) -> String {
        guard let data, count > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(count)), as: UTF8.self)
    }

    private static func hexBytes(_ data: UnsafePointer<UInt8>?, _ count: Int32) -> String {
        guard let data, count > 0 else { return "" }
        let digits = Array("0123456789ABCDEF")
        return UnsafeBufferPointer(start: data, count: Int(count)).map { "\(digits[Int($0 >> 4)])\(digits[Int($0 & 0xf)])" }
            .joined(separator: ":")
    }
}

/// Why an appended signature cannot be read.
package struct SignatureProblem: Error, Sendable, Equatable {
    package let reason: String
    package init(_ reason: String) { self.reason = reason }
}
