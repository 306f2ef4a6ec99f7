import ELF
import Foundation
import Livepatch
import TestSupport

/// Inputs in formats no Debian kernel has yet, made at test time from the committed 6.1 fixtures
/// and world, each in the kernel's own format (Fixtures/README.md, "Later formats"):
///
/// - `klpBuild619`: `lp_klpbuild.ko` with klp-build's metadata sections under the names 6.19
///   released (`__klp_objects`, `__klp_funcs`, and their `.rela` sections as `ld -r` names them);
///   the bytes and relocations are unchanged, as the layouts are the same (`KlpBuildSections`).
/// - `extendedVersions`: `lp_cdrom.ko` with `__version_ext_crcs`/`__version_ext_names` laid out as
///   modpost's `add_extended_versions()` writes them (one u32 per entry, the names NUL-terminated
///   plus the string literal's own NUL), holding the same entries as its `__versions`, in the same
///   order, as CONFIG_EXTENDED_MODVERSIONS with CONFIG_BASIC_MODVERSIONS writes both.
/// - `restrictedWorld`: `Fixtures/world` with Module.symvers lines rewritten the way modpost's
///   `write_dump()` prints an `EXPORT_SYMBOL_FOR_MODULES(sym, "list")` export (6.16 and later):
///   `0x%08x\tsym\tvmlinux\tEXPORT_SYMBOL_GPL\tmodule:list`; `lib/` and `proc/` are symlinks.
final class LaterFormatFixtures {
    let scratch: ScratchCopies

    init() throws { scratch = try ScratchCopies() }

    var path: String { scratch.path }

    /// `fixture` edited and written as `directory/<fixture>.ko` (the file name is kept, so plans
    /// name the same file).
    func edited(_ fixture: String, into directory: String, _ edit: (inout ELFImage) throws -> Void) throws -> String {
        try FileManager.default.createDirectory(atPath: "\(path)/\(directory)", withIntermediateDirectories: true)
        var image = try ELFImage(reading: try ELFFile(path: Repository.fixture(fixture)))
        try edit(&image)
        let output = "\(path)/\(directory)/\(fixture).ko"
        try ELFWriter.write(image, to: output, inputs: [Repository.fixture(fixture)])
        return output
    }

    /// lp_klpbuild.ko with the section names klp-build used in 6.19.
    func klpBuild619() throws -> String {
        try edited("lp_klpbuild", into: "klpbuild-6.19") { image in
            for (old, new) in Self.klpBuildRenames {
                for index in image.sections.indices where image.sections[index].name == old { image.sections[index].name = new }
            }
        }
    }

    /// The renames from the later names to 6.19's, relocation sections included.
    static let klpBuildRenames = [
        (".init.klp_objects", "__klp_objects"), (".init.klp_funcs", "__klp_funcs"),
        (".rela.init.klp_objects", ".rela__klp_objects"), (".rela.init.klp_funcs", ".rela__klp_funcs"),
    ]

    /// lp_cdrom.ko with extended modversions tables; `change` edits their entries first, and
    /// `basic: false` drops `__versions` (CONFIG_BASIC_MODVERSIONS=n).
    func extendedVersions(into directory: String, basic: Bool = true,
                          change: (inout [ModuleVersion]) -> Void = { _ in }) throws -> String {
        try edited("lp_cdrom", into: directory) { image in
            guard let index = image.sections.firstIndex(where: { $0.name == "__versions" }),
                  case .bytes(let bytes) = image.sections[index].contents,
                  var entries = ModuleVersion.parse(bytes) else { throw FixtureError("lp_cdrom.ko has no readable __versions") }
            change(&entries)
            let tables = ExtendedVersions.encode(entries)
            image.sections.append(ImageSection(name: ExtendedVersions.crcSection, type: .programBits, flags: [.alloc],
                                               alignment: 4, contents: .bytes(tables.crcs)))
            image.sections.append(ImageSection(name: ExtendedVersions.nameSection, type: .programBits, flags: [.alloc],
                                               alignment: 1, contents: .bytes(tables.names)))
            if !basic {
                // __versions has no relocations; only its whole-table symbol points at it
                image.sections[index].name = ".comment.dropped_versions"
                image.sections[index].flags = []
            }
        }
    }

    /// A copy of the fixture world whose Module.symvers exports each symbol of `namespaces` as
    /// `EXPORT_SYMBOL_GPL` in the given namespace (with the CRC `crcs` gives, if any).
    func restrictedWorld(_ name: String, namespaces: [String: String], crcs: [String: String] = [:]) throws -> String {
        let root = "\(path)/\(name)"
        let headers = "\(root)/usr/src/linux-headers-6.1.0-56-amd64"
        try FileManager.default.createDirectory(atPath: headers, withIntermediateDirectories: true)
        for link in ["lib", "proc"] {
            try FileManager.default.createSymbolicLink(atPath: "\(root)/\(link)", withDestinationPath: "\(Repository.world)/\(link)")
        }
        let original = try String(contentsOfFile: "\(Repository.world)/usr/src/linux-headers-6.1.0-56-amd64/Module.symvers", encoding: .utf8)
        var rewritten = 0
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 5, let namespace = namespaces[String(fields[1])] else { return String(line) }
            rewritten += 1
            let crc = crcs[String(fields[1])].map { Substring($0) } ?? fields[0]
            return [crc, fields[1], fields[2], "EXPORT_SYMBOL_GPL", Substring(namespace)].joined(separator: "\t")
        }
        guard rewritten == namespaces.count else { throw FixtureError("rewrote \(rewritten) of \(namespaces.count) Module.symvers lines") }
        try lines.joined(separator: "\n").write(toFile: "\(headers)/Module.symvers", atomically: true, encoding: .utf8)
        return root
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
