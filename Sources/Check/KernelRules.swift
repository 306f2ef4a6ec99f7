/// Which objects' symbols a klp relocation section may use, and the special sections that must not
/// use a module's symbols through klp relocations.
///
/// Kernel: kernel/livepatch/core.c `klp_resolve_symbols()` (the v5.8 check, ca376a937486),
/// `klp_apply_section_relocs()` (vmlinux sections are applied at livepatch load, 7c8e2bdd5f0d);
/// kpatch create-diff-object.c and objtool klp-diff.c for `__jump_table` / `.static_call_sites`.
enum KernelRules {
    static func check(_ module: CheckedModule, into findings: inout FindingList) {
        for table in module.klpRelocationSections {
            guard let section = KlpRelaName(table.section.name) else { continue }
            let target = table.targetIndex > 0 && table.targetIndex < module.sections.count
                ? module.sections[table.targetIndex].name : section.section
            var reported: Set<Int> = []
            for entry in table.entries where entry.symbolIndex < module.symbols.count {
                let symbol = module.symbols[entry.symbolIndex]
                guard symbol.sectionIndex == .livepatch, let name = KlpSymbolName(symbol.name),
                      reported.insert(symbol.index).inserted else { continue }
                let location = table.section.name
                if section.object != "vmlinux" && name.object == "vmlinux" {
                    findings.add(.vmlinuxSymbolInModuleRela, module.file, location, Messages.vmlinuxSymbolInModuleRela(name.symbol))
                }
                if section.object == "vmlinux" && name.object != "vmlinux" {
                    findings.add(.moduleSymbolInVmlinuxRela, module.file, location,
                                 Messages.moduleSymbolInVmlinuxRela(name.symbol, module: name.object))
                }
                if name.object != "vmlinux" && target == "__jump_table" {
                    findings.add(.staticKey, module.file, location, Messages.staticKey(name.symbol, module: name.object))
                }
                if name.object != "vmlinux" && target == ".static_call_sites" {
                    findings.add(.staticCall, module.file, location, Messages.staticCall(name.symbol, module: name.object))
                }
            }
        }
    }
}
