import CLibELF
import Decompression
#if canImport(Glibc)
import Glibc
#endif

/// Calls `elf_version(EV_CURRENT)` once per process, as libelf requires before any other call.
private let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

/// A 64-bit little-endian ELF file opened read-only through libelf (`elf_begin(ELF_C_READ)`).
///
/// `ELF_C_READ` rather than `ELF_C_READ_MMAP`: libelf then reads the headers and only the sections
/// asked for with `pread`. Indexing all 4,023 Debian modules on two threads took about 0.33 s with
/// a mapping per file (the `munmap`s and page faults of two threads in one address space
/// serialise) and about 0.22 s with `pread` (docs/performance.md).
///
/// A compressed module (`.ko.xz`, `.ko.zst`, `.ko.gz`, told by its magic number) is decompressed
/// into memory with its library (`Decompressor`) and read with `elf_memory()`. A signature trailer
/// (`signature`) is read but is not part of the ELF data.
///
/// Sections and symbols are read once, when the file is opened; relocations and section contents on
/// demand. The object owns its file descriptor and `Elf*` and is not shared between threads
/// (Debian's libelf is not built thread-safe).
package final class ELFFile {
    package let path: String
    /// `e_type`: 1 (`ET_REL`) for a kernel module, 2 (`ET_EXEC`) for vmlinux.
    package let fileType: UInt16
    /// `e_machine`: 62 (`EM_X86_64`) or 21 (`EM_PPC64`).
    package let machine: UInt16
    /// The processor and ABI, from `e_machine` and `e_flags`.
    package let architecture: Architecture
    /// `e_flags`: processor-specific flags, 0 on x86-64, 2 (ELFv2) on ppc64le.
    package let flags: UInt32
    /// `e_ident[EI_OSABI]`: 0 (`ELFOSABI_NONE`, System V) for kernel modules.
    package let osABI: UInt8
    /// `e_ident[EI_ABIVERSION]`.
    package let abiVersion: UInt8
    /// `e_shstrndx`: the index in `sections` of the section-name string table (`.shstrtab`).
    package let sectionNamesIndex: Int
    /// Every section header; `sections[0]` is the null section.
    package let sections: [Section]
    /// `e_shoff`: where the section header table starts in the file.
    package let sectionHeaderOffset: UInt64
    /// `.symtab`, in file order; `symbols[0]` is the null symbol. Empty when there is no symbol table,
    /// and when the file was opened with `decodingSymbols: false` (then `packedSymbolTable()`).
    package let symbols: [Symbol]
    /// The number of `.symtab` entries, the null symbol included (0 without a symbol table).
    package let symbolCount: Int
    /// The index of `.symtab` in `sections`, if present.
    package let symbolTableIndex: Int?

    /// How the file on disk is compressed (`.none` for a plain ELF file).
    package let compression: ModuleCompression
    /// The module signature at the end of the (decompressed) file, if any.
    package let signature: ModuleSignatureTrailer

    private let descriptor: Int32
    private let elf: OpaquePointer
    /// The decompressed file that `elf` reads from (`elf_memory()`); nil for a plain file.
    private let decompressed: DecompressedBytes?

    /// The corresponding C constant is `ET_REL`.
    package static let relocatable: UInt16 = 1
    /// The corresponding C constant is `EM_X86_64`.
    package static let x86_64: UInt16 = Architecture.machineX86_64

    /// Opens `path`. With `decodingSymbols: false`, `symbols` stays empty (the table is still
    /// checked): `packedSymbolTable()` reads it without a `String` per symbol.
    package init(path: String, decodingSymbols: Bool = true) throws(ELFError) {
        guard libelfReady else { throw .unreadable(path, "libelf refused EV_CURRENT") }
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(path, "not a regular file")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        let compression: ModuleCompression
        let decompressed: DecompressedBytes?
        let fileSize: UInt64
        let signature: ModuleSignatureTrailer
        do {
            compression = ModuleCompression.detect(try ELFFile.readBytes(fd, at: 0, count: ModuleCompression.magicLength, path: path))
            if compression == .none {
                decompressed = nil
                fileSize = UInt64(status.st_size)
                let tailStart = max(0, Int(status.st_size) - ModuleSignatureTrailer.tailLength)
                let tail = try ELFFile.readBytes(fd, at: tailStart, count: Int(status.st_size) - tailStart, path: path)
                signature = ModuleSignatureTrailer.read(tail: tail, fileLength: Int(status.st_size))
            } else {
                let packed = try ELFFile.readBytes(fd, at: 0, count: Int(status.st_size), path: path)
                decompressed = try ELFFile.decompress(packed, as: compression, path: path)
                let bytes = UnsafeRawBufferPointer(start: decompressed!.base, count: decompressed!.count)
                fileSize = UInt64(bytes.count)
                signature = ModuleSignatureTrailer.read(tail: bytes.suffix(ModuleSignatureTrailer.tailLength), fileLength: bytes.count)
            }
        } catch {
            close(fd)
            throw error
        }
        let opened: OpaquePointer?
        if let decompressed {
            opened = elf_memory(decompressed.base.assumingMemoryBound(to: CChar.self), decompressed.count)
        } else {
            opened = elf_begin(fd, ELF_C_READ, nil)
        }
        guard let handle = opened else {
            close(fd)
            throw .unreadable(path, ELFFile.libelfMessage())
        }
        var succeeded = false
        defer {
            if !succeeded {
                elf_end(handle)
                close(fd)
            }
        }
        guard elf_kind(handle) == ELF_K_ELF else { throw .notELF(path) }
        guard gelf_getclass(handle) == ELFCLASS64 else { throw .unsupported(path, "32-bit ELF (ELFCLASS32)") }
        var header = GElf_Ehdr()
        guard gelf_getehdr(handle, &header) != nil else { throw .malformed(path, "unreadable ELF header") }
        guard header.e_ident.5 == UInt8(ELFDATA2LSB) else { throw .unsupported(path, "big-endian ELF") }
        guard let architecture = Architecture(machine: header.e_machine, flags: header.e_flags) else {
            throw .unsupported(path, Architecture.refusal(machine: header.e_machine, flags: header.e_flags))
        }
        if header.e_shnum > 0, header.e_shoff > fileSize || (fileSize - header.e_shoff) / 64 < UInt64(header.e_shnum) {
            throw .malformed(path, "the section header table (offset 0x\(String(header.e_shoff, radix: 16)), \(header.e_shnum) entries of 64 bytes) extends past the end of the file (0x\(String(fileSize, radix: 16)) bytes)")
        }
        let (sections, namesIndex) = try ELFFile.readSections(handle, path: path)
        try ELFFile.checkLayout(sections, fileSize: fileSize, sectionHeaderOffset: header.e_shoff,
                                path: path)
        let symtab = sections.first { $0.type == .symbolTable }
        if let symtab {
            try ELFFile.checkSymbolTable(symtab, sections: sections, path: path)
            self.symbols = decodingSymbols ? try ELFFile.readSymbols(handle, table: symtab, sections: sections, path: path) : []
            self.symbolCount = Int(symtab.size / 24)
        } else {
            self.symbols = []
            self.symbolCount = 0
        }
        self.symbolTableIndex = symtab?.index
        self.sections = sections
        self.fileType = header.e_type
        self.machine = header.e_machine
        self.architecture = architecture
        self.flags = header.e_flags
        self.osABI = header.e_ident.7
        self.abiVersion = header.e_ident.8
        self.sectionNamesIndex = namesIndex
        self.sectionHeaderOffset = header.e_shoff
        self.descriptor = fd
        self.elf = handle
        self.compression = compression
        self.decompressed = decompressed
        self.signature = signature
        succeeded = true
    }

    deinit {
        elf_end(elf)
        close(descriptor)
    }

    /// Calls `body` with the decompressed bytes of a compressed file, or nil for a plain file
    /// (which the DWARF readers open by path).
    func withDecompressedBytes<Result>(_ body: (UnsafeRawBufferPointer?) throws(ELFError) -> Result) throws(ELFError) -> Result {
        guard let decompressed else { return try body(nil) }
        return try withExtendedLifetime(decompressed) { () throws(ELFError) -> Result in
            try body(UnsafeRawBufferPointer(start: decompressed.base, count: decompressed.count))
        }
    }

    /// The module's own bytes: the (decompressed) file without a signature trailer, as
    /// `mod_check_sig()` cuts it off before the kernel reads the ELF (`elf_rawfile`).
    package func moduleBytes() throws(ELFError) -> [UInt8] {
        var size = 0
        guard let base = elf_rawfile(elf, &size) else {
            throw .unreadable(path, ELFFile.libelfMessage())
        }
        var length = size
        if case .signed(_, let moduleLength) = signature { length = min(size, moduleLength) }
        return Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(base), count: length))
    }

    /// The PKCS#7 bytes of a well-formed signature trailer (`signature` is `.signed`), else nil:
    /// the `sig_len` bytes after the module's own bytes, which `mod_verify_sig()` hands to
    /// `verify_pkcs7_signature()`.
    package func signatureBytes() throws(ELFError) -> [UInt8]? {
        guard case .signed(let length, let moduleLength) = signature else { return nil }
        var size = 0
        guard let base = elf_rawfile(elf, &size) else {
            throw .unreadable(path, ELFFile.libelfMessage())
        }
        guard moduleLength + length <= size else { return nil }
        return Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(base) + moduleLength, count: length))
    }

    /// The first section with this name.
    package func section(named name: String) -> Section? {
        sections.first { $0.name == name }
    }

    /// The raw bytes of a section (empty for `SHT_NOBITS`), via `elf_rawdata`.
    package func contents(of section: Section) throws(ELFError) -> [UInt8] {
        if section.type == .noBits || section.size == 0 { return [] }
        guard let scn = elf_getscn(elf, section.index), let data = elf_rawdata(scn, nil) else {
            throw .malformed(path, "section \(section.name) data is unreadable (\(ELFFile.libelfMessage()))")
        }
        guard let base = data.pointee.d_buf, data.pointee.d_size == section.size else {
            throw .malformed(path, "section \(section.name) extends past the end of the file")
        }
        return Array(UnsafeRawBufferPointer(start: base, count: Int(section.size)))
    }

    /// The entries of a relocation section, in file order.
    ///
    /// Every symbol index is checked against `.symtab` when the section links to it.
    package func relocations(in section: Section) throws(ELFError) -> [Relocation] {
        guard section.isRelocationSection else { return [] }
        guard let scn = elf_getscn(elf, section.index), let data = elf_getdata(scn, nil) else {
            throw .malformed(path, "relocation section \(section.name) is unreadable (\(ELFFile.libelfMessage()))")
        }
        let entrySize: UInt64 = section.type == .rela ? 24 : 16
        guard section.size % entrySize == 0 else {
            throw .malformed(path, "relocation section \(section.name) size \(section.size) is not a multiple of \(entrySize)")
        }
        let count = Int(section.size / entrySize)
        let checkSymbols = section.link == symbolTableIndex
        var result: [Relocation] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            let relocation: Relocation
            if section.type == .rela {
                var rela = GElf_Rela()
                guard gelf_getrela(data, Int32(i), &rela) != nil else {
                    throw .malformed(path, "relocation section \(section.name) entry \(i) is unreadable")
                }
                relocation = Relocation(offset: rela.r_offset, type: klp_gelf_r_type(rela.r_info),
                                        symbolIndex: Int(klp_gelf_r_sym(rela.r_info)), addend: rela.r_addend)
            } else {
                var rel = GElf_Rel()
                guard gelf_getrel(data, Int32(i), &rel) != nil else {
                    throw .malformed(path, "relocation section \(section.name) entry \(i) is unreadable")
                }
                relocation = Relocation(offset: rel.r_offset, type: klp_gelf_r_type(rel.r_info),
                                        symbolIndex: Int(klp_gelf_r_sym(rel.r_info)), addend: 0)
            }
            if checkSymbols && relocation.symbolIndex >= symbolCount {
                throw .malformed(path, "\(section.name) entry \(i) names symbol \(relocation.symbolIndex), but .symtab has \(symbolCount)")
            }
            result.append(relocation)
        }
        return result
    }

    private static func readSections(_ elf: OpaquePointer, path: String) throws(ELFError) -> ([Section], Int) {
        var count = 0
        var namesIndex = 0
        guard elf_getshdrnum(elf, &count) == 0, elf_getshdrstrndx(elf, &namesIndex) == 0 else {
            throw .malformed(path, "section header table is unreadable (\(libelfMessage()))")
        }
        guard count > 0 else { throw .malformed(path, "no section headers") }
        guard namesIndex < count else { throw .malformed(path, "e_shstrndx \(namesIndex) is out of range") }
        var sections: [Section] = []
        sections.reserveCapacity(count)
        for index in 0..<count {
            var header = GElf_Shdr()
            guard let scn = elf_getscn(elf, index), gelf_getshdr(scn, &header) != nil else {
                throw .malformed(path, "section header \(index) is unreadable (\(libelfMessage()))")
            }
            let name: String
            if index == 0 {
                name = ""
            } else if let cName = elf_strptr(elf, namesIndex, Int(header.sh_name)) {
                name = String(cString: cName)
            } else {
                throw .malformed(path, "section \(index) has a name outside .shstrtab")
            }
            sections.append(Section(
                index: index, name: name, type: SectionType(rawValue: header.sh_type),
                flags: SectionFlags(rawValue: header.sh_flags), address: header.sh_addr,
                fileOffset: header.sh_offset, size: header.sh_size, link: Int(header.sh_link),
                info: Int(header.sh_info), alignment: header.sh_addralign, entrySize: header.sh_entsize))
        }
        return (sections, namesIndex)
    }

    /// The symbol table's own header checks: a string table in `sh_link`, whole `Elf64_Sym` entries.
    private static func checkSymbolTable(_ table: Section, sections: [Section], path: String) throws(ELFError) {
        guard table.link > 0, table.link < sections.count, sections[table.link].type == .stringTable else {
            throw .malformed(path, "\(table.name) sh_link \(table.link) does not name a string table")
        }
        guard table.size % 24 == 0 else {
            throw .malformed(path, "\(table.name) size \(table.size) is not a multiple of 24 (sizeof(Elf64_Sym))")
        }
    }

    /// `.symtab` as packed records with names as byte ranges of a copy of `.strtab`, checked as
    /// `symbols` is (every name inside the string table and NUL-terminated there). Empty entries
    /// and strings when there is no symbol table.
    package func packedSymbolTable() throws(ELFError) -> PackedSymbolTable {
        guard let index = symbolTableIndex else { return PackedSymbolTable(strings: [], entries: []) }
        let table = sections[index]
        let stringTable = sections[table.link]
        guard let scn = elf_getscn(elf, table.index), let data = elf_getdata(scn, nil),
              let stringScn = elf_getscn(elf, stringTable.index), let stringData = elf_getdata(stringScn, nil) else {
            throw .malformed(path, "\(table.name) is unreadable (\(ELFFile.libelfMessage()))")
        }
        guard data.pointee.d_size == table.size, let symbolBytes = data.pointee.d_buf else {
            throw .malformed(path, "\(table.name) extends past the end of the file")
        }
        let stringCount = Int(stringData.pointee.d_size)
        let strings: [UInt8]
        if let base = stringData.pointee.d_buf, stringCount > 0 {
            strings = Array(UnsafeRawBufferPointer(start: base, count: stringCount))
        } else {
            strings = []
        }
        var entries: [PackedSymbolTable.Entry] = []
        entries.reserveCapacity(symbolCount)
        try strings.withUnsafeBufferPointer { (all: UnsafeBufferPointer<UInt8>) throws(ELFError) in
            for number in 0..<symbolCount {
                let record = symbolBytes + number * 24
                let nameOffset = Int(record.loadUnaligned(as: UInt32.self))
                var nameLength = 0
                if nameOffset != 0 {
                    guard nameOffset < all.count, let base = all.baseAddress,
                          let end = memchr(base + nameOffset, 0, all.count - nameOffset) else {
                        throw .malformed(path, "symbol \(number) has a name outside \(stringTable.name)")
                    }
                    nameLength = UnsafeRawPointer(end) - UnsafeRawPointer(base + nameOffset)
                }
                entries.append(PackedSymbolTable.Entry(
                    nameStart: Int32(nameOffset), nameLength: Int32(nameLength),
                    value: (record + 8).loadUnaligned(as: UInt64.self),
                    info: (record + 4).loadUnaligned(as: UInt8.self),
                    sectionIndex: SectionIndex(rawValue: (record + 6).loadUnaligned(as: UInt16.self))))
            }
        }
        return PackedSymbolTable(strings: strings, entries: entries)
    }

    private static func readSymbols(_ elf: OpaquePointer, table: Section, sections: [Section],
                                    path: String) throws(ELFError) -> [Symbol] {
        guard let scn = elf_getscn(elf, table.index), let data = elf_getdata(scn, nil) else {
            throw .malformed(path, "\(table.name) is unreadable (\(libelfMessage()))")
        }
        let count = Int(table.size / 24)
        var symbols: [Symbol] = []
        symbols.reserveCapacity(count)
        for index in 0..<count {
            var entry = GElf_Sym()
            guard gelf_getsym(data, Int32(index), &entry) != nil else {
                throw .malformed(path, "\(table.name) entry \(index) is unreadable")
            }
            let name: String
            if entry.st_name == 0 {
                name = ""
            } else if let cName = elf_strptr(elf, table.link, Int(entry.st_name)) {
                name = String(cString: cName)
            } else {
                throw .malformed(path, "symbol \(index) has a name outside \(sections[table.link].name)")
            }
            symbols.append(Symbol(
                index: index, name: name, value: entry.st_value, size: entry.st_size,
                type: SymbolType(rawValue: klp_gelf_st_type(entry.st_info)),
                binding: SymbolBinding(rawValue: klp_gelf_st_bind(entry.st_info)),
                other: entry.st_other, sectionIndex: SectionIndex(rawValue: entry.st_shndx)))
        }
        return symbols
    }

    /// The decompressed bytes of a whole compressed file.
    private static func decompress(_ packed: [UInt8], as compression: ModuleCompression,
                                   path: String) throws(ELFError) -> DecompressedBytes {
        let result = packed.withUnsafeBytes { input in
            Result { () throws(DecompressionError) in try Decompressor.decompress(input, as: compression, file: path) }
        }
        switch result {
        case .success(let bytes): return bytes
        case .failure(let error): throw .undecodable(path, error.message)
        }
    }

    /// `count` bytes at `offset` of the open file (`pread` until done), fewer only at its end.
    private static func readBytes(_ fd: Int32, at offset: Int, count: Int, path: String) throws(ELFError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
            if got == 0 { break }
            done += got
        }
        return done == count ? bytes : Array(bytes[..<done])
    }

    private static func libelfMessage() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }
}
