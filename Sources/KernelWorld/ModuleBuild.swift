import ELF

/// Which build of a module the kernel world holds, as the running kernel can show it: the GNU
/// build id (`.note.gnu.build-id`, shown in `/sys/module/<module>/notes/.note.gnu.build-id`) or,
/// for a module without one, its `srcversion` (`.modinfo`, shown in
/// `/sys/module/<module>/srcversion`; modpost writes it only with `MODULE_VERSION()` or
/// `CONFIG_MODULE_SRCVERSION_ALL`, which Debian leaves off).
///
/// A module part records its target's build (`klp_target_build_id=` or `klp_target_srcversion=`
/// in `.modinfo`), its install rule compares it with the running module's before it loads the
/// part, and `check` compares it with the world's.
package enum ModuleBuild: Sendable, Equatable, Hashable {
    /// The build id, lower-case hexadecimal.
    case buildID(String)
    /// The `srcversion` value (modpost writes 24 upper-case hexadecimal digits).
    case srcversion(String)

    /// The `.modinfo` key a part records this build under.
    package var modinfoKey: String {
        switch self {
        case .buildID: Self.buildIDKey
        case .srcversion: Self.srcversionKey
        }
    }

    /// The recorded value: hexadecimal digits only, so it can stand in shell text unquoted.
    package var value: String {
        switch self {
        case .buildID(let hex), .srcversion(let hex): hex
        }
    }

    package static let buildIDKey = "klp_target_build_id"
    package static let srcversionKey = "klp_target_srcversion"

    /// The build a part recorded under `key`, when `value` is a well-formed one (1 to 64
    /// hexadecimal digits; anything else is not a build klp-split wrote).
    package init?(modinfoKey key: String, value: String) {
        guard Self.isHex(value, upperCase: key == Self.srcversionKey) else { return nil }
        switch key {
        case Self.buildIDKey: self = .buildID(value)
        case Self.srcversionKey: self = .srcversion(value)
        default: return nil
        }
    }

    /// The build of the module in `file`: its build id, else its `srcversion`, else nil.
    package init?(file: ELFFile) throws(ELFError) {
        if let id = try GNUBuildID.read(file), id.count <= 32 {
            self = .buildID(Self.hex(id))
            return
        }
        guard let section = file.section(named: ".modinfo") else { return nil }
        let entries = try file.contents(of: section).split(separator: 0)
        let prefix = Array("srcversion=".utf8)
        guard let entry = entries.first(where: { $0.starts(with: prefix) }) else { return nil }
        let value = String(decoding: entry.dropFirst(prefix.count), as: UTF8.self)
        guard Self.isHex(value, upperCase: true) else { return nil }
        self = .srcversion(value)
    }

    /// Lower-case hexadecimal of `bytes`.
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] }, as: UTF8.self)
    }

    static func isHex(_ value: String, upperCase: Bool) -> Bool {
        let allowed = upperCase ? Array("0123456789ABCDEF".utf8) : Array("0123456789abcdef".utf8)
        return (1...64).contains(value.utf8.count) && value.utf8.allSatisfy(allowed.contains)
    }
}
