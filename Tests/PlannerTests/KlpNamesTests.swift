import Planner
import Testing

/// `.klp.sym` and `.klp.rela` names round-trip through the kernel's sscanf formats.
@Suite("klp names follow the kernel's sscanf formats")
struct KlpNamesTests {
    @Test("a formatted .klp.sym name parses back to its parts",
          arguments: [("vmlinux", "saved_command_line", 0), ("cdrom", "cdrom_check_events", 0),
                      ("btrfs", "can_modify_feature.isra.3", 2)])
    func symbolRoundTrip(object: String, symbol: String, sympos: Int) throws {
        let name = KlpNames.symbol(object: object, name: symbol, sympos: sympos)
        let parsed = try #require(KlpNames.parseSymbol(name))
        #expect(parsed.object == object)
        #expect(parsed.symbol == symbol)
        #expect(parsed.sympos == UInt64(sympos))
    }

    @Test("names the kernel rejects do not parse",
          arguments: [".klp.sym.vmlinux.foo", ".klp.sym.vmlinux.,0", ".klp.sym..foo,0", ".klp.sym.vmlinux.foo,x",
                      ".klp.sym." + String(repeating: "m", count: 56) + ".foo,0", "klp.sym.vmlinux.foo,0"])
    func rejected(name: String) {
        #expect(KlpNames.parseSymbol(name) == nil)
    }

    @Test("the object of a .klp.rela section ends at the first dot")
    func relocationSection() {
        let name = KlpNames.relocationSection(object: "cdrom", section: ".text.media_changed")
        #expect(name == ".klp.rela.cdrom..text.media_changed")
        #expect(KlpNames.parseRelocationSection(name) == "cdrom")
        #expect(KlpNames.parseRelocationSection(".klp.rela..text") == nil)
    }

    @Test("category ids are the documented JSON ids")
    func categoryIds() {
        #expect(Category.allCases.map(\.rawValue) == [
            "vmlinux-export", "patched-module-export", "other-module-export", "main-livepatch-export",
            "inter-livepatch", "vmlinux-local", "module-local", "ambiguous", "unresolved",
        ])
    }
}
