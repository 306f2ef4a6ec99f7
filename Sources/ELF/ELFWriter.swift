import CLibELF
#if canImport(Glibc)
import Glibc
#endif

/// Writes an `ELFImage` as a file through libelf (`elf_begin(ELF_C_WRITE)`, `elf_update`). It keeps
/// the image's `fileLayout` when the sections still fit it (`ELF_F_LAYOUT`) and otherwise lets
/// libelf lay out the sections; either way the same image always gives the same bytes. The symbol and
/// relocation tables and the string tables are encoded in Swift (`TableEncoding`,
/// `StringTableBuilder`) and handed to libelf as `ELF_T_BYTE` data.
///
/// Writing is atomic: the image is validated first, then written to a temporary file made with
/// `mkstemp` next to the output, flushed with `fsync` and renamed over the output path. On any
/// error the temporary file is removed and the output path is left as it was. SIGINT, SIGTERM and
/// SIGHUP are held back (`InterruptDeferral`) until the file is in place or removed, so an
/// interrupt never leaves a temporary or partial file behind. The output file has
/// mode 0644. When the output path is a symbolic link, the link itself is replaced by the file.
///
/// Spec: ELF gABI; libelf(3) for the calls.
package enum ELFWriter {
    /// Writes `image` to `path`, replacing any file there.
    ///
    /// - Parameter inputs: the files the image was made from; writing refuses (`.overwritesInput`)
    ///   when `path` names one of them (same device and inode, so links and other spellings count).
    ///   - trailer: called with the complete file contents after libelf wrote them; what it
    ///     returns is appended inside the same atomic write (a module signature, `ModuleSigner`).
    ///     When it throws, nothing is written.
    package static func write(_ image: ELFImage, to path: String, inputs: [String] = [],
                              trailer: Trailer? = nil) throws(ELFError) {
        try image.validate(file: path)
        try refuseToOverwrite(inputs, with: path)
        try InterruptDeferral.run { () throws(ELFError) in try writeValidated(image, to: path, trailer: trailer) }
    }

    /// Bytes to append to a written file, computed from its whole contents.
    package typealias Trailer = (_ contents: [UInt8]) throws(ELFError) -> [UInt8]

    /// The temporary file, `fsync`, rename and directory `fsync` of `write`, with interrupts held
    /// back (`InterruptDeferral`) so SIGINT never leaves the temporary file behind.
    private static func writeValidated(_ image: ELFImage, to path: String, trailer: Trailer?) throws(ELFError) {
        let directory = directoryName(of: path)
        var template = Array((directory + "/." + baseName(of: path) + ".XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard descriptor >= 0 else {
            throw .writeFailed(path, "cannot create a temporary file in \(directory): \(systemMessage())")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var descriptorOpen = true
        var renamed = false
        defer {
            if descriptorOpen { close(descriptor) }
            if !renamed { unlink(temporary) }
        }
        try encode(image, into: descriptor, path: path)
        if let trailer { try FileTrailer.append(trailer, to: descriptor, path: path) }
        guard fchmod(descriptor, 0o644) == 0, fsync(descriptor) == 0 else {
            throw .writeFailed(path, systemMessage())
        }
        descriptorOpen = false
        guard close(descriptor) == 0 else { throw .writeFailed(path, systemMessage()) }
        guard rename(temporary, path) == 0 else {
            throw .writeFailed(path, "cannot rename the temporary file into place: \(systemMessage())")
        }
        renamed = true
        syncDirectory(directory)
    }

    /// Refuses when `path` is the same file as one of `inputs`. A missing output is never an input.
    private static func refuseToOverwrite(_ inputs: [String], with path: String) throws(ELFError) {
        var output = stat()
        guard stat(path, &output) == 0 else { return }
        for input in inputs {
            var status = stat()
            if stat(input, &status) == 0 && status.st_dev == output.st_dev && status.st_ino == output.st_ino {
                throw .overwritesInput(path, input: input)
            }
        }
    }

    /// Encodes `image` through libelf into the open file `descriptor`.
    ///
    /// libelf keeps pointers to the data buffers until `elf_update`, so the buffers are allocated
    /// here and freed only after `elf_end`.
    private static func encode(_ image: ELFImage, into descriptor: Int32, path: String) throws(ELFError) {
        guard libelfReadyForWriting else { throw .writeFailed(path, "libelf refused EV_CURRENT") }
        guard let elf = elf_begin(descriptor, ELF_C_WRITE, nil) else {
            throw .writeFailed(path, libelfMessage())
        }
        var buffers = DataBuffers()
        defer {
            elf_end(elf)
            buffers.release()
        }
        guard gelf_newehdr(elf, ELFCLASS64) != nil else { throw .writeFailed(path, libelfMessage()) }

        let sectionNames = StringTableBuilder(image.sections.map(\.name))
        let symbolNames = StringTableBuilder(image.symbols.map(\.name))
        let encoded = image.sections.map {
            TableEncoding.bytes(of: $0, in: image, sectionNames: sectionNames, symbolNames: symbolNames)
        }
        let layout = keptLayout(of: image, encoded: encoded)
        if layout != nil { elf_flagelf(elf, ELF_C_SET, UInt32(ELF_F_LAYOUT)) }
        for index in image.sections.indices.dropFirst() {
            let section = image.sections[index]
            guard let scn = elf_newscn(elf) else {
                throw .writeFailed(path, "section [\(index)] \(section.name): \(libelfMessage())")
            }
            let bytes = encoded[index]
            guard addData(bytes, for: section, to: scn, buffers: &buffers) else {
                throw .writeFailed(path, "section [\(index)] \(section.name): \(libelfMessage())")
            }
            var header = GElf_Shdr()
            guard gelf_getshdr(scn, &header) != nil else {
                throw .writeFailed(path, "section [\(index)] \(section.name): \(libelfMessage())")
            }
            header.sh_name = GElf_Word(sectionNames.offset(of: section.name))
            header.sh_type = section.type.rawValue
            header.sh_flags = section.flags.rawValue
            header.sh_addr = section.address
            header.sh_addralign = section.alignment
            header.sh_entsize = section.entrySize
            header.sh_link = GElf_Word(section.link)
            header.sh_info = GElf_Word(section.contents == .symbolTable ? image.firstNonLocalSymbol : section.info)
            if let layout {
                header.sh_offset = layout.sectionOffsets[index]
                if case .noBits(let size) = section.contents { header.sh_size = size } else { header.sh_size = UInt64(bytes.count) }
            }
            guard gelf_update_shdr(scn, &header) != 0 else {
                throw .writeFailed(path, "section [\(index)] \(section.name): \(libelfMessage())")
            }
        }

        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { throw .writeFailed(path, libelfMessage()) }
        header.e_ident.5 = UInt8(ELFDATA2LSB)
        header.e_ident.6 = UInt8(EV_CURRENT)
        header.e_ident.7 = image.osABI
        header.e_ident.8 = image.abiVersion
        header.e_type = image.fileType
        header.e_machine = image.machine
        header.e_version = UInt32(EV_CURRENT)
        header.e_flags = image.flags
        header.e_shstrndx = UInt16(image.sections.firstIndex { $0.contents == .sectionNames } ?? 0)
        if let layout { header.e_shoff = layout.sectionHeaderOffset }
        guard gelf_update_ehdr(elf, &header) != 0 else { throw .writeFailed(path, libelfMessage()) }

        guard elf_update(elf, ELF_C_WRITE) >= 0 else { throw .writeFailed(path, libelfMessage()) }
    }

    /// The image's `fileLayout` when the encoded sections still fit it (same number of sections,
    /// each clear of the others, aligned); `nil` lets libelf lay the file out.
    private static func keptLayout(of image: ELFImage, encoded: [[UInt8]]) -> FileLayout? {
        guard let layout = image.fileLayout else { return nil }
        let sizes: [UInt64?] = zip(image.sections, encoded).map { section, bytes in
            if case .noBits = section.contents { return nil }
            return UInt64(bytes.count)
        }
        return layout.fits(fileSizes: sizes, alignments: image.sections.map(\.alignment)) ? layout : nil
    }

    /// Gives `scn` one `Elf_Data` of type `ELF_T_BYTE` with the section's file bytes, copied into a
    /// buffer from `buffers`; a `.noBits` section gets data with a size and no buffer.
    ///
    /// This helper returns `false` instead of throwing on purpose. Swift 6.3.1 in release builds
    /// miscompiled the earlier throwing version: it ended in a tail call to `memmove` (from
    /// `copyBytes`) without restoring r12, the register that signals a thrown error, so the caller
    /// saw a garbage `ELFError` after a successful call and crashed. `swift test -c release`
    /// catches a regression (every test that writes a file crashes).
    private static func addData(_ bytes: [UInt8], for section: ImageSection, to scn: OpaquePointer,
                                buffers: inout DataBuffers) -> Bool {
        let size: Int
        if case .noBits(let memorySize) = section.contents { size = Int(memorySize) } else { size = bytes.count }
        guard size > 0 else { return true }
        guard let data = elf_newdata(scn) else { return false }
        data.pointee.d_type = ELF_T_BYTE
        data.pointee.d_size = size
        data.pointee.d_off = 0
        data.pointee.d_align = Int(clamping: max(section.alignment, 1))
        data.pointee.d_version = UInt32(EV_CURRENT)
        if bytes.isEmpty {
            data.pointee.d_buf = nil
        } else {
            let buffer = buffers.allocate(size)
            buffer.copyBytes(from: bytes)
            data.pointee.d_buf = buffer.baseAddress
        }
        return true
    }

    /// `fsync` on the directory, so the rename survives a crash; best effort (some file systems
    /// refuse it, and the file itself is already complete).
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = path[..<slash]
        return directory.isEmpty ? "/" : String(directory)
    }

    private static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    private static func systemMessage() -> String { String(cString: strerror(errno)) }

    private static func libelfMessage() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }
}

/// Calls `elf_version(EV_CURRENT)` once per process before the writer's first libelf call.
private let libelfReadyForWriting: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

/// The buffers handed to libelf as `d_buf`; they must outlive `elf_update`, so they are freed
/// together after `elf_end`.
private struct DataBuffers {
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    mutating func allocate(_ size: Int) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffers.append(buffer)
        return buffer
    }

    mutating func release() {
        for buffer in buffers { buffer.deallocate() }
        buffers.removeAll()
    }
}
