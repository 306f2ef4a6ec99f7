/// The kernel a livepatch is planned or checked for, as the kernel world says, never the host:
/// its release (`-k`, the one `lib/modules/<release>` under `-b`, `UTS_RELEASE` of `--kdir`'s
/// headers, or the livepatch's own vermagic) and how its modules are compressed on disk.
///
/// Behaviour that changed between kernels follows `version`: x86 kernels before v6.3 lack
/// `clear_relocate_add()` (commit 0c05e7bd2d01, arch/x86/kernel/module.c), so a module cannot be
/// loaded again while a livepatch holding klp relocations for it stays loaded.
package struct TargetKernel: Sendable, Equatable, Codable {
    /// Where `release` was read.
    package enum Source: String, Sendable, Codable {
        /// `-k/--kernel-release`.
        case option = "-k"
        /// The only release under `-b DIR`'s `lib/modules`.
        case moduleTree = "lib/modules"
        /// `include/config/kernel.release` (kbuild's `UTS_RELEASE`) in `--kdir`.
        case headers = "kernel.release"
        /// `uname -r` of the running kernel, with no world option (the live system).
        case runningKernel = "uname"
        /// The `vermagic=` of the module itself, when the world names no release.
        case vermagic = "vermagic"
    }

    /// `6.12.118+deb12-amd64`.
    package let release: String
    package let source: Source
    /// The suffix of the modules read from the world (`.ko`, `.ko.xz`, ...), sorted and without
    /// repeats; empty when no module of the world was read.
    package var moduleSuffixes: [String] = []

    package init(release: String, source: Source, moduleSuffixes: [String] = []) {
        self.release = release
        self.source = source
        self.moduleSuffixes = moduleSuffixes
    }

    /// `major.minor` of `release`; nil when it does not start with two numbers.
    package var version: KernelVersion? { KernelVersion(release: release) }

    /// The first x86 release that clears klp relocation targets when the patched module goes.
    package static let clearRelocateAddSince = KernelVersion(major: 6, minor: 3)

    /// True when reloading a module breaks while a livepatch with klp relocations for it is loaded
    /// (x86 before 6.3); false on later kernels; nil when the version is unknown.
    package var hasReloadHazard: Bool? { version.map { $0 < Self.clearRelocateAddSince } }

    /// `6.12.118+deb12-amd64 (-k), modules .ko.xz` for header lines.
    package var summary: String {
        let modules = moduleSuffixes.isEmpty ? "no module read" : "modules \(moduleSuffixes.joined(separator: ", "))"
        return "\(release) (\(source.rawValue)), \(modules)"
    }

    /// The suffix kbuild gives a module file at `path`: `.ko.xz`, `.ko.zst`, `.ko.gz` or `.ko`.
    package static func moduleSuffix(of path: String) -> String {
        for suffix in [".ko.xz", ".ko.zst", ".ko.gz"] where path.hasSuffix(suffix) { return suffix }
        return ".ko"
    }
}

/// A kernel's `major.minor`, the part of a release that decides kernel behaviour.
package struct KernelVersion: Sendable, Equatable, Comparable, Codable, CustomStringConvertible {
    package let major: Int
    package let minor: Int

    package init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// From the start of a release or vermagic (`6.1.0-56-amd64 SMP preempt ...`).
    package init?(release: String) {
        let release = release.prefix { $0 != " " }
        let numbers = release.split(separator: ".", maxSplits: 2)
        guard numbers.count >= 2, let major = Int(numbers[0]),
              let minor = Int(numbers[1].prefix { $0.isNumber }), !numbers[1].isEmpty,
              numbers[1].first?.isNumber == true else { return nil }
        self.init(major: major, minor: minor)
    }

    package static func < (left: KernelVersion, right: KernelVersion) -> Bool {
        (left.major, left.minor) < (right.major, right.minor)
    }

    package var description: String { "\(major).\(minor)" }
}
