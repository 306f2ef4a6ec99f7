import Check
import KernelWorld
import Testing

/// The pieces of the rules that need no module: name round trips, vermagic, cycles, sympos.
@Suite("check rule logic")
struct CheckRuleLogicTests {
    @Test("klp symbol names round-trip through the kernel's sscanf or are refused", arguments: [
        (".klp.sym.vmlinux.snprintf,0", true),
        (".klp.sym.btrfs.can_modify_feature.isra.3,0", true),
        (".klp.sym.cdrom.cdrom_mutex,12", true),
        (".klp.sym.cdrom.cdrom_mutex", false),          // no sympos: cnt != 3
        (".klp.sym.cdrom.cdrom_mutex,0x1", false),      // %lu stops at 'x': does not round-trip
        (".klp.sym.cdrom.cdrom_mutex,01", false),       // parses as 1, prints as 1
        (".klp.sym.cdrom.a,b,0", false),                // symbol stops at the first ','
        (".klp.sym..snprintf,0", false),                // empty object
        (".klp.sym.\(String(repeating: "m", count: 56)).f,0", false),
    ])
    func symbolNames(name: String, valid: Bool) {
        #expect((KlpSymbolName(name) != nil) == valid, "\(name)")
    }

    @Test("klp relocation section names round-trip", arguments: [
        (".klp.rela.vmlinux..text.cmdline_proc_show", "vmlinux", ".text.cmdline_proc_show"),
        (".klp.rela.ext4.text.ext4_attr_store", "ext4", "text.ext4_attr_store"),
        (".klp.rela.cdrom", nil, nil),
        (".klp.rela..text", nil, nil),
        (".klp.rela.\(String(repeating: "m", count: 56))..text", nil, nil),
    ] as [(String, String?, String?)])
    func relaNames(name: String, object: String?, section: String?) {
        let parsed = KlpRelaName(name)
        #expect(parsed?.object == object)
        #expect(parsed?.section == section)
    }

    @Test("the kernel version comes from the start of a release or vermagic")
    func vermagic() {
        #expect(KernelVersion(release: "6.1.0-56-amd64 SMP preempt mod_unload modversions ") == KernelVersion(major: 6, minor: 1))
        #expect(KernelVersion(release: "6.12.3 SMP") == KernelVersion(major: 6, minor: 12))
        #expect(KernelVersion(release: "6.12.118+deb12-amd64") == KernelVersion(major: 6, minor: 12))
        #expect(KernelVersion(release: "garbage") == nil)
        #expect(KernelVersion(release: "6.") == nil)
        #expect(KernelVersion(release: "6.x1") == nil)
    }

    /// The reload hazard exists on x86 before 6.3 only (no clear_relocate_add()).
    @Test("the reload hazard follows the target kernel's version", arguments: [
        ("6.1.0-56-amd64", true), ("6.2.16", true), ("6.3.0", false), ("6.12.118+deb12-amd64", false),
        ("5.14.0-427.el9.x86_64", true), ("7.0.0", false),
    ])
    func reloadHazard(release: String, hazard: Bool) {
        #expect(TargetKernel(release: release, source: .option).hasReloadHazard == hazard)
        #expect(TargetKernel(release: "unknown", source: .option).hasReloadHazard == nil)
    }

    @Test("cycles are the strongly connected components with more than one module, or a self-loop")
    func cycles() {
        let edges = [SetRules.Edge(from: 0, to: 1, reason: ""), SetRules.Edge(from: 1, to: 2, reason: ""),
                     SetRules.Edge(from: 2, to: 1, reason: ""), SetRules.Edge(from: 3, to: 3, reason: "")]
        #expect(SetRules.stronglyConnected(count: 4, edges: edges) == [[0], [1, 2], [3]])
    }

    @Test("sympos follows klp_find_object_symbol(): 0 needs a unique name, N must exist")
    func sympos() {
        let order = SymbolOrder(object: .vmlinux, source: nil, countingOrder: [
            .init(name: "a", address: 1, type: "t", isLocal: true),
            .init(name: "b", address: 2, type: "t", isLocal: true),
            .init(name: "b", address: 3, type: "t", isLocal: true),
        ])
        #expect(SymbolRules.resolve("a", sympos: 0, in: order) == nil)
        #expect(SymbolRules.resolve("a", sympos: 1, in: order) == nil)
        #expect(SymbolRules.resolve("a", sympos: 2, in: order)?.0 == .klpSymbolPosition)
        #expect(SymbolRules.resolve("b", sympos: 0, in: order)?.0 == .klpSymbolAmbiguous)
        #expect(SymbolRules.resolve("b", sympos: 2, in: order) == nil)
        #expect(SymbolRules.resolve("c", sympos: 0, in: order)?.0 == .klpSymbolMissing)
        #expect(SymbolRules.resolve("b", sympos: 0, in: order)?.1.hasPrefix("unresolvable ambiguity for symbol 'b' in object 'vmlinux'") == true)
    }

    @Test("rule ids are unique")
    func uniqueIDs() {
        #expect(Set(Rule.all.map(\.id)).count == Rule.all.count)
    }
}
