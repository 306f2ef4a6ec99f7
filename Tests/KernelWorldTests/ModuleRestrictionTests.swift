@testable import KernelWorld
import Testing

/// `EXPORT_SYMBOL_FOR_MODULES` namespaces (`module:<list>`, 6.16 and later) and the string-literal
/// namespaces of 6.13 and later, read from `Fixtures/symvers/namespaces-6.17.symvers`.
@Suite("module-restricted exports")
struct ModuleRestrictionTests {
    static let fragment = Fixture.root + "/Fixtures/symvers/namespaces-6.17.symvers"

    /// kernel/module/main.c `verify_module_namespace()`/`module_match()` with `mod_strncmp()`.
    @Test("a module name matches the list as the kernel matches it", arguments: [
        ("module:kvm", "kvm", true),
        ("module:kvm", "kvm_intel", false),             // no glob: the whole name
        ("module:kvm,kvm-*", "kvm_amd", true),          // tail glob, '-' and '_' equal
        ("module:kvm-*", "kvm", false),                 // the glob needs the '-'
        ("module:xe-vfio-pci", "xe_vfio_pci", true),
        ("module:cdrom,sr-*", "lp_cdrom__cdrom", false),
        ("module:lp-cdrom__*", "lp_cdrom__cdrom", true),
        ("module:*", "anything", true),
        ("module:", "kvm", false),
        ("module:kvm,", "kvm", true),
    ])
    func matching(namespace: String, module: String, allowed: Bool) throws {
        let restriction = try #require(ModuleRestriction(namespace: namespace))
        #expect(restriction.allows(module) == allowed)
    }

    @Test("ordinary namespaces and no namespace restrict nothing", arguments: ["CXL", "CRYPTO_INTERNAL", "MODULE_kvm", ""])
    func ordinary(namespace: String) {
        #expect(ModuleRestriction(namespace: namespace) == nil)
    }

    @Test("a 6.17 Module.symvers reads the same on both paths, namespaces verbatim")
    func fragment() throws {
        let text = String(decoding: try TextFile(contentsOf: Self.fragment).bytes, as: UTF8.self)
        #expect(IndexedSymvers(file: TextFile(name: "s", text: text)) != nil, "modpost's exact form takes the fast path")
        let fast = try ExportTable(parsing: text, file: "s")
        let general = try ExportTable(parsing: text.replacingOccurrences(of: "\n", with: "\r\n"), file: "s")
        #expect(fast.exports == general.exports)
        let namespaces = fast.exports.map { "\($0.symbol)=\($0.namespace ?? "")" }
        #expect(namespaces == ["snp_shutdown=module:ccp", "__filemap_add_folio=module:kvm", "xe_sriov_vfio_get_pf=module:xe-vfio-pci",
                               "cxl_port_map_cache_id_rt=module:cxl_port", "kvm_glob_example=module:kvm,kvm-*",
                               "insert_resource_expand_to_fit=CXL", "seq_printf="])
        #expect(fast.lookup("xe_sriov_vfio_get_pf").unique?.owner.rawValue == "xe")
        #expect(fast.lookup("kvm_glob_example").unique?.moduleRestriction?.patterns == ["kvm", "kvm-*"])
        #expect(fast.lookup("insert_resource_expand_to_fit").unique?.moduleRestriction == nil)
    }
}
