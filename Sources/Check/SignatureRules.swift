/// The appended module signature: one the kernel cannot parse is always an error, none at all is
/// one with `--require-signature` (docs/diagnostics.md, `malformed-signature`, `signature-required`).
/// Whether the signer's key is in the target kernel's keyring is not known here: the kernel checks
/// that at load time ("Loading of module with unavailable key is rejected").
enum SignatureRules {
    static func check(_ module: CheckedModule, requireSignature: Bool, into findings: inout FindingList) {
        switch module.signature {
        case .signed: break
        case .malformed(let reason):
            findings.add(.malformedSignature, module.file, nil, Messages.malformedSignature(reason))
        case .unsigned:
            if requireSignature { findings.add(.signatureRequired, module.file, nil, Messages.unsigned()) }
        }
    }
}
