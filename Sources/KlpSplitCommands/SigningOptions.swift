import ArgumentParser
import ELF
import FoundationEssentials
import ModuleCrypto

/// `--sign-key`, `--sign-cert` and `--sign-hash`: sign every module written, as kbuild's
/// `scripts/sign-file` would (docs/build.md, "Signing").
struct SigningOptions: ParsableArguments {
    @Option(name: .customLong("sign-key"), help: ArgumentHelp(
        "Sign every module written with this private key (unencrypted PEM, like kbuild's signing_key.pem; PKCS#11 URIs are not supported). Needs --sign-cert.",
        valueName: "KEY"))
    var key: String?

    @Option(name: .customLong("sign-cert"), help: ArgumentHelp(
        "The X.509 certificate of the signing key (PEM or DER, like kbuild's signing_key.x509).", valueName: "CERT"))
    var certificate: String?

    @Option(name: .customLong("sign-hash"), help: ArgumentHelp(
        "The signature's hash (default: CONFIG_MODULE_SIG_HASH from the kernel headers' include/config/auto.conf or .config, else sha256).",
        valueName: "HASH"))
    var hash: String?

    func validate() throws {
        if (key == nil) != (certificate == nil) {
            throw ValidationError("--sign-key and --sign-cert go together: pass both to sign the modules, or neither")
        }
        if hash != nil && key == nil {
            throw ValidationError("--sign-hash needs --sign-key and --sign-cert")
        }
    }

    /// The signer the options name, with the hash resolved against `world`; nil when not signing.
    /// Reads the key and the certificate now, so a bad one fails before anything is built.
    func signer(world: KernelWorldOptions) throws(SigningError) -> ModuleSigner? {
        guard let key, let certificate else { return nil }
        let identity = try SigningIdentity(keyPath: key, certificatePath: certificate)
        let hash: SignatureHash
        if let name = self.hash {
            hash = try SignatureHash(name)
        } else {
            hash = try Self.configuredHash(world: world) ?? SignatureHash.kbuildDefault
        }
        return ModuleSigner(identity: identity, hash: hash)
    }

    /// `CONFIG_MODULE_SIG_HASH` of the world's kernel: `--kdir`'s configuration, else that of
    /// `-b ROOT`'s (or the live system's) `usr/src/linux-headers-REL`; each directory's
    /// `include/config/auto.conf` first, then its `.config`.
    static func configuredHash(world: KernelWorldOptions) throws(SigningError) -> SignatureHash? {
        var directories: [String] = []
        if let kdir = world.kdir { directories.append(kdir) }
        let basedir = world.basedir ?? "/"
        if let release = world.kernelRelease ?? (try? KernelWorldLoader.release(in: basedir)) {
            let root = basedir == "/" ? "" : (basedir.hasSuffix("/") ? String(basedir.dropLast()) : basedir)
            directories.append("\(root)/usr/src/linux-headers-\(release)")
        }
        for directory in directories {
            for file in ["include/config/auto.conf", ".config"] {
                guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)"),
                      let name = SignatureHash.configured(in: String(decoding: data, as: UTF8.self)) else { continue }
                return try SignatureHash(name)
            }
        }
        return nil
    }

    /// The `ELFWriter.Trailer` that appends `signer`'s signature of the written module.
    static func trailer(_ signer: ModuleSigner, file: String) -> ELFWriter.Trailer {
        { (contents: [UInt8]) throws(ELFError) -> [UInt8] in
            do throws(SigningError) {
                return try signer.trailer(for: contents, file: file)
            } catch {
                throw .writeFailed(file, "cannot sign: \(error.description)")
            }
        }
    }
}
