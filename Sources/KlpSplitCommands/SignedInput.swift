import ELF
import ModuleCrypto

/// What `build` and `convert` say about signatures: that a signed input's signature does not carry
/// over to the modules written (they are different bytes), and how the outputs were signed.
enum SignedInput {
    /// One note on stderr when the input carries a signature trailer (well-formed or not).
    static func note(_ signature: ModuleSignatureTrailer, file: String, signing: Bool) {
        if case .unsigned = signature { return }
        let next = signing ? "the modules written are signed with --sign-key/--sign-cert"
            : "sign the modules written with --sign-key KEY --sign-cert CERT (or the kernel's scripts/sign-file)"
        let what: String
        if case .malformed(let reason) = signature {
            what = "the input ends in a module signature trailer (a malformed one: \(reason))"
        } else {
            what = "the input is signed"
        }
        Terminal.error("\(file): note: \(what), but its signature does not carry over: the modules written are different bytes; \(next)")
    }

    /// The summary line after the modules were written signed.
    static func summary(_ signer: ModuleSigner) -> String {
        "signed every module with \(signer.identity.keyPath) (certificate \(signer.identity.certificatePath), \(signer.hash.name))\n"
    }
}
