import ELF
import KernelWorld
import Livepatch
import Planner

/// The livepatch ELF format of one module: `livepatch=Y`, the module name, and the names, flags
/// and symbols of its klp relocation sections.
///
/// Spec: Documentation/livepatch/module-elf-format.rst §2–§4; kernel/livepatch/core.c
/// `klp_resolve_symbols()`, `klp_write_section_relocs()`; kernel/module/main.c `apply_relocations()`.
enum ModuleFormatRules {
    static func check(_ module: CheckedModule, into findings: inout FindingList) {
        let file = module.file
        if !module.modinfo.isLivepatch {
            findings.add(.modinfoLivepatch, file, ".modinfo", Messages.missingLivepatchMarker())
        }
        checkNames(module, into: &findings)
        let symtab = module.sections.first { $0.type == .symbolTable }?.index
        let objects = module.patch == nil ? nil : Set(module.patchedObjects)
        for table in module.klpRelocationSections {
            let section = table.section
            let parsed = KlpRelaName(section.name)
            if parsed == nil {
                findings.add(.klpRelaName, file, section.name, Messages.badRelaName(section.name))
            }
            if section.type != .rela {
                findings.add(.klpRelaSection, file, section.name, Messages.relaType(section.type.description))
            }
            var missing: [String] = []
            if !section.flags.contains(.alloc) { missing.append("SHF_ALLOC") }
            if !section.flags.contains(.infoLink) { missing.append("SHF_INFO_LINK") }
            if !section.flags.contains(.relaLivepatch) { missing.append("SHF_RELA_LIVEPATCH") }
            if !missing.isEmpty {
                findings.add(.klpRelaSection, file, section.name, Messages.relaFlags(missing: missing))
            }
            if section.link != symtab {
                findings.add(.klpRelaSection, file, section.name, Messages.relaLink(section.link))
            }
            if let parsed {
                let actual = section.info > 0 && section.info < module.sections.count ? module.sections[section.info].name : nil
                if actual != parsed.section {
                    findings.add(.klpRelaSection, file, section.name,
                                 Messages.relaInfo(section.info, actual: actual, expected: parsed.section))
                }
                if let objects, parsed.object != "vmlinux",
                   let object = try? ObjectName(normalizing: parsed.object), !objects.contains(object) {
                    findings.add(.klpRelaObject, file, section.name, Messages.relaForUnpatchedObject(parsed.object))
                }
            }
            var reported: Set<Int> = []
            for entry in table.entries where entry.symbolIndex < module.symbols.count {
                let symbol = module.symbols[entry.symbolIndex]
                if symbol.sectionIndex != .livepatch, reported.insert(symbol.index).inserted {
                    findings.add(.klpRelaSymbol, file, section.name, Messages.notLivepatchSymbol(symbol.name))
                }
            }
        }
        for symbol in module.symbols where symbol.sectionIndex == .livepatch && KlpSymbolName(symbol.name) == nil {
            findings.add(.klpSymName, file, symbol.name.isEmpty ? "symbol \(symbol.index)" : symbol.name,
                         Messages.badSymbolName(symbol.name))
        }
        for gap in module.structGaps {
            findings.add(.klpStructRelocation, file, gap.location, Messages.structPointerGap(gap))
        }
        for table in module.ordinaryRelocationSections {
            var reported: Set<Int> = []
            for entry in table.entries where entry.symbolIndex < module.symbols.count {
                let symbol = module.symbols[entry.symbolIndex]
                if symbol.sectionIndex == .livepatch, reported.insert(symbol.index).inserted {
                    findings.add(.livepatchSymbolInOrdinaryRela, file, "\(table.section.name)+0x\(String(entry.offset, radix: 16))",
                                 Messages.livepatchSymbolInOrdinaryRela(symbol.name))
                }
            }
        }
    }

    /// `.modinfo name=` and `struct module.name` agree. That each is a kbuild name (at most 55
    /// characters of `[A-Za-z0-9_]`) is checked when the module is read (`InputNames`): a module
    /// with any other name is refused, not reported.
    private static func checkNames(_ module: CheckedModule, into findings: inout FindingList) {
        let modinfoName = module.modinfo.value("name")
        // modpost writes name= since v5.3 (MODULE_INFO(name, KBUILD_MODNAME) in <module>.mod.c); older
        // modules have none, and a module without .gnu.linkonce.this_module does not load at all.
        if let modinfoName, let thisModuleName = module.thisModuleName, modinfoName != thisModuleName {
            findings.add(.moduleNameMismatch, module.file, ".gnu.linkonce.this_module",
                         Messages.namesDisagree(modinfo: modinfoName, thisModule: module.thisModuleName))
        }
    }
}
