/// The name of a kernel object (`vmlinux` or a module), normalised the way the kernel spells it.
///
/// Every object or module name in klp-split goes through this type. It mirrors
/// `modname_normalize()` in kmod (libkmod-util.c) and `make_modname()` in kpatch's lookup.c:
/// the directory and the `.ko` suffix (also `.ko.xz`, `.ko.zst`, `.ko.gz`) are stripped and every
/// `-` becomes `_`. It then enforces what kbuild produces and livepatch needs (`KernelName.module`):
/// only `[A-Za-z0-9_]` (so no `.`: the kernel parses `.klp.sym.%55[^.].%511[^,],%lu`, and an
/// object name stops at the first dot) and at most 55 bytes (`MODULE_NAME_LEN` is 56 with the
/// NUL on 64-bit). A name from the world can end up in emitted text (`depends=`), so it is
/// checked like a name from the livepatch.
///
/// Ordering puts `vmlinux` first, then the modules in byte order, so sorted output always starts
/// with the kernel image.
package struct ObjectName: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The normalised name, for example `sr_mod` or `vmlinux`.
    package let rawValue: String

    /// `MODULE_NAME_LEN - 1` on 64-bit kernels (include/linux/module.h).
    package static let maximumLength = KernelName.maximumModuleNameLength

    /// The kernel image. The corresponding kernel string is `"vmlinux"` (`klp_is_module()` is
    /// false for it).
    package static let vmlinux = ObjectName(validated: "vmlinux")

    /// File suffixes that `init(normalizing:)` strips, longest first.
    private static let moduleSuffixes = [".ko.xz", ".ko.zst", ".ko.gz", ".ko"]

    private init(validated: String) {
        rawValue = validated
    }

    /// Normalises a module name, a module path (`drivers/cdrom/cdrom`, `kernel/fs/xfs/xfs.ko.xz`) or
    /// `vmlinux`.
    package init(normalizing given: String) throws(KernelWorldError) {
        if let fast = Self.normalizedASCII(given) {
            rawValue = fast
            return
        }
        var name = Substring(given)
        if let slash = name.lastIndex(of: "/") {
            name = name[name.index(after: slash)...]
        }
        for suffix in Self.moduleSuffixes where name.hasSuffix(suffix) {
            name = name.dropLast(suffix.count)
            break
        }
        let normalized = String(name).replacingDashes()
        if let problem = KernelName.module.problem(in: normalized) {
            switch problem.issue {
            case .empty:
                throw .invalidObjectName(given, reason: "the name is empty")
            case .tooLong:
                throw .invalidObjectName(given, reason: "\(problem) (MODULE_NAME_LEN - 1)")
            case .character("."):
                throw .invalidObjectName(given, reason: "\(problem), which ends the object name in '.klp.sym.OBJECT.SYMBOL,POS'")
            case .character:
                throw .invalidObjectName(given, reason: "\(problem); \(problem.rule)")
            }
        }
        rawValue = normalized
    }

    /// `init(normalizing:)` on bytes for an all-ASCII string whose name is valid (not empty, at
    /// most 55 bytes of `[A-Za-z0-9_-]` once the directory and suffix are stripped); nil
    /// sends every other string down the general path, errors included. Module.symvers and
    /// libkmod give tens of thousands of names per run.
    private static func normalizedASCII(_ given: String) -> String? {
        var given = given
        return given.withUTF8 { all -> String? in
            var start = 0
            var end = all.count
            for index in 0..<end {
                let byte = all[index]
                guard byte < 0x80 else { return nil }
                if byte == UInt8(ascii: "/") { start = index + 1 }
            }
            for suffix in asciiModuleSuffixes where end - start >= suffix.count {
                if (0..<suffix.count).allSatisfy({ all[end - suffix.count + $0] == suffix[$0] }) {
                    end -= suffix.count
                    break
                }
            }
            guard end > start, end - start <= maximumLength else { return nil }
            for index in start..<end {
                guard isNameByte[Int(all[index])] else { return nil }
            }
            return String(unsafeUninitializedCapacity: end - start) { buffer in
                for index in start..<end {
                    buffer[index - start] = all[index] == UInt8(ascii: "-") ? UInt8(ascii: "_") : all[index]
                }
                return end - start
            }
        }
    }

    /// By byte value: `[A-Za-z0-9_-]`, the bytes of a module name before `-` becomes `_`.
    static let isNameByte: [Bool] = (0..<128).map { byte in
        let scalar = Unicode.Scalar(UInt8(byte))
        return scalar == "-" || KernelName.module.allows(scalar)
    }

    /// `moduleSuffixes` as bytes, same order.
    private static let asciiModuleSuffixes = moduleSuffixes.map { Array($0.utf8) }

    /// True for the kernel image, whose symbols are resolved when the livepatch loads.
    package var isVmlinux: Bool { rawValue == "vmlinux" }

    package var description: String { rawValue }

    package static func < (lhs: ObjectName, rhs: ObjectName) -> Bool {
        if lhs.isVmlinux != rhs.isVmlinux { return lhs.isVmlinux }
        return lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }
}

extension String {
    /// `-` to `_`, as kmod's `modname_normalize()` does.
    fileprivate func replacingDashes() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "-" ? "_" : $0 }))
    }
}
