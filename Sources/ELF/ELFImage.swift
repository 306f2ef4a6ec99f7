/// A 64-bit little-endian x86-64 relocatable ELF file (`ET_REL`) as a value, ready for `ELFWriter`.
///
/// The image says what the file holds and, when it was read from a file, where (`fileLayout`);
/// otherwise the writer lets libelf lay the file out. The writer builds
/// the string tables and encodes the symbol and relocation tables, so the same image always gives
/// the same bytes. `sections[0]` is the null section and `symbols[0]` the null symbol; local
/// symbols come before all others (the writer rejects an image that breaks either rule).
///
/// Spec: ELF gABI, "ELF Header", "Sections", "Symbol Table", "Relocation";
/// `Documentation/livepatch/module-elf-format.rst` for livepatch modules.
package struct ELFImage: Sendable, Equatable {
    /// `e_type`: `ELFFile.relocatable` (`ET_REL`).
    package var fileType: UInt16
    /// `e_machine`: `ELFFile.x86_64` (`EM_X86_64`).
    package var machine: UInt16
    /// `e_flags`.
    package var flags: UInt32
    /// `e_ident[EI_OSABI]`, copied from the input.
    package var osABI: UInt8
    /// `e_ident[EI_ABIVERSION]`, copied from the input.
    package var abiVersion: UInt8
    /// The section header table, in order; `sections[0]` is `ImageSection.null`.
    package var sections: [ImageSection]
    /// The symbol table, in order; `symbols[0]` is `ImageSymbol.null`. Empty when there is none.
    package var symbols: [ImageSymbol]
    /// Where the sections sat in the file the image was read from; `nil` for a new image. The
    /// writer keeps this layout while it still fits (`FileLayout`), so an unchanged module is
    /// written back with the same offsets.
    package var fileLayout: FileLayout?

    /// sizeof(`Elf64_Sym`).
    package static let symbolEntrySize: UInt64 = 24
    /// sizeof(`Elf64_Rela`).
    package static let relocationEntrySize: UInt64 = 24

    package init(fileType: UInt16 = ELFFile.relocatable, machine: UInt16 = ELFFile.x86_64,
                 flags: UInt32 = 0, osABI: UInt8 = 0, abiVersion: UInt8 = 0,
                 sections: [ImageSection], symbols: [ImageSymbol], fileLayout: FileLayout? = nil) {
        self.fileType = fileType
        self.machine = machine
        self.flags = flags
        self.osABI = osABI
        self.abiVersion = abiVersion
        self.sections = sections
        self.symbols = symbols
        self.fileLayout = fileLayout
    }

    /// The image of an existing file: writing it unchanged gives a file with the same sections,
    /// symbols and relocations, at the same offsets (`fileLayout`) as long as they still fit.
    ///
    /// `SHT_RELA` sections that link to the symbol table become `.relocations`; the symbol table's
    /// string table and `.shstrtab` become `.symbolNames` and `.sectionNames`; every other section
    /// keeps its bytes. Data after the last section, such as an appended module signature, is not
    /// part of the image.
    package init(reading file: ELFFile) throws(ELFError) {
        let symbolTable = file.symbolTableIndex
        let symbolNames = symbolTable.map { file.sections[$0].link }
        if let symbolNames, symbolNames == file.sectionNamesIndex {
            throw .unsupported(file.path, ".symtab and the section names share one string table (\(file.sections[symbolNames].name))")
        }
        var sections: [ImageSection] = []
        sections.reserveCapacity(file.sections.count)
        for section in file.sections {
            let contents: ImageSection.Contents
            var info = section.info
            if section.index == 0 {
                contents = .bytes([])
            } else if section.index == symbolTable {
                contents = .symbolTable
                info = 0
            } else if section.index == symbolNames {
                contents = .symbolNames
            } else if section.index == file.sectionNamesIndex {
                contents = .sectionNames
            } else if section.type == .rela, symbolTable != nil, section.link == symbolTable {
                contents = .relocations(try file.relocations(in: section))
            } else if section.type == .noBits {
                contents = .noBits(size: section.size)
            } else {
                contents = .bytes(try file.contents(of: section))
            }
            sections.append(ImageSection(
                name: section.name, type: section.type, flags: section.flags, address: section.address,
                alignment: section.alignment, entrySize: section.entrySize, link: section.link, info: info,
                contents: contents))
        }
        let symbols = file.symbols.map { symbol in
            ImageSymbol(name: symbol.name, value: symbol.value, size: symbol.size, type: symbol.type,
                        binding: symbol.binding, other: symbol.other, section: symbol.sectionIndex)
        }
        self.init(fileType: file.fileType, machine: file.machine, flags: file.flags, osABI: file.osABI,
                  abiVersion: file.abiVersion, sections: sections, symbols: symbols,
                  fileLayout: FileLayout(sectionOffsets: file.sections.map(\.fileOffset),
                                         sectionHeaderOffset: file.sectionHeaderOffset))
    }

    /// The index of the first symbol that is not `STB_LOCAL` (the symbol table's `sh_info`).
    package var firstNonLocalSymbol: Int {
        symbols.firstIndex { $0.binding != .local } ?? symbols.count
    }
}
