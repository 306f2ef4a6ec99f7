@testable import KernelWorld
import Testing

@Suite("Export consistency")
struct ExportConsistencyTests {
    static let symvers = Result { () throws(KernelWorldError) in
        try ExportTable(contentsOf: Fixture.symvers, displayName: "Module.symvers")
    }

    @Test("the booted kernel's kallsyms has every export Module.symvers lists for vmlinux and loaded modules")
    func bootedKernelMatches() throws {
        let exports = try Self.symvers.get()
        let kallsyms = try Fixture.bootedKernel.get()
        #expect(kallsyms.vmlinux.exportsMissing(from: exports).isEmpty)
        try kallsyms.requireExports(from: exports)
    }

    @Test("each fixture .ko defines every symbol Module.symvers says it exports", arguments: [
        ("kernel/drivers/cdrom/cdrom.ko", 16), ("kernel/drivers/scsi/sr_mod.ko", 0),
        ("kernel/drivers/scsi/scsi_mod.ko", 122), ("kernel/drivers/scsi/scsi_common.ko", 9), ("kernel/fs/fat/fat.ko", 21),
    ])
    func modulesMatch(module: String, exportCount: Int) throws {
        let order = try ModuleSymbolOrder(moduleAt: Fixture.module(module))
        let exports = try Self.symvers.get()
        #expect(exports.exports(ownedBy: order.object).count == exportCount)
        #expect(order.loaded.exportsMissing(from: exports).isEmpty)
        try order.loaded.requireExports(from: exports)
    }

    @Test("exports missing from the order mean the files come from different kernels")
    func mismatch() throws {
        let exports = try ExportTable(parsing: """
            0x1\t_printk\tvmlinux\tEXPORT_SYMBOL\t
            0x2\tnew_in_6_2\tvmlinux\tEXPORT_SYMBOL_GPL\t
            0x3\tcdrom_check_events\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\t
            0x4\tcdrom_gone\tdrivers/cdrom/cdrom\tEXPORT_SYMBOL\t
            """, file: "Module.symvers")
        let kallsyms = try KallsymsTable(parsing: """
            ffffffff81a07e3d T _printk
            ffffffffc0401000 T cdrom_check_events\t[cdrom]
            """, file: "kallsyms")
        #expect(kallsyms.vmlinux.exportsMissing(from: exports).map(\.symbol) == ["new_in_6_2"])
        #expect {
            try kallsyms.requireExports(from: exports)
        } throws: { error in
            (error as? KernelWorldError)?.description ==
                "kallsyms: error: 1 of the 2 symbols that Module.symvers says 'vmlinux' exports are not here (first: 'new_in_6_2', Module.symvers:2); the files come from different kernels, so take both from the target kernel"
        }
        let cdrom = try #require(kallsyms.symbolOrder(of: try ObjectName(normalizing: "cdrom")))
        #expect(cdrom.exportsMissing(from: exports).map(\.symbol) == ["cdrom_gone"])
    }
}
