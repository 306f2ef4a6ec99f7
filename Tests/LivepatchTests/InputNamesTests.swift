import Livepatch
import Testing

/// `InputNames.moduleName`: which name a module has, and which names it refuses.
@Suite("the module name of an input")
struct InputNamesTests {
    static func modinfo(_ entries: [String]) -> ModuleInfo {
        ModuleInfo(bytes: entries.flatMap { Array($0.utf8) + [0] })
    }

    @Test("name= first, then struct module.name, then the file name as kbuild spells it", arguments: [
        (["name=lp_cdrom", "livepatch=Y"], "lp_cdrom", "x.ko", "lp_cdrom"),
        (["livepatch=Y"], "lp_this", "x.ko", "lp_this"),
        (["livepatch=Y"], nil, "dir/lp-split-v2.ko", "lp_split_v2"),
    ] as [([String], String?, String, String)])
    func chosenName(entries: [String], thisModule: String?, file: String, expected: String) throws {
        #expect(try InputNames.moduleName(file: file, modinfo: Self.modinfo(entries), thisModuleName: thisModule) == expected)
    }

    @Test("a bad name in either place, or in the file name used instead, is refused with its place", arguments: [
        (["name=lp$(id)m"], "lp_cdrom", "lp.ko", "lp.ko: .modinfo: error: module name 'lp$(id)m' contains '$'"),
        (["name=lp_cdrom"], "lp;cdrom", "lp.ko", "lp.ko: .gnu.linkonce.this_module: error: module name 'lp;cdrom' contains ';'"),
        (["name="], nil, "lp.ko", "lp.ko: .modinfo: error: module name is empty"),
        ([], nil, "lp$(id).ko", "lp$(id).ko: file name: error: module name (no .modinfo name=) 'lp$(id)' contains '$'"),
    ] as [([String], String?, String, String)])
    func refused(entries: [String], thisModule: String?, file: String, expected: String) {
        let error = #expect(throws: LivepatchError.self) {
            try InputNames.moduleName(file: file, modinfo: Self.modinfo(entries), thisModuleName: thisModule)
        }
        #expect(error?.kind == .invalidName)
        #expect(error?.message.hasPrefix(expected) == true, "\(String(describing: error))")
    }
}
