import Foundation
import Testing
import TestSupport
@testable import ELF

/// Paths into the repository, found from this file's location (no working-directory assumptions).
enum ELFFixture {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) -> String { root.appendingPathComponent("Fixtures/modules/\(name).ko").path }
}

/// Struct layouts read from the fixtures' own DWARF.
///
/// The expected values were printed by gdb 13.1 on the committed fixtures:
/// `gdb -batch -ex 'ptype/o struct klp_func' Fixtures/modules/lp_multi.ko` (and the same for
/// `klp_object`, `klp_patch`, `klp_callbacks`; `klp_object_ext`, `klp_func_ext` from lp_klpbuild.ko).
@Suite struct StructLayoutTests {
    typealias Member = StructLayout.Member

    @Test func klpFuncMatchesGdbPtype() throws {
        let layout = try #require(try StructLayout.read(path: ELFFixture.fixture("lp_multi"), named: "klp_func"))
        #expect(layout.byteSize == 152)
        #expect(layout.members == [
            Member(name: "old_name", offset: 0, size: 8),
            Member(name: "new_func", offset: 8, size: 8),
            Member(name: "old_sympos", offset: 16, size: 8),
            Member(name: "old_func", offset: 24, size: 8),
            Member(name: "kobj", offset: 32, size: 64),
            Member(name: "node", offset: 96, size: 16),
            Member(name: "stack_node", offset: 112, size: 16),
            Member(name: "old_size", offset: 128, size: 8),
            Member(name: "new_size", offset: 136, size: 8),
            Member(name: "nop", offset: 144, size: 1),
            Member(name: "patched", offset: 145, size: 1),
            Member(name: "transition", offset: 146, size: 1),
        ])
    }

    @Test func klpObjectMatchesGdbPtype() throws {
        let layout = try #require(try StructLayout.read(path: ELFFixture.fixture("lp_multi"), named: "klp_object"))
        #expect(layout.byteSize == 168)
        #expect(layout.members == [
            Member(name: "name", offset: 0, size: 8),
            Member(name: "funcs", offset: 8, size: 8),
            Member(name: "callbacks", offset: 16, size: 40),
            Member(name: "kobj", offset: 56, size: 64),
            Member(name: "func_list", offset: 120, size: 16),
            Member(name: "node", offset: 136, size: 16),
            Member(name: "mod", offset: 152, size: 8),
            Member(name: "dynamic", offset: 160, size: 1),
            Member(name: "patched", offset: 161, size: 1),
        ])
    }

    @Test func klpPatchMatchesGdbPtype() throws {
        let layout = try #require(try StructLayout.read(path: ELFFixture.fixture("lp_multi"), named: "klp_patch"))
        #expect(layout.byteSize == 200)
        #expect(layout.members == [
            Member(name: "mod", offset: 0, size: 8),
            Member(name: "objs", offset: 8, size: 8),
            Member(name: "states", offset: 16, size: 8),
            Member(name: "replace", offset: 24, size: 1),
            Member(name: "list", offset: 32, size: 16),
            Member(name: "kobj", offset: 48, size: 64),
            Member(name: "obj_list", offset: 112, size: 16),
            Member(name: "enabled", offset: 128, size: 1),
            Member(name: "forced", offset: 129, size: 1),
            Member(name: "free_work", offset: 136, size: 32),
            Member(name: "finish", offset: 168, size: 32),
        ])
    }

    @Test func klpCallbacksMatchesGdbPtype() throws {
        let layout = try #require(try StructLayout.read(path: ELFFixture.fixture("lp_multi"), named: "klp_callbacks"))
        #expect(layout.byteSize == 40)
        #expect(layout.members == [
            Member(name: "pre_patch", offset: 0, size: 8),
            Member(name: "post_patch", offset: 8, size: 8),
            Member(name: "pre_unpatch", offset: 16, size: 8),
            Member(name: "post_unpatch", offset: 24, size: 8),
            Member(name: "post_unpatch_enabled", offset: 32, size: 1),
        ])
    }

    @Test func bitFieldsReportTheirStorageUnitAsGdbDoes() throws {
        // `ptype/o struct kobject` inside klp_func: `92: 0 | 4  unsigned int state_initialized : 1;`
        // (offset 60 within struct kobject).
        let layout = try #require(try StructLayout.read(path: ELFFixture.fixture("lp_multi"), named: "kobject"))
        #expect(layout.byteSize == 64)
        #expect(layout.member("state_initialized") == Member(name: "state_initialized", offset: 60, size: 4, bitSize: 1))
        #expect(layout.member("uevent_suppress") == Member(name: "uevent_suppress", offset: 60, size: 4, bitSize: 1))
    }

    @Test func klpBuildExtStructsMatchGdbPtype() throws {
        let layouts = try StructLayout.read(path: ELFFixture.fixture("lp_klpbuild"), named: ["klp_object_ext", "klp_func_ext"])
        let object = try #require(layouts["klp_object_ext"])
        #expect(object.byteSize == 64)
        #expect(object.members == [
            Member(name: "name", offset: 0, size: 8),
            Member(name: "funcs", offset: 8, size: 8),
            Member(name: "callbacks", offset: 16, size: 40),
            Member(name: "nr_funcs", offset: 56, size: 4),
        ])
        let function = try #require(layouts["klp_func_ext"])
        #expect(function.byteSize == 24)
        #expect(function.members == [
            Member(name: "old_name", offset: 0, size: 8),
            Member(name: "new_func", offset: 8, size: 8),
            Member(name: "sympos", offset: 16, size: 8),
        ])
    }

    @Test(arguments: ["lp_vmlinux", "lp_cdrom", "lp_multi", "lp_ambiguous", "lp_klpbuild"])
    func everyFixtureDescribesTheKlpStructs(_ fixture: String) throws {
        let layouts = try StructLayout.read(path: ELFFixture.fixture(fixture),
                                            named: ["klp_func", "klp_object", "klp_patch", "klp_callbacks"])
        #expect(layouts["klp_func"]?.byteSize == 152)
        #expect(layouts["klp_object"]?.byteSize == 168)
        #expect(layouts["klp_patch"]?.byteSize == 200)
        #expect(layouts["klp_callbacks"]?.byteSize == 40)
    }

    @Test func fileWithoutDWARFHasNoLayout() throws {
        let directory = try ScratchCopies()
        let stripped = try directory.strippedCopy(of: ELFFixture.fixture("lp_multi"))
        #expect(try StructLayout.read(path: stripped, named: "klp_func") == nil)
        #expect(try StructLayout.read(path: stripped, named: ["klp_func", "klp_object"]).isEmpty)
    }

    @Test func nameThatIsNotAStructHasNoLayout() throws {
        let path = ELFFixture.fixture("lp_multi")
        // Two typedefs, a function and a name that does not exist.
        #expect(try StructLayout.read(path: path, named: "atomic_long_t") == nil)
        #expect(try StructLayout.read(path: path, named: "klp_shadow_ctor_t") == nil)
        #expect(try StructLayout.read(path: path, named: "klp_enable_patch") == nil)
        #expect(try StructLayout.read(path: path, named: "no_such_struct") == nil)
    }

    @Test func unreadableFileIsAnELFErrorNamingIt() throws {
        let missing = ELFFixture.root.appendingPathComponent("Fixtures/modules/no_such.ko").path
        #expect {
            try StructLayout.read(path: missing, named: "klp_func")
        } throws: { error in
            guard let error = error as? ELFError else { return false }
            return error.kind == .unreadable && error.description.hasPrefix(missing + ": error: ")
                && !error.description.contains("\n")
        }
    }
}
