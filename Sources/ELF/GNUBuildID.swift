/// The GNU build id of an object: the descriptor of the `NT_GNU_BUILD_ID` note named "GNU" in
/// `.note.gnu.build-id`, which `ld --build-id` writes (kbuild links every module with it). The
/// running kernel shows the same note in `/sys/module/<module>/notes/.note.gnu.build-id`
/// (kernel/module/sysfs.c, `add_notes_attrs()`).
package enum GNUBuildID {
    /// The section ld writes the note into.
    package static let sectionName = ".note.gnu.build-id"
    /// `NT_GNU_BUILD_ID` (elf.h).
    static let noteType: UInt32 = 3

    /// The build id in `section`'s contents (an `Elf64_Nhdr` and its padded name and descriptor),
    /// or nil when the contents hold no such note.
    package static func read(note bytes: [UInt8]) -> [UInt8]? {
        var offset = 0
        func word(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        while offset + 12 <= bytes.count {
            let nameSize = Int(word(offset)), descriptorSize = Int(word(offset + 4)), type = word(offset + 8)
            let nameStart = offset + 12
            let descriptorStart = nameStart + (nameSize + 3) / 4 * 4
            let end = descriptorStart + (descriptorSize + 3) / 4 * 4
            guard nameSize <= bytes.count, descriptorSize <= bytes.count, descriptorStart <= bytes.count,
                  descriptorStart + descriptorSize <= bytes.count else { return nil }
            if type == noteType, nameSize == 4, bytes[nameStart..<nameStart + 4].elementsEqual(Array("GNU\u{0}".utf8)),
               descriptorSize > 0 {
                return Array(bytes[descriptorStart..<descriptorStart + descriptorSize])
            }
            offset = end
        }
        return nil
    }

    /// The build id of `file`, or nil when it has no build-id note.
    package static func read(_ file: ELFFile) throws(ELFError) -> [UInt8]? {
        guard let section = file.section(named: sectionName), section.type == .note else { return nil }
        return read(note: try file.contents(of: section))
    }
}
