import Planner

/// A `.klp.sym.<object>.<symbol>,<sympos>` name that round-trips through the kernel's
/// `sscanf(name, ".klp.sym.%55[^.].%511[^,],%lu", ...)` (kernel/livepatch/core.c
/// `klp_resolve_symbols()`): parsing it and printing it again gives the same name.
package struct KlpSymbolName: Equatable {
    package let object: String
    package let symbol: String
    package let sympos: UInt64

    package init?(_ name: String) {
        guard let parsed = KlpNames.parseSymbol(name),
              KlpNames.symbol(object: parsed.object, name: parsed.symbol, sympos: Int(clamping: parsed.sympos)) == name else {
            return nil
        }
        object = parsed.object
        symbol = parsed.symbol
        sympos = parsed.sympos
    }
}

/// A `.klp.rela.<object>.<section>` name that round-trips through the kernel's
/// `sscanf(secname, ".klp.rela.%55[^.]", sec_objname)`: an object of 1 to 55 characters without
/// '.', then '.', then the name of the section the relocations apply to.
package struct KlpRelaName: Equatable {
    package let object: String
    package let section: String

    package init?(_ name: String) {
        guard let object = KlpNames.parseRelocationSection(name) else { return nil }
        let rest = name.dropFirst(KlpNames.relocationSectionPrefix.count + object.count)
        guard rest.first == ".", rest.count > 1 else { return nil }
        self.object = object
        section = String(rest.dropFirst())
    }
}
