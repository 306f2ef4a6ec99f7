@testable import KernelWorld
import Testing

@Suite("ObjectName")
struct ObjectNameTests {
    @Test("module paths, suffixes and dashes normalise to the kernel's module name", arguments: [
        ("cdrom", "cdrom"),
        ("drivers/cdrom/cdrom", "cdrom"),
        ("kernel/drivers/scsi/sr_mod.ko", "sr_mod"),
        ("/lib/modules/6.1.0-56-amd64/kernel/fs/xfs/xfs.ko.xz", "xfs"),
        ("snd-hda-codec.ko.zst", "snd_hda_codec"),
        ("arch/x86/crypto/twofish-x86_64-3way", "twofish_x86_64_3way"),
        ("zfs.ko.gz", "zfs"),
        ("vmlinux", "vmlinux"),
    ])
    func normalises(given: String, expected: String) throws {
        #expect(try ObjectName(normalizing: given).rawValue == expected)
    }

    @Test("a name that is empty, too long, or has a character kbuild never writes is rejected", arguments: [
        "", "drivers/cdrom/", ".ko", "zfs.ko.bak", "my.module", "has space", "cd$(id)rom", "a;b", "x`id`", "drivers/cd\u{e9}",
        String(repeating: "a", count: 56),
    ])
    func rejects(given: String) {
        #expect(throws: KernelWorldError.self) { try ObjectName(normalizing: given) }
        do {
            _ = try ObjectName(normalizing: given)
        } catch {
            #expect(error.kind == .invalidObjectName)
            #expect(error.description.hasPrefix("error: invalid object name \(NameDisplay.quoted(given))"))
        }
    }

    @Test("exactly 55 bytes is the longest name accepted")
    func longestName() throws {
        let name = String(repeating: "b", count: 55)
        #expect(try ObjectName(normalizing: name + ".ko").rawValue == name)
    }

    @Test("vmlinux is recognised and sorts before every module")
    func vmlinuxFirst() throws {
        let names = try ["sr_mod", "vmlinux", "cdrom", "aaa"].map { try ObjectName(normalizing: $0) }
        #expect(names.sorted().map(\.description) == ["vmlinux", "aaa", "cdrom", "sr_mod"])
        #expect(ObjectName.vmlinux.isVmlinux)
        #expect(try !ObjectName(normalizing: "cdrom").isVmlinux)
        #expect(try ObjectName(normalizing: "snd-pcm") == ObjectName(normalizing: "snd_pcm"))
    }
}
