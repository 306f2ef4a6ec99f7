import Foundation
import Testing
import TestSupport

/// Issue 18: `build` and `convert` sign what they write exactly as kbuild's `scripts/sign-file`
/// does, `check` reports every module's signature, and a bad key or certificate fails before
/// anything is written.
@Suite("signed parts: byte-identical to sign-file, readable by modinfo and openssl, checked by check")
struct SigningTests {
    static let key = Repository.path("Fixtures/signing/TEST-ONLY-signing-key.pem")
    static let certificate = Repository.path("Fixtures/signing/TEST-ONLY-signing-cert.pem")
    static let certificateDER = Repository.path("Fixtures/signing/TEST-ONLY-signing-cert.der")
    static let world612 = Repository.path("Fixtures/world-6.12")
    static let signer = "klp-split TEST-ONLY signing key (never trust)"
    static let serial = "71:64:4F:D9:38:DB:22:3A:B3:74:C3:C2:AF:E0:D3:D7:34:67:98:0E"

    let scratch: String

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-signing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    /// kbuild's sign-file, from linux-kbuild or a headers package (scripts/install-deps.sh installs
    /// linux-kbuild-6.1). A missing one fails the test: the proof must run.
    static func signFile() throws -> String {
        let candidates = ["/usr/lib/linux-kbuild-6.1/scripts/sign-file",
                          "/usr/lib/linux-kbuild-6.12.118+deb12/scripts/sign-file",
                          "/usr/src/linux-headers-6.1.0-56-amd64/scripts/sign-file",
                          "/usr/src/linux-headers-6.12.118+deb12-amd64/scripts/sign-file"]
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
                            "no scripts/sign-file; run scripts/install-deps.sh (linux-kbuild-6.1)")
    }

    func klpSplit(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(Repository.executable, arguments)
    }

    func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ko") }.sorted()
    }

    /// Builds `fixture` twice, unsigned and signed, and compares each signed part with sign-file's
    /// signature of the unsigned one.
    func expectSameAsSignFile(_ arguments: [String], hash: String?, certificate: String = Self.certificate,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scratch = "\(self.scratch)/\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let plain = try klpSplit(arguments + ["-o", "\(scratch)/plain"])
        #expect(plain.status == 0, "\(plain.stderr)", sourceLocation: sourceLocation)
        var signing = ["--sign-key", Self.key, "--sign-cert", certificate]
        if let hash { signing += ["--sign-hash", hash] }
        let signed = try klpSplit(arguments + ["-o", "\(scratch)/signed"] + signing)
        #expect(signed.status == 0, "\(signed.stderr)", sourceLocation: sourceLocation)
        let parts = try files(in: "\(scratch)/plain")
        let signedParts = try files(in: "\(scratch)/signed")
        #expect(!parts.isEmpty, sourceLocation: sourceLocation)
        #expect(parts == signedParts, sourceLocation: sourceLocation)
        for part in parts {
            let reference = "\(scratch)/\(part).sign-file"
            let run = try runProcess(try Self.signFile(), [hash ?? "sha256", Self.key, Self.certificate,
                                                            "\(scratch)/plain/\(part)", reference])
            #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
            let ours = try bytes("\(scratch)/signed/\(part)")
            #expect(ours == (try bytes(reference)), "\(part) differs from sign-file's", sourceLocation: sourceLocation)
            #expect(Array(ours.prefix(try bytes("\(scratch)/plain/\(part)").count)) == (try bytes("\(scratch)/plain/\(part)")),
                    sourceLocation: sourceLocation)
        }
    }

    @Test("every part of lp_split (6.1 and 6.12) is byte-identical to sign-file's signature, sha256 by default")
    func buildIsByteIdenticalToSignFile() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try expectSameAsSignFile(["build", Repository.fixture("lp_split"), "-b", Repository.world, "--sympos", "ucode_path=2"], hash: nil)
        try expectSameAsSignFile(["build", Repository.path("Fixtures/modules-6.12/lp_split.ko"), "-b", Self.world612,
                                  "--sympos", "ucode_path=2"], hash: nil)
    }

    @Test("lp_exports' parts with sha512 and the DER certificate are byte-identical to sign-file's")
    func otherHashAndDERCertificate() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try expectSameAsSignFile(["build", Repository.fixture("lp_exports"), "-b", Repository.world], hash: "sha512",
                                 certificate: Self.certificateDER)
    }

    @Test("convert's module is byte-identical to sign-file's signature")
    func convertIsByteIdenticalToSignFile() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let base = ["convert", Repository.fixture("lp_cdrom"), "-b", Repository.world]
        #expect(try klpSplit(base + ["-o", "\(scratch)/plain.ko"]).status == 0)
        let signed = try klpSplit(base + ["-o", "\(scratch)/signed.ko", "--sign-key", Self.key, "--sign-cert", Self.certificate])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stdout.contains("signed every module with"), "\(signed.stdout)")
        let run = try runProcess(try Self.signFile(), ["sha256", Self.key, Self.certificate, "\(scratch)/plain.ko", "\(scratch)/reference.ko"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try bytes("\(scratch)/signed.ko") == (try bytes("\(scratch)/reference.ko")))
    }

    @Test("modinfo shows signer, sig_key and sig_hashalgo; openssl cms -verify passes over the module without its trailer",
          .enabled(if: which("modinfo") != nil || FileManager.default.fileExists(atPath: "/sbin/modinfo")))
    func modinfoAndOpenSSLVerify() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let built = try klpSplit(["build", Repository.fixture("lp_split"), "-b", Repository.world, "--sympos", "ucode_path=2",
                                  "-o", "\(scratch)/out", "--sign-key", Self.key, "--sign-cert", Self.certificate])
        #expect(built.status == 0, "\(built.stderr)")
        let modinfo = which("modinfo") ?? "/sbin/modinfo"
        let openssl = try #require(which("openssl"), "openssl is needed (scripts/install-deps.sh)")
        for part in try files(in: "\(scratch)/out") {
            let path = "\(scratch)/out/\(part)"
            func field(_ name: String) throws -> String {
                try runProcess(modinfo, ["-F", name, path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(try field("signer") == Self.signer, "\(part)")
            #expect(try field("sig_key") == Self.serial, "\(part)")
            #expect(try field("sig_hashalgo") == "sha256", "\(part)")
            #expect(try field("sig_id") == "PKCS#7", "\(part)")
            // split the file as mod_check_sig() does: magic (28), struct module_signature (12), sig_len bytes
            let all = try bytes(path)
            #expect(String(decoding: all.suffix(28), as: UTF8.self) == "~Module signature appended~\n")
            let header = Array(all.suffix(40).prefix(12))
            #expect(Array(header.prefix(8)) == [0, 0, 2, 0, 0, 0, 0, 0], "id_type PKEY_ID_PKCS7, the rest zero")
            let length = header[8...].reduce(0) { $0 << 8 | Int($1) }
            let moduleLength = all.count - 40 - length
            try Data(all.prefix(moduleLength)).write(to: URL(fileURLWithPath: "\(scratch)/content"))
            try Data(all[moduleLength..<(moduleLength + length)]).write(to: URL(fileURLWithPath: "\(scratch)/signature.der"))
            let verify = try runProcess(openssl, ["cms", "-verify", "-binary", "-inform", "DER", "-in", "\(scratch)/signature.der",
                                                  "-content", "\(scratch)/content", "-certfile", Self.certificate,
                                                  "-noverify", "-out", "/dev/null"])
            #expect(verify.status == 0, "\(part): \(verify.stderr)")
            #expect(verify.stderr.contains("Verification successful"), "\(part): \(verify.stderr)")
            // and a changed byte fails it
            var tampered = all.prefix(moduleLength)
            tampered[tampered.startIndex + 100] ^= 1
            try Data(tampered).write(to: URL(fileURLWithPath: "\(scratch)/content"))
            let refused = try runProcess(openssl, ["cms", "-verify", "-binary", "-inform", "DER", "-in", "\(scratch)/signature.der",
                                                   "-content", "\(scratch)/content", "-certfile", Self.certificate,
                                                   "-noverify", "-out", "/dev/null"])
            #expect(refused.status != 0, "\(part): a tampered module verified")
        }
    }

    @Test("the default hash is the world's CONFIG_MODULE_SIG_HASH (--kdir's .config), and --sign-hash overrides it")
    func defaultHashFromTheKernelConfiguration() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let kdir = "\(scratch)/kdir"
        try FileManager.default.createDirectory(atPath: kdir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(Repository.world)/usr/src/linux-headers-6.1.0-56-amd64/Module.symvers",
                                         toPath: "\(kdir)/Module.symvers")
        try "CONFIG_MODULE_SIG=y\nCONFIG_MODULE_SIG_HASH=\"sha384\"\n".write(toFile: "\(kdir)/.config", atomically: true, encoding: .utf8)
        let base = ["convert", Repository.fixture("lp_cdrom"), "-b", Repository.world, "--kdir", kdir,
                    "--sign-key", Self.key, "--sign-cert", Self.certificate]
        let configured = try klpSplit(base + ["-o", "\(scratch)/configured.ko"])
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(configured.stdout.contains(", sha384)"), "\(configured.stdout)")
        let overridden = try klpSplit(base + ["-o", "\(scratch)/overridden.ko", "--sign-hash", "sha256"])
        #expect(overridden.stdout.contains(", sha256)"), "\(overridden.stdout)")
        let checked = try klpSplit(["check", "\(scratch)/configured.ko", "\(scratch)/overridden.ko", "-b", Repository.world])
        #expect(checked.stdout.contains("configured.ko: signature: signed by '\(Self.signer)' (key \(Self.serial), sha384)"), "\(checked.stdout)")
        #expect(checked.stdout.contains("overridden.ko: signature: signed by '\(Self.signer)' (key \(Self.serial), sha256)"), "\(checked.stdout)")
    }

    @Test("a missing, unreadable or wrong key or certificate is one line naming it, exit 1, and nothing is written",
          arguments: [
            (["--sign-key", "/nonexistent/key.pem", "--sign-cert", SigningTests.certificate], "/nonexistent/key.pem: error: cannot read the signing key (No such file or directory)"),
            (["--sign-key", SigningTests.key, "--sign-cert", "/nonexistent/cert.pem"], "/nonexistent/cert.pem: error: cannot read the signing certificate (No such file or directory)"),
            (["--sign-key", SigningTests.certificate, "--sign-cert", SigningTests.certificate], "\(SigningTests.certificate): error: cannot read the signing key (not an unencrypted PEM private key"),
            (["--sign-key", SigningTests.key, "--sign-cert", SigningTests.key], "\(SigningTests.key): error: cannot read the signing certificate (not an X.509 certificate in PEM"),
            (["--sign-key", "pkcs11:token=vendor;object=livepatch", "--sign-cert", SigningTests.certificate], "pkcs11:token=vendor;object=livepatch: error: PKCS#11 URIs are not supported"),
            (["--sign-key", SigningTests.key, "--sign-cert", SigningTests.certificate, "--sign-hash", "nohash"], "error: unknown signature hash 'nohash'"),
          ])
    func badSigningInputWritesNothing(options: [String], message: String) throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for command in [["build", Repository.fixture("lp_split"), "-b", Repository.world, "--sympos", "ucode_path=2", "-o", "\(scratch)/out"],
                        ["convert", Repository.fixture("lp_cdrom"), "-b", Repository.world, "-o", "\(scratch)/out.ko"]] {
            let result = try klpSplit(command + options)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: "\(scratch)/out"))
            #expect(!FileManager.default.fileExists(atPath: "\(scratch)/out.ko"))
        }
    }

    @Test("a key that does not belong to the certificate is refused before anything is written")
    func mismatchedKeyIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let other = "\(scratch)/other.pem"
        let made = try runProcess(try #require(which("openssl")), ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", other])
        #expect(made.status == 0, "\(made.stderr)")
        let result = try klpSplit(["convert", Repository.fixture("lp_cdrom"), "-b", Repository.world, "-o", "\(scratch)/out.ko",
                                   "--sign-key", other, "--sign-cert", Self.certificate])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("\(other): error: the signing key does not belong to the certificate"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(scratch)/out.ko"))
    }

    @Test("--sign-key without --sign-cert is a usage error")
    func keyNeedsCertificate() throws {
        let result = try klpSplit(["build", Repository.fixture("lp_split"), "-b", Repository.world, "-o", "\(scratch)/out", "--sign-key", Self.key])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--sign-key and --sign-cert go together"), "\(result.stderr)")
    }

    @Test("a signed input is read; build and convert say in one note that its signature does not carry over")
    func signedInputIsNoted() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let input = "\(scratch)/lp_split.ko"
        let signedInput = try runProcess(try Self.signFile(), ["sha256", Self.key, Self.certificate, Repository.fixture("lp_split"), input])
        #expect(signedInput.status == 0, "\(signedInput.stderr)")
        let note = "lp_split.ko: note: the input is signed, but its signature does not carry over: the modules written are different bytes; "
        let built = try klpSplit(["build", input, "-b", Repository.world, "--sympos", "ucode_path=2", "-o", "\(scratch)/out"])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.split(separator: "\n").filter { $0.hasPrefix(note) }.count == 1, "\(built.stderr)")
        #expect(built.stderr.contains("sign the modules written with --sign-key KEY --sign-cert CERT"))
        // the parts are what the unsigned input gives
        let plain = try klpSplit(["build", Repository.fixture("lp_split"), "-b", Repository.world, "--sympos", "ucode_path=2", "-o", "\(scratch)/plain"])
        #expect(plain.status == 0)
        for part in try files(in: "\(scratch)/plain") where part != "lp_split.ko" {
            #expect(try bytes("\(scratch)/out/\(part)") == (try bytes("\(scratch)/plain/\(part)")), "\(part)")
        }
        let converted = try klpSplit(["convert", input, "-b", Repository.world, "--sympos", "ucode_path=2", "-o", "\(scratch)/converted.ko",
                                      "--sign-key", Self.key, "--sign-cert", Self.certificate])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stderr.contains(note + "the modules written are signed with --sign-key/--sign-cert"), "\(converted.stderr)")
        // a malformed trailer (sig_len past the start of the file) is read too, and said to be malformed
        var malformed = try bytes(input)
        malformed.replaceSubrange((malformed.count - 32)..<(malformed.count - 28), with: [0x7f, 0xff, 0xff, 0xff])
        try Data(malformed).write(to: URL(fileURLWithPath: "\(scratch)/lp_split_bad.ko"))
        let fromMalformed = try klpSplit(["convert", "\(scratch)/lp_split_bad.ko", "-b", Repository.world, "--sympos", "ucode_path=2",
                                          "-o", "\(scratch)/from-malformed.ko"])
        #expect(fromMalformed.status == 0, "\(fromMalformed.stderr)")
        #expect(fromMalformed.stderr.hasPrefix("lp_split_bad.ko: note: the input ends in a module signature trailer (a malformed one: sig_len 2147483647 is larger than the "),
                "\(fromMalformed.stderr)")
    }

    @Test("check reports unsigned, signed and malformed signatures; --require-signature makes unsigned an error")
    func checkReportsSignatures() throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fixture = Repository.path("Fixtures/check/base/lp_cdrom__cdrom.ko")
        let signed = "\(scratch)/signed.ko"
        #expect(try runProcess(try Self.signFile(), ["sha256", Self.key, Self.certificate, fixture, signed]).status == 0)
        let all = try bytes(signed)
        let length = all.suffix(32).prefix(4).reduce(0) { $0 << 8 | Int($1) }
        var pastEnd = all
        pastEnd.replaceSubrange((all.count - 32)..<(all.count - 28), with: [0x7f, 0xff, 0xff, 0xff])
        try Data(pastEnd).write(to: URL(fileURLWithPath: "\(scratch)/past-end.ko"))
        var garbage = all
        let start = all.count - 40 - length
        garbage.replaceSubrange(start..<(start + 8), with: [UInt8](repeating: 0xff, count: 8))
        try Data(garbage).write(to: URL(fileURLWithPath: "\(scratch)/garbage.ko"))
        var badType = all
        badType[all.count - 40 + 2] = 1
        try Data(badType).write(to: URL(fileURLWithPath: "\(scratch)/bad-type.ko"))
        let unsigned = "\(scratch)/unsigned.ko"
        try FileManager.default.copyItem(atPath: fixture, toPath: unsigned)

        let modules = [unsigned, signed, "\(scratch)/past-end.ko", "\(scratch)/garbage.ko", "\(scratch)/bad-type.ko"]
        let text = try klpSplit(["check"] + modules + ["-b", Repository.world])
        #expect(text.status == 2)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("unsigned.ko: signature: unsigned"))
        #expect(lines.contains("signed.ko: signature: signed by '\(Self.signer)' (key \(Self.serial), sha256)"))
        #expect(lines.contains { $0.hasPrefix("past-end.ko: signature: malformed: sig_len 2147483647 is larger than the ") }, "\(text.stdout)")
        #expect(lines.contains("garbage.ko: signature: malformed: the PKCS#7 signature is not DER that libcrypto can parse"), "\(text.stdout)")
        #expect(lines.contains("bad-type.ko: signature: malformed: struct module_signature has id_type 1, not PKEY_ID_PKCS7 (2)"), "\(text.stdout)")
        #expect(lines.filter { $0.contains(": error: the module ends in the signature magic but") }.count == 3, "\(text.stdout)")
        #expect(!lines.contains { $0.hasPrefix("unsigned.ko: error:") })

        let required = try klpSplit(["check", unsigned, signed, "-b", Repository.world, "--require-signature", "--format", "json"])
        #expect(required.status == 2)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(required.stdout.utf8)) as? [String: Any])
        #expect(document["schemaVersion"] as? Int == 2)
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.filter { $0["id"] as? String == "signature-required" }.map { $0["file"] as? String } == ["unsigned.ko"])
        let summaries = try #require(document["modules"] as? [[String: Any]])
        let states = summaries.map { ($0["signature"] as? [String: String]) ?? [:] }
        #expect(states == [["state": "unsigned"],
                           ["state": "signed", "signer": Self.signer, "keyId": Self.serial, "hash": "sha256"]])

        let signedOnly = try klpSplit(["check", signed, "-b", Repository.world, "--require-signature"])
        #expect(!signedOnly.stdout.contains(": error:"), "\(signedOnly.stdout)")
    }

    @Test("check reads Debian's own signatures (cdrom.ko of 6.1, cdrom.ko.xz of 6.12) as modinfo does",
          .enabled(if: which("modinfo") != nil || FileManager.default.fileExists(atPath: "/sbin/modinfo")))
    func debianSignaturesMatchModinfo() throws {
        let modinfo = which("modinfo") ?? "/sbin/modinfo"
        for (module, world) in [("Fixtures/world/lib/modules/6.1.0-56-amd64/kernel/drivers/cdrom/cdrom.ko", Repository.world),
                                ("Fixtures/world-6.12/lib/modules/6.12.118+deb12-amd64/kernel/drivers/cdrom/cdrom.ko.xz", Self.world612)] {
            let path = Repository.path(module)
            func field(_ name: String) throws -> String {
                try runProcess(modinfo, ["-F", name, path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let expected = "signed by '\(try field("signer"))' (key \(try field("sig_key")), \(try field("sig_hashalgo")))"
            #expect(expected.contains("Build time autogenerated kernel key"))
            let checked = try klpSplit(["check", path, "-b", world])
            let file = URL(fileURLWithPath: path).lastPathComponent
            #expect(checked.stdout.split(separator: "\n").contains { $0 == "\(file): signature: \(expected)" }, "\(checked.stdout)")
        }
    }
}
