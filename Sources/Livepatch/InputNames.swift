import ELF
import KernelWorld

/// Checks every name of an input module that klp-split may write into what it emits, where the
/// name enters: the module name (`.modinfo name=`, `struct module.name`), the section and symbol
/// names, and the names in the patch description (`klp_object.name`, `klp_func.old_name`).
///
/// The input is untrusted and the outputs are installed and run as root (docs/robustness.md):
/// part names end up in file names and in the modprobe.d policy's shell commands, so a name the
/// kernel and kbuild would never produce (`KernelName`) is refused with one line naming the
/// field and the offending character, before anything is planned or written.
package enum InputNames {
    /// The module's own name: `.modinfo name=` (what kmod and depmod use) and `struct module.name`
    /// (what the kernel uses); without either, the file name as kbuild would turn it into one
    /// (`-` to `_`, as `KBUILD_MODNAME`).
    ///
    /// - Returns: the module name: `name=`, else `struct module.name`, else the file name.
    package static func moduleName(file: String, modinfo: ModuleInfo, thisModuleName: String?) throws(LivepatchError) -> String {
        let fix = "rename the module"
        if let name = modinfo.value("name") {
            try check(name, .module, file: file, location: ".modinfo", field: "module name", fix: fix)
        }
        if let thisModuleName {
            try check(thisModuleName, .module, file: file, location: ThisModule.sectionName, field: "module name", fix: fix)
        }
        if let name = modinfo.value("name") ?? thisModuleName { return name }
        let base = String(file.split(separator: "/").last ?? Substring(file))
        let fromFile = String(base.hasSuffix(".ko") ? base.dropLast(3) : Substring(base))
        let name = String(String.UnicodeScalarView(fromFile.unicodeScalars.map { $0 == "-" ? "_" : $0 }))
        try check(name, .module, file: file, location: "file name", field: "module name (no .modinfo name=)",
                  fix: "rename the file or add MODULE_INFO(name, ...)")
        return name
    }

    /// Every section name, and every named symbol except `STT_FILE` ones (source file names,
    /// which nothing emitted interprets): ordinary symbols as `KernelName.symbol`, `SHN_LIVEPATCH`
    /// ones and `.klp.sym.` names as `KernelName.livepatchSymbol` (their structure is a plan or
    /// check finding, not a reason to refuse the module).
    package static func symbolsAndSections(file: String, sections: [Section], symbols: [Symbol]) throws(LivepatchError) {
        for section in sections.dropFirst() {
            try check(section.name, .section, file: file, location: "section [\(section.index)]", field: "section name",
                      fix: "rename the section in the source")
        }
        for symbol in symbols where !symbol.name.isEmpty && symbol.type != .file && symbol.type != .section {
            let klp = symbol.sectionIndex == .livepatch || symbol.name.hasPrefix(".klp.sym.")
            let kind: KernelName = klp ? .livepatchSymbol : .symbol
            try check(symbol.name, kind, file: file, location: ".symtab[\(symbol.index)]", field: "symbol name",
                      fix: "rename the symbol in the source")
        }
    }

    /// `klp_object.name` and `klp_func.old_name` of every object: module and symbol names that
    /// become part names, `.klp.rela`/`.klp.sym` names and policy rules.
    package static func patch(file: String, _ patch: KlpPatch) throws(LivepatchError) {
        for (index, object) in patch.objects.enumerated() {
            let location = "klp_object[\(index)]"
            if let name = object.name {
                try check(name, .module, file: file, location: location, field: "object name",
                          fix: "write the module name as 'modinfo -F name' prints it")
            }
            for (number, function) in object.functions.enumerated() {
                try check(function.oldName, .symbol, file: file, location: "\(location).funcs[\(number)]",
                          field: "patched function name (old_name)", fix: "write the function's name as the kernel's kallsyms lists it")
            }
        }
    }

    private static func check(_ name: String, _ kind: KernelName, file: String, location: String, field: String,
                              fix: String) throws(LivepatchError) {
        if let problem = kind.problem(in: name) {
            throw .invalidName(file, location, field, problem, fix: fix)
        }
    }
}
