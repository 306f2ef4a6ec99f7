@testable import KernelWorld
import Testing

@Suite("KernelName: the names kbuild and the compilers produce")
struct KernelNameTests {
    @Test("names the kernel and kbuild produce are accepted", arguments: [
        (KernelName.module, "cdrom"), (.module, "lp_cdrom__sr_mod"), (.module, "vmlinux"), (.module, String(repeating: "m", count: 55)),
        (.symbol, "cdrom_mutex"), (.symbol, "sr_do_ioctl.constprop.0"), (.symbol, ".LC7"), (.symbol, String(repeating: "s", count: 511)),
        (.livepatchSymbol, ".klp.sym.cdrom.cdrom_mutex,0"), (.section, ".text.livepatch_cdrom_sysctl_info"),
        (.section, ".klp.rela.cdrom..text.x"), (.section, ".note.gnu.build-id"),
    ])
    func accepts(kind: KernelName, name: String) {
        #expect(kind.problem(in: name) == nil)
    }

    @Test("hostile names are refused with the offending character", arguments: [
        (KernelName.module, "lp$(id)m", "'lp$(id)m' contains '$'"),
        (.module, "lp`id`m", "'lp`id`m' contains '`'"),
        (.module, "lp'm", "'lp\\'m' contains '\\''"),
        (.module, "lp\"m", "'lp\"m' contains '\"'"),
        (.module, "lp;rm", "'lp;rm' contains ';'"),
        (.module, "lp cdrom", "'lp cdrom' contains a space"),
        (.module, "lp\ncdrom", "'lp\\ncdrom' contains a newline ('\\n')"),
        (.module, "../etc", "'../etc' contains '.'"),
        (.module, "lp/cdrom", "'lp/cdrom' contains '/'"),
        (.module, "-r", "'-r' contains '-'"),
        (.module, "lp\u{FFFD}m", "'lp\\u{FFFD}m' contains a byte that is not UTF-8"),
        (.module, "lp\u{1B}[31m", "'lp\\x1B[31m' contains '\\x1B'"),
        (.module, "lp\u{E9}", "'lp\\xE9' contains the non-ASCII character U+00E9"),
        (.module, String(repeating: "m", count: 56), "is 56 bytes, longer than the kernel's 55"),
        (.module, "", "is empty"),
        (.symbol, "foo$(id)", "'foo$(id)' contains '$'"),
        (.symbol, "foo,0", "'foo,0' contains ','"),
        (.symbol, String(repeating: "s", count: 512), "is 512 bytes, longer than the kernel's 511"),
        (.livepatchSymbol, ".klp.sym.cd rom.x,0", "'.klp.sym.cd rom.x,0' contains a space"),
        (.section, ".text;x", "'.text;x' contains ';'"),
    ])
    func refuses(kind: KernelName, name: String, expected: String) throws {
        let problem = try #require(kind.problem(in: name))
        #expect(problem.description.hasSuffix(expected) || problem.description == expected, "\(problem)")
        #expect(!problem.description.contains("\n"))
    }

    @Test("a long name is shown shortened, escaped, on one line")
    func longNameShortened() {
        let shown = NameDisplay.quoted(String(repeating: "\n", count: 200))
        #expect(shown == "'" + String(repeating: "\\n", count: 80) + "...'")
    }
}
