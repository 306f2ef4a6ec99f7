import Foundation
import Livepatch
import Testing

/// Reading the patch description of the real fixtures.
@Suite("LivepatchReader reads the patch description")
struct LivepatchReaderTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func fixture(_ name: String) -> String { root.appendingPathComponent("Fixtures/modules/\(name).ko").path }

    @Test("lp_multi patches vmlinux, cdrom, sr_mod and fat, from static klp arrays")
    func multiObject() throws {
        let module = try LivepatchReader.read(path: Self.fixture("lp_multi"), displayName: "lp_multi.ko")
        #expect(module.name == "lp_multi")
        #expect(module.patch.source == .klpStructs)
        #expect(module.patch.replace == false)
        #expect(module.patch.objects.map { $0.name ?? "vmlinux" } == ["vmlinux", "cdrom", "sr_mod", "fat"])
        let cdrom = try #require(module.patch.objects.first { $0.name == "cdrom" })
        #expect(cdrom.functions.map(\.oldName) == ["cdrom_sysctl_info", "cdrom_check_events"])
        #expect(cdrom.functions.map(\.newFunction) == ["livepatch_multi_cdrom_sysctl_info", "livepatch_multi_cdrom_check_events"])
        #expect(cdrom.functions.allSatisfy { $0.oldSympos == 0 })
        #expect(module.modinfo.isLivepatch)
        #expect(module.modinfo.dependencies.sorted() == ["cdrom", "fat", "scsi_mod"])
        #expect(module.versions.contains { $0.symbol == "cdrom_get_media_event" })
    }

    @Test("lp_klpbuild is read from .init.klp_objects, with the cdrom pre_patch callback")
    func klpBuild() throws {
        let module = try LivepatchReader.read(path: Self.fixture("lp_klpbuild"))
        #expect(module.patch.source == .klpBuildMetadata)
        #expect(module.patch.objects.map { $0.name ?? "vmlinux" } == ["vmlinux", "cdrom"])
        let cdrom = try #require(module.patch.objects.last)
        #expect(cdrom.callbacks.map(\.kind) == ["pre_patch"])
        #expect(cdrom.functions.map(\.oldName) == ["cdrom_sysctl_info"])
    }

    @Test("objects with callbacks and an empty function list (no_funcs[] = { { } }) are read, on both kernels",
          arguments: ["modules", "modules-6.12"])
    func callbacksOnlyObjects(directory: String) throws {
        let path = Self.root.appendingPathComponent("Fixtures/\(directory)/lp_callbacks.ko").path
        let module = try LivepatchReader.read(path: path, displayName: "lp_callbacks.ko")
        #expect(module.patch.objects.map { $0.name ?? "vmlinux" } == ["vmlinux", "cdrom", "sr_mod"])
        #expect(module.patch.objects.map(\.functions.count) == [0, 0, 1])
        for object in module.patch.objects {
            #expect(object.callbacks.map(\.function) == ["pre_patch_callback", "post_patch_callback", "pre_unpatch_callback", "post_unpatch_callback"])
        }
        #expect(module.patch.hasStates == false)
    }

    @Test("klp_patch.states and replace are read", arguments: ["lp_states", "lp_states_multi"])
    func states(fixture: String) throws {
        let module = try LivepatchReader.read(path: Self.fixture(fixture))
        #expect(module.patch.hasStates)
        #expect(module.patch.replace == (fixture == "lp_states"))
        #expect(module.patch.objects.allSatisfy { $0.functions.isEmpty && $0.callbacks.map(\.kind) == ["pre_patch"] })
    }

    @Test("a plain module that uses the shadow-variable API (like test_klp_shadow_vars) is not a livepatch")
    func plainModuleIsNotALivepatch() throws {
        let fat = Self.root.appendingPathComponent("Fixtures/world/lib/modules/6.1.0-56-amd64/kernel/fs/fat/fat.ko").path
        #expect {
            try LivepatchReader.read(path: fat, displayName: "fat.ko")
        } throws: { error in
            (error as? LivepatchError)?.kind == .notLivepatch
                && (error as? LivepatchError)?.description.contains("klp-split splits livepatches only") == true
        }
    }

    @Test("a module without livepatch=Y is refused with the fix")
    func notLivepatch() throws {
        let cdrom = Self.root.appendingPathComponent("Fixtures/world/lib/modules/6.1.0-56-amd64/kernel/drivers/cdrom/cdrom.ko").path
        do {
            _ = try LivepatchReader.read(path: cdrom, displayName: "cdrom.ko")
            Issue.record("cdrom.ko was accepted as a livepatch")
        } catch {
            #expect(error.kind == .notLivepatch)
            #expect(error.description == "cdrom.ko: .modinfo: error: not a livepatch module (no livepatch=Y): klp-split splits livepatches only, so pass a module that calls klp_enable_patch(), or add MODULE_INFO(livepatch, \"Y\") if this one is meant to be one")
        }
    }

    @Test(".modinfo and __versions parse as the kernel lays them out")
    func modinfoAndVersions() {
        let info = ModuleInfo(bytes: Array("license=GPL\0\0depends=cdrom,scsi_mod\0livepatch=Y\0".utf8))
        #expect(info.value("license") == "GPL")
        #expect(info.dependencies == ["cdrom", "scsi_mod"])
        #expect(info.isLivepatch)
        var entry = [UInt8](repeating: 0, count: 64)
        entry[0] = 0x73; entry[1] = 0xa1; entry[2] = 0x70; entry[3] = 0xf3
        for (i, byte) in "cdrom_check_events".utf8.enumerated() { entry[8 + i] = byte }
        #expect(ModuleVersion.parse(entry) == [ModuleVersion(crc: 0xf370a173, symbol: "cdrom_check_events")])
        #expect(ModuleVersion.parse([0, 1, 2]) == nil)
    }
}
