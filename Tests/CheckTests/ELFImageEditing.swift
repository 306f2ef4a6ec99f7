import ELF

/// Small edits on an `ELFImage`, for making the check fixtures: each changes one thing and throws
/// when what it edits is not there.
extension ELFImage {
    func sectionIndex(_ name: String) throws -> Int {
        guard let index = sections.firstIndex(where: { $0.name == name }) else { throw GeneratorError("no section \(name)") }
        return index
    }

    func symbolIndex(_ name: String) throws -> Int {
        guard let index = symbols.firstIndex(where: { $0.name == name }) else { throw GeneratorError("no symbol \(name)") }
        return index
    }

    mutating func renameSection(_ name: String, to newName: String) throws {
        sections[try sectionIndex(name)].name = newName
    }

    mutating func renameSymbol(_ name: String, to newName: String) throws {
        symbols[try symbolIndex(name)].name = newName
    }

    /// Appends a non-local symbol (after every local one, as the writer requires) and returns its index.
    mutating func appendSymbol(_ symbol: ImageSymbol) -> Int {
        symbols.append(symbol)
        return symbols.count - 1
    }

    func bytes(of name: String) throws -> [UInt8] {
        guard case .bytes(let bytes) = sections[try sectionIndex(name)].contents else { throw GeneratorError("\(name) holds no bytes") }
        return bytes
    }

    mutating func setBytes(_ bytes: [UInt8], of name: String) throws {
        sections[try sectionIndex(name)].contents = .bytes(bytes)
    }

    /// Rewrites the `key=value` strings of `.modinfo`.
    mutating func editModinfo(_ edit: (inout [String]) -> Void) throws {
        var entries = try bytes(of: ".modinfo").split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        edit(&entries)
        try setBytes(entries.flatMap { Array($0.utf8) + [0] }, of: ".modinfo")
    }

    /// Rewrites `__versions` (64-byte `struct modversion_info` entries).
    mutating func editVersions(_ edit: (inout [(crc: UInt32, symbol: String)]) -> Void) throws {
        let raw = try bytes(of: "__versions")
        var entries: [(crc: UInt32, symbol: String)] = stride(from: 0, to: raw.count, by: 64).map { start in
            var crc: UInt32 = 0
            for i in 0..<4 { crc |= UInt32(raw[start + i]) << (8 * UInt32(i)) }
            return (crc, String(decoding: raw[(start + 8)..<(start + 64)].prefix { $0 != 0 }, as: UTF8.self))
        }
        edit(&entries)
        var bytes: [UInt8] = []
        for entry in entries {
            var record = [UInt8](repeating: 0, count: 64)
            for i in 0..<4 { record[i] = UInt8(truncatingIfNeeded: entry.crc >> (8 * UInt32(i))) }
            for (i, byte) in entry.symbol.utf8.prefix(55).enumerated() { record[8 + i] = byte }
            bytes += record
        }
        try setBytes(bytes, of: "__versions")
    }

    /// `struct module.name` at offset 24 of `.gnu.linkonce.this_module` (56 bytes).
    mutating func setThisModuleName(_ name: String) throws {
        var bytes = try bytes(of: ".gnu.linkonce.this_module")
        let utf8 = Array(name.utf8)
        guard utf8.count < 56, bytes.count >= 80 else { throw GeneratorError("name \(name) does not fit") }
        for i in 0..<56 { bytes[24 + i] = i < utf8.count ? utf8[i] : 0 }
        try setBytes(bytes, of: ".gnu.linkonce.this_module")
    }

    /// The module's name in both places.
    mutating func rename(module name: String) throws {
        try editModinfo { entries in entries = entries.map { $0.hasPrefix("name=") ? "name=\(name)" : $0 } }
        try setThisModuleName(name)
    }

    /// `klp_patch.replace`: offset 24 of `struct klp_patch` on 6.1 x86-64 (after `mod`, `objs`,
    /// `states`), in the section of the `patch` symbol.
    mutating func setReplace() throws {
        let patch = try symbolIndex("patch")
        guard symbols[patch].section.isOrdinary else { throw GeneratorError("patch is not defined") }
        let section = Int(symbols[patch].section.rawValue)
        guard case .bytes(var bytes) = sections[section].contents else { throw GeneratorError("patch has no bytes") }
        bytes[Int(symbols[patch].value) + 24] = 1
        sections[section].contents = .bytes(bytes)
    }

    /// Replaces the first NUL-terminated occurrence of `old` (same length) in any section's bytes.
    mutating func replaceString(_ old: String, with new: String) throws {
        let needle = Array(old.utf8) + [0]
        let replacement = Array(new.utf8) + [0]
        guard needle.count == replacement.count else { throw GeneratorError("lengths differ") }
        for index in sections.indices {
            guard sections[index].name.hasPrefix(".rodata"), case .bytes(var bytes) = sections[index].contents,
                  bytes.count >= needle.count else { continue }
            for start in 0...(bytes.count - needle.count) where Array(bytes[start..<(start + needle.count)]) == needle
                && (start == 0 || bytes[start - 1] == 0) {
                bytes.replaceSubrange(start..<(start + needle.count), with: replacement)
                sections[index].contents = .bytes(bytes)
                return
            }
        }
        throw GeneratorError("no string \(old)")
    }

    mutating func removeFirstRelocation(in name: String, where matches: (Relocation) -> Bool) throws -> Relocation {
        let index = try sectionIndex(name)
        guard case .relocations(var entries) = sections[index].contents,
              let position = entries.firstIndex(where: matches) else { throw GeneratorError("no such relocation in \(name)") }
        let entry = entries.remove(at: position)
        sections[index].contents = .relocations(entries)
        return entry
    }

    mutating func appendRelocation(_ entry: Relocation, to name: String) throws {
        let index = try sectionIndex(name)
        guard case .relocations(var entries) = sections[index].contents else { throw GeneratorError("\(name) is no relocation section") }
        entries.append(entry)
        sections[index].contents = .relocations(entries)
    }

    /// Appends a special section with one zeroed entry and a klp relocation section for it.
    mutating func addSpecialEntry(section name: String, size: Int, klpSection: String, relocation: Relocation) throws {
        let symtab = try sectionIndex(".symtab")
        sections.append(ImageSection(name: name, type: .programBits, flags: [.alloc, .write], alignment: 8,
                                     contents: .bytes([UInt8](repeating: 0, count: size))))
        sections.append(ImageSection(name: klpSection, type: .rela, flags: [.alloc, .infoLink, .relaLivepatch],
                                     alignment: 8, link: symtab, info: sections.count - 1,
                                     contents: .relocations([relocation])))
    }
}

extension Relocation {
    func pointing(at symbol: Int) -> Relocation {
        Relocation(offset: offset, type: type, symbolIndex: symbol, addend: addend)
    }
}
