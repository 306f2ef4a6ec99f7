import KernelWorld
import ModuleCrypto

/// What every part of one `klp-split build` records about where it comes from, so that parts of
/// two builds of a patch, and a part meant for another build of its module, can be told apart:
///
/// - `.modinfo` `klp_patch=<patch>` and `klp_patch_digest=<sha256>`: the patch, and the SHA-256 of
///   the input livepatch's own bytes (decompressed, without a signature trailer). `modinfo -F`
///   reads them from a part on disk; `check` refuses a set whose parts disagree.
/// - the note `.note.klp-split` (owner "klp-split", type 1, descriptor: the 32 digest bytes): the
///   running kernel shows a loaded module's allocated notes in `/sys/module/<module>/notes/`
///   (kernel/module/sysfs.c, `add_notes_attrs()`), so the load policy can compare a part on disk
///   with the main part that is loaded.
/// - for a module part, `klp_target_build_id=` (or `klp_target_srcversion=`): the build of the
///   patched module in the kernel world at build time (`ModuleBuild`).
package struct BuildProvenance: Sendable, Equatable {
    package let patch: String
    /// The digest of the input, lower-case hexadecimal (64 digits).
    package let digest: String
    package let digestBytes: [UInt8]
    /// The build of each patched module, by module name, for the modules the world has files of.
    package let targets: [String: ModuleBuild]

    /// The note section, its owner name and type.
    package static let noteSection = ".note.klp-split"
    static let noteOwner = "klp-split"
    static let noteType: UInt32 = 1

    /// - Parameters:
    ///   - moduleBytes: the input livepatch's bytes (`ELFFile.moduleBytes()`).
    ///   - targets: the build of each patched module (`PlanInput.moduleBuilds`).
    package init(patch: String, moduleBytes: [UInt8], targets: [ObjectName: ModuleBuild]) {
        let digest = SHA256Digest(of: moduleBytes)
        self.patch = patch
        self.digest = ModuleBuild.hex(digest.bytes)
        self.digestBytes = digest.bytes
        var byName: [String: ModuleBuild] = [:]
        for (object, build) in targets { byName[object.rawValue] = build }
        self.targets = byName
    }

    /// The `.modinfo` entries of the part that patches `object`, in a fixed order.
    func modinfoEntries(object: String) -> [String] {
        var entries = ["\(PartProvenanceKey.patch)=\(patch)", "\(PartProvenanceKey.digest)=\(digest)"]
        if let build = targets[object] { entries.append("\(build.modinfoKey)=\(build.value)") }
        return entries
    }

    /// The contents of `.note.klp-split`: an `Elf64_Nhdr` (namesz, descsz, type), the owner name
    /// padded to 4 bytes, then the digest.
    var note: [UInt8] {
        let owner = Array(Self.noteOwner.utf8) + [0]
        func word(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        var bytes = word(UInt32(owner.count)) + word(UInt32(digestBytes.count)) + word(Self.noteType)
        bytes += owner + [UInt8](repeating: 0, count: (4 - owner.count % 4) % 4)
        return bytes + digestBytes
    }
}
