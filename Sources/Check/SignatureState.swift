import ELF
import ModuleCrypto

/// Whether a module carries a signature the kernel can check, and who made it: what `check`
/// reports for every module (text and JSON `modules[].signature`).
///
/// The trailer is read as `mod_check_sig()` (kernel/module_signature.c) reads it
/// (`ModuleSignatureTrailer`), the PKCS#7 as kmod's `modinfo` does (`SignerInfo`).
package enum SignatureState: Sendable, Equatable {
    /// No `~Module signature appended~\n` at the end.
    case unsigned
    /// A trailer the kernel parses, with a PKCS#7 signature naming one signer.
    case signed(SignerInfo)
    /// The magic is there, but the trailer or the PKCS#7 is not what the kernel accepts.
    case malformed(String)

    /// Reads the state of an opened module.
    package static func read(_ elf: ELFFile) throws(ELFError) -> SignatureState {
        switch elf.signature {
        case .unsigned: return .unsigned
        case .malformed(let reason): return .malformed(reason)
        case .signed:
            guard let der = try elf.signatureBytes() else { return .malformed("the signature lies past the end of the file") }
            switch SignerInfo.read(pkcs7: der) {
            case .success(let info): return .signed(info)
            case .failure(let problem): return .malformed(problem.reason)
            }
        }
    }

    /// `unsigned`, `signed by 'CN' (key 71:64:..., sha256)` or `malformed: why`.
    package var summary: String {
        switch self {
        case .unsigned: "unsigned"
        case .signed(let info): "signed by '\(info.signer)' (key \(info.keyID), \(info.hash))"
        case .malformed(let reason): "malformed: \(reason)"
        }
    }
}

extension SignatureState: Encodable {
    enum CodingKeys: String, CodingKey {
        case state, signer, keyId, hash, problem
    }

    /// `{"state": "unsigned"}`, `{"state": "signed", "signer": ..., "keyId": ..., "hash": ...}` or
    /// `{"state": "malformed", "problem": ...}` (docs/schema/check.v2.schema.json).
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .unsigned:
            try container.encode("unsigned", forKey: .state)
        case .signed(let info):
            try container.encode("signed", forKey: .state)
            try container.encode(info.signer, forKey: .signer)
            try container.encode(info.keyID, forKey: .keyId)
            try container.encode(info.hash, forKey: .hash)
        case .malformed(let problem):
            try container.encode("malformed", forKey: .state)
            try container.encode(problem, forKey: .problem)
        }
    }
}
