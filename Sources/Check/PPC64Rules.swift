import ELF
import Livepatch

/// The ppc64le (ELFv2) rules over klp relocations, as arch/powerpc/kernel/module_64.c (6.12)
/// applies them: `apply_relocate_add()`, `restore_r2()`, `stub_for_addr()`, `get_stubs_size()`.
/// No-op for other architectures.
enum PPC64Rules {
    static func check(_ module: CheckedModule, into findings: inout FindingList) {
        guard module.architecture == .ppc64le else { return }
        if !module.sections.contains(where: { $0.name == ".stubs" }) {
            findings.add(.ppc64NoStubs, module.file, nil, Messages.ppc64NoStubs())
        }
        var reloadTargets: [String] = []
        var firstStubbed: String?
        for table in module.klpRelocationSections {
            for entry in table.entries {
                guard let type = PPC64Relocation(rawValue: entry.type) else { continue }
                let location = "\(table.section.name)+0x\(String(entry.offset, radix: 16))"
                let name = entry.symbolIndex < module.symbols.count ? module.symbols[entry.symbolIndex].name : "#\(entry.symbolIndex)"
                if type.isTOCRelative {
                    findings.add(.ppc64TOC16KlpRela, module.file, location, Messages.ppc64TOC16(type: module.architecture.relocationName(type: entry.type), symbol: name))
                } else if type.isStubbedCall {
                    if module.callsWithoutNop.contains(Location(section: table.targetIndex, offset: entry.offset)) {
                        findings.add(.ppc64CallWithoutNop, module.file, location, Messages.ppc64CallWithoutNop(symbol: name))
                    }
                    if let object = KlpRelaName(table.section.name)?.object, object != "vmlinux" {
                        if !reloadTargets.contains(object) { reloadTargets.append(object) }
                        firstStubbed = firstStubbed ?? table.section.name
                    }
                }
            }
        }
        if let firstStubbed {
            findings.add(.ppc64StubsReload, module.file, firstStubbed, Messages.ppc64StubsReload(modules: reloadTargets))
        }
    }
}
