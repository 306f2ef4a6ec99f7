/// `struct module` in `.gnu.linkonce.this_module`, where the kernel finds a module's name:
/// modpost's `<module>.mod.c` sets `.name = KBUILD_MODNAME` (include/linux/module.h).
package enum ThisModule {
    /// The section modpost's `__this_module` lives in.
    package static let sectionName = ".gnu.linkonce.this_module"
    /// Offset of `struct module.name` (v6.1, 64-bit: after `enum module_state state` and
    /// `struct list_head list`).
    package static let nameOffset = 24
    /// `char name[MODULE_NAME_LEN]`: `MODULE_NAME_LEN` is 56 on 64-bit (include/linux/module.h).
    package static let nameLength = 56

    /// The name in the section's bytes, up to its NUL; all 56 bytes when there is no NUL (a name
    /// the kernel cannot hold); nil when the section is too short to have the field.
    package static func name(in bytes: [UInt8]) -> String? {
        guard bytes.count >= nameOffset + nameLength else { return nil }
        let field = bytes[nameOffset..<(nameOffset + nameLength)]
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}
