@testable import ELF
import Foundation

/// Paths, images and readelf dumps for `ELFWriterTests`.
enum WriterFixtures {
    /// The repository root: three levels above this file (`Tests/ELFTests/…`).
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// `Fixtures/modules/*.ko` and `Fixtures/world/lib/modules/*/kernel/**/*.ko`, sorted.
    static let modules: [String] = {
        var found: [String] = []
        for folder in ["Fixtures/modules", "Fixtures/world/lib/modules"] {
            let enumerator = FileManager.default.enumerator(atPath: path(folder))
            while let relative = enumerator?.nextObject() as? String {
                if relative.hasSuffix(".ko") { found.append(folder + "/" + relative) }
            }
        }
        return found.sorted()
    }()

    /// `readelf -W -S -s -r file`, file offsets included.
    static func readelf(_ file: String) throws -> [String] {
        try run(readelf: ["-W", "-S", "-s", "-r", file])
    }

    /// `readelf -h file`.
    static func readelfHeader(_ file: String) throws -> [String] {
        try run(readelf: ["-h", file])
    }

    private static func run(readelf arguments: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["readelf"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: arguments.last ?? ""])
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
    }

    /// The first 20 lines that differ, `-` expected and `+` actual, with their line numbers;
    /// empty when the dumps are equal.
    static func lineDiff(_ expected: [String], _ actual: [String]) -> String {
        var lines: [String] = []
        for index in 0..<max(expected.count, actual.count) where lines.count < 40 {
            let left = index < expected.count ? expected[index] : "<none>"
            let right = index < actual.count ? actual[index] : "<none>"
            if left != right { lines += ["\(index + 1)-\(left)", "\(index + 1)+\(right)"] }
        }
        return lines.joined(separator: "\n")
    }

    /// A small livepatch module: `.text` with a call to `cdrom_check_events` through a
    /// `.klp.rela.cdrom..text` relocation and a `.klp.sym.cdrom.cdrom_check_events,0` symbol.
    static func livepatchImage() -> ELFImage {
        let call: [UInt8] = [0xf3, 0x0f, 0x1e, 0xe8, 0, 0, 0, 0, 0xc3] + Array(repeating: 0xcc, count: 7)
        return ELFImage(
            sections: [
                .null,
                ImageSection(name: ".text", type: .programBits, flags: [.alloc, .executable], alignment: 16,
                             contents: .bytes(call)),
                ImageSection(name: ".klp.rela.cdrom..text", type: .rela,
                             flags: [.alloc, .infoLink, .relaLivepatch], alignment: 8, link: 4, info: 1,
                             contents: .relocations([Relocation(offset: 4, type: 2, symbolIndex: 3, addend: -4)])),
                ImageSection(name: ".bss", type: .noBits, flags: [.write, .alloc], alignment: 8,
                             contents: .noBits(size: 8)),
                ImageSection(name: ".symtab", type: .symbolTable, alignment: 8, link: 5, contents: .symbolTable),
                ImageSection(name: ".strtab", type: .stringTable, contents: .symbolNames),
                ImageSection(name: ".shstrtab", type: .stringTable, contents: .sectionNames),
            ],
            symbols: [
                .null,
                ImageSymbol(name: "", type: .section, section: SectionIndex(rawValue: 1)),
                ImageSymbol(name: "livepatch_cdrom.c", type: .file, section: .absolute),
                ImageSymbol(name: ".klp.sym.cdrom.cdrom_check_events,0", binding: .global, section: .livepatch),
            ])
    }
}

/// A fresh directory under the system temporary directory; call `remove()` when done.
/// (Named apart from StructLayoutTests' `TemporaryDirectory`, which removes itself on release; this one
/// is removed explicitly, so it cannot vanish while a test still writes into it.)
struct ScratchDirectory {
    let path: String

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/klp-split-elfwriter-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
        guard created != nil else { throw CocoaError(.fileWriteUnknown) }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The names in the directory, sorted, including hidden ones.
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func remove() {
        chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }
}
