import ELF
import Foundation
import Livepatch
import Testing
import TestSupport

/// Where the klp struct layout comes from: the module's own DWARF, or, without it, inference from
/// the relocations (`KlpPatch.layout` says which).
@Suite struct LayoutSourceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func fixture(_ name: String) -> String { root.appendingPathComponent("Fixtures/modules/\(name).ko").path }

    static let classic = ["lp_vmlinux", "lp_cdrom", "lp_multi", "lp_ambiguous"]

    /// `gdb -batch -ex 'ptype/o struct klp_patch'` (and klp_object, klp_func) on the fixtures:
    /// 200, 168 and 152 bytes (Debian 6.1.0-56-amd64 headers).
    @Test(arguments: classic)
    func classicFixtureReadsWithTheDWARFLayout(_ name: String) throws {
        let module = try LivepatchReader.read(path: Self.fixture(name), displayName: "\(name).ko")
        #expect(module.patch.source == .klpStructs)
        #expect(module.patch.layout == "DWARF: sizeof(struct klp_patch) = 200, sizeof(struct klp_object) = 168, sizeof(struct klp_func) = 152, member offsets from .debug_info; every relocation in the arrays verified")
    }

    /// `gdb -batch -ex 'ptype/o struct klp_object_ext' -ex 'ptype/o struct klp_func_ext' lp_klpbuild.ko`: 64 and 24 bytes.
    @Test func klpBuildFixtureReadsWithTheDWARFLayout() throws {
        let module = try LivepatchReader.read(path: Self.fixture("lp_klpbuild"), displayName: "lp_klpbuild.ko")
        #expect(module.patch.source == .klpBuildMetadata)
        #expect(module.patch.layout == "DWARF: sizeof(struct klp_object_ext) = 64, sizeof(struct klp_func_ext) = 24, member offsets from .debug_info; every relocation in .init.klp_objects and .init.klp_funcs verified")
    }

    @Test(arguments: classic + ["lp_klpbuild"])
    func strippedCopyReadsWithTheInferredLayoutAndTheSameObjectsAndFunctions(_ name: String) throws {
        let directory = try ScratchCopies()
        let stripped = try directory.strippedCopy(of: Self.fixture(name))
        let withDWARF = try LivepatchReader.read(path: Self.fixture(name), displayName: "\(name).ko").patch
        let without = try LivepatchReader.read(path: stripped, displayName: "\(name).ko").patch
        if name == "lp_klpbuild" {
            #expect(without.layout == "no DWARF; fixed layout of include/linux/livepatch_external.h: struct klp_object_ext (64 bytes) and struct klp_func_ext (24 bytes); every relocation in .init.klp_objects and .init.klp_funcs verified")
        } else {
            #expect(without.layout == "no DWARF; inferred from relocations: sizeof(struct klp_object) = 168, sizeof(struct klp_func) = 152, member offsets of include/linux/livepatch.h since v4.x; every relocation in the arrays verified")
        }
        #expect(without.source == withDWARF.source)
        #expect(without.replace == withDWARF.replace)
        #expect(without.hasStates == withDWARF.hasStates)
        #expect(Summary(without) == Summary(withDWARF))
        #expect(without.patchLocation == withDWARF.patchLocation)
        #expect(without.objectEntrySize == withDWARF.objectEntrySize)
        #expect(without.objects.map(\.entry) == withDWARF.objects.map(\.entry))
        #expect(without.objects.map(\.functionsArray) == withDWARF.objects.map(\.functionsArray))
        #expect(!Summary(withDWARF).objects.isEmpty)
    }

    /// A copy of lp_vmlinux whose `funcs` symbol claims 480 bytes instead of 304: one `new_func`
    /// pointer in 480 bytes implies 240-byte entries, the DWARF says 152, so the module is refused.
    @Test func dwarfThatDisagreesWithTheRelocationsIsRefused() throws {
        let directory = try ScratchCopies()
        let copy = try directory.copy(of: Self.fixture("lp_vmlinux"), settingSizeOf: "funcs", to: 480)
        do {
            let module = try LivepatchReader.read(path: copy, displayName: "lp_vmlinux.ko")
            Issue.record("read with layout: \(module.patch.layout)")
        } catch {
            #expect(error.kind == .unsupportedLayout)
            #expect(error.description.hasPrefix("lp_vmlinux.ko: .data.funcs (object vmlinux): error: the DWARF gives sizeof(struct klp_func) = 152, but 1 new_func pointer in 480 bytes (entries and terminator) imply 240;"))
            #expect(!error.description.contains("\n"))
        }
    }

    /// A copy of lp_vmlinux whose `patch` symbol claims 208 bytes; the DWARF's struct klp_patch is 200.
    @Test func patchSymbolOfAnotherSizeThanTheDWARFsIsRefused() throws {
        let directory = try ScratchCopies()
        let copy = try directory.copy(of: Self.fixture("lp_vmlinux"), settingSizeOf: "patch", to: 208)
        do {
            let module = try LivepatchReader.read(path: copy, displayName: "lp_vmlinux.ko")
            Issue.record("read with layout: \(module.patch.layout)")
        } catch {
            #expect(error.kind == .unsupportedLayout)
            #expect(error.description.hasPrefix("lp_vmlinux.ko: .data.patch: error: the DWARF gives sizeof(struct klp_patch) = 200, but symbol 'patch' is 208 bytes;"))
        }
    }

    /// The parts of a `KlpPatch` that must not depend on where the layout came from.
    struct Summary: Equatable {
        struct Function: Equatable { let oldName: String; let oldSympos: UInt64; let newFunction: String }
        struct Object: Equatable { let name: String?; let functions: [Function]; let callbacks: [String] }
        let objects: [Object]

        init(_ patch: KlpPatch) {
            objects = patch.objects.map { object in
                Object(name: object.name,
                       functions: object.functions.map { Function(oldName: $0.oldName, oldSympos: $0.oldSympos, newFunction: $0.newFunction) },
                       callbacks: object.callbacks.map { "\($0.kind)=\($0.function)" })
            }
        }
    }

    /// The known sizes `check` uses for parts without DWARF are what the DWARF of a module built
    /// against that kernel's headers says.
    @Test(arguments: KnownKlpStructSizes.rows.map(\.release))
    func knownSizesMatchTheDWARF(_ release: String) throws {
        let fixture = release.hasSuffix("-klplab") ? "ppc64le/modules/lp_ppc_split"
            : release.hasPrefix("6.12.") ? "modules-6.12/lp_nodatasections" : "modules/lp_nodatasections"
        let path = Self.root.appendingPathComponent("Fixtures/\(fixture).ko").path
        let row = try #require(KnownKlpStructSizes.rows.first { $0.release == release })
        let layouts = try StructLayout.read(path: path, named: ["klp_patch", "klp_object", "klp_func"])
        #expect(layouts["klp_patch"]?.byteSize == row.patch)
        #expect(layouts["klp_object"]?.byteSize == row.object)
        #expect(layouts["klp_func"]?.byteSize == row.function)
        let vermagic = try LivepatchReader.read(path: path).modinfo.value("vermagic") ?? ""
        #expect(vermagic.hasPrefix(release + " "))
    }
}

extension ScratchCopies {
    /// A copy of `source` in which the `.symtab` entry `symbol` has `st_size` = `size`.
    func copy(of source: String, settingSizeOf symbol: String, to size: UInt64) throws -> String {
        let output = path + "/" + URL(fileURLWithPath: source).lastPathComponent
        let elf = try ELFFile(path: source)
        let table = try #require(elf.sections.first { $0.type == .symbolTable })
        let entry = try #require(elf.symbols.first { $0.name == symbol })
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let at = Int(table.fileOffset) + entry.index * 24 + 16 // Elf64_Sym.st_size
        for i in 0..<8 { bytes[at + i] = UInt8(truncatingIfNeeded: size >> (8 * UInt64(i))) }
        try Data(bytes).write(to: URL(fileURLWithPath: output))
        return output
    }

    struct StripFailed: Error { let status: Int32 }
}
