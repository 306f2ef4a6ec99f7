import Planner

/// A rule `klp-split check` enforces: a stable id, a severity, what it checks and the kernel code
/// (or tool behaviour) it mirrors. Every rule is listed in `Rule.all`; its messages are in
/// `Messages.swift`.
package struct Rule: Sendable, Hashable {
    /// The stable id used in output and in `Fixtures/check/<id>.ko`.
    package let id: String
    package let severity: Finding.Severity
    /// One line: what the rule checks.
    package let summary: String

    // MARK: Module format (Documentation/livepatch/module-elf-format.rst)

    /// `check_modinfo_livepatch()` (kernel/module/main.c) and `klp_enable_patch()`'s
    /// "module %s is not marked as a livepatch module".
    package static let modinfoLivepatch = Rule(id: "modinfo-livepatch", severity: .error,
        summary: "`.modinfo` has `livepatch=Y`")
    /// `struct module.name` (offset 24 of `.gnu.linkonce.this_module`) is what the kernel uses;
    /// `.modinfo name=` is what kmod and depmod use.
    package static let moduleNameMismatch = Rule(id: "module-name-mismatch", severity: .error,
        summary: "`.modinfo name=` and `.gnu.linkonce.this_module` name the same module")
    /// kernel/livepatch/core.c `klp_write_section_relocs()`:
    /// `sscanf(secname, ".klp.rela.%55[^.]", sec_objname)`, "section %s has an incorrectly formatted name".
    package static let klpRelaName = Rule(id: "klp-rela-name", severity: .error,
        summary: "every `.klp.rela.<object>.<section>` name round-trips through the kernel's sscanf")
    /// kernel/livepatch/core.c `klp_resolve_symbols()`:
    /// `sscanf(strtab + sym->st_name, ".klp.sym.%55[^.].%511[^,],%lu", ...)`, "symbol %s has an incorrectly formatted name".
    package static let klpSymName = Rule(id: "klp-sym-name", severity: .error,
        summary: "every `SHN_LIVEPATCH` symbol name round-trips through the kernel's sscanf")
    /// module-elf-format.rst §3: `SHT_RELA`, `SHF_ALLOC|SHF_INFO_LINK|SHF_RELA_LIVEPATCH`,
    /// `sh_link` = `.symtab`, `sh_info` = the section the name gives; kernel/module/main.c
    /// `apply_relocations()` dispatches on `SHF_RELA_LIVEPATCH`.
    package static let klpRelaSection = Rule(id: "klp-rela-section", severity: .error,
        summary: "klp relocation sections have the right type, flags, sh_link and sh_info")
    /// kernel/livepatch/core.c `klp_resolve_symbols()`: "symbol %s is not marked as a livepatch symbol".
    package static let klpRelaSymbol = Rule(id: "klp-rela-symbol", severity: .error,
        summary: "every symbol a klp relocation uses is `SHN_LIVEPATCH`")
    /// kernel/module/main.c `simplify_symbols()` leaves `SHN_LIVEPATCH` symbols at 0, so an
    /// ordinary relocation to one writes garbage (klp-convert's NULL dereference, domain notes §3.7).
    package static let livepatchSymbolInOrdinaryRela = Rule(id: "livepatch-symbol-in-ordinary-rela", severity: .error,
        summary: "no ordinary relocation uses an `SHN_LIVEPATCH` symbol")
    /// kernel/livepatch/core.c `klp_apply_object_relocs()` only applies `.klp.rela.<obj>.*` for the
    /// objects of the patch; sections for other objects are never applied.
    package static let klpRelaObject = Rule(id: "klp-rela-object", severity: .error,
        summary: "every `.klp.rela.<object>` names an object the module patches (or vmlinux)")

    /// kernel/livepatch/core.c `klp_enable_patch()` (`!patch->mod || !patch->objs`: -EINVAL),
    /// `klp_init_object()` (`!obj->funcs`), `klp_init_func()` (`!func->old_name`, `!func->new_func`),
    /// `klp_is_module()` (a NULL `obj->name` is vmlinux): every pointer the kernel reads from
    /// `struct klp_patch`, `klp_object`, `klp_func` (or klp-build's `_ext` structs) is relocated to the
    /// right target. Issue 15: a part with 2 of its 6 relocations loaded with "Invalid argument".
    package static let klpStructRelocation = Rule(id: "klp-struct-relocation", severity: .error,
        summary: "every pointer member of klp_patch, klp_object and klp_func is covered by a relocation to the right target")

    // MARK: Kernel rules

    /// kernel/livepatch/core.c `klp_resolve_symbols()` (v5.8, ca376a937486): "invalid access to
    /// vmlinux symbol '%s' from module-specific livepatch relocation section".
    package static let vmlinuxSymbolInModuleRela = Rule(id: "vmlinux-symbol-in-module-rela", severity: .error,
        summary: "no `.klp.sym.vmlinux.*` in a module's `.klp.rela.<module>.*` (v5.8 rule)")
    /// v5.8 (7c8e2bdd5f0d): `.klp.rela.vmlinux.*` is applied when the livepatch loads, before any
    /// module it names may exist, so "symbol '%s' not found in symbol table".
    package static let moduleSymbolInVmlinuxRela = Rule(id: "module-symbol-in-vmlinux-rela", severity: .error,
        summary: "no module symbol in `.klp.rela.vmlinux.*`")
    /// kpatch create-diff-object.c and objtool klp-diff.c: a module's static key is set up after
    /// `klp_module_coming()` applied the relocations: "Use static_key_enabled() instead".
    package static let staticKey = Rule(id: "klp-static-key", severity: .error,
        summary: "no klp relocation from `__jump_table` to a module-owned static key")
    /// The same for static calls: "Use KLP_STATIC_CALL() instead".
    package static let staticCall = Rule(id: "klp-static-call", severity: .error,
        summary: "no klp relocation from `.static_call_sites` to a module-owned static call")

    // MARK: Symbols against the target world (kernel/livepatch/core.c klp_find_object_symbol())

    /// "symbol '%s' not found in symbol table".
    package static let klpSymbolMissing = Rule(id: "klp-symbol-missing", severity: .error,
        summary: "every klp symbol exists in its object of the target kernel")
    /// "unresolvable ambiguity for symbol '%s' in object '%s'".
    package static let klpSymbolAmbiguous = Rule(id: "klp-symbol-ambiguous", severity: .error,
        summary: "sympos 0 only for a name that is unique in its object")
    /// "symbol position %lu for symbol '%s' in object '%s' not found".
    package static let klpSymbolPosition = Rule(id: "klp-symbol-position", severity: .error,
        summary: "a sympos N ≥ 1 names an existing occurrence")
    /// The loader checks `__versions` only for symbols it resolves (kernel/module/version.c
    /// `check_version()`), never for `SHN_LIVEPATCH` ones, so klp-split compares them itself.
    package static let klpCRC = Rule(id: "klp-crc", severity: .error,
        summary: "the `__versions` CRC of a klp symbol matches the target's Module.symvers")
    /// The same three messages of `klp_find_object_symbol()` for `klp_func.old_name`/`old_sympos`
    /// (`klp_init_object_loaded()`).
    package static let patchedFunction = Rule(id: "patched-function", severity: .error,
        summary: "every patched function exists in its object with the given sympos")
    /// Without a symbol order (kallsyms, System.map, vmlinux, the module's .ko) nothing can be checked.
    package static let noSymbolOrder = Rule(id: "no-symbol-order", severity: .warning,
        summary: "the symbol order of an object was not given, so its symbols were not checked")

    // MARK: Implicit dependencies (domain notes §7)

    /// kernel/module/main.c `resolve_symbol_wait()` → `ref_module()` for every `SHN_UNDEF` symbol;
    /// kmod depmod records every undefined symbol and every unmatched `__versions` entry; modpost
    /// writes `depends=`.
    package static let implicitDependency = Rule(id: "implicit-dependency", severity: .error,
        summary: "no undefined symbol, `__versions` entry or `depends=` item ties the livepatch to a module")
    /// kernel/module/main.c `resolve_symbol()` finds only exported symbols: "Unknown symbol".
    package static let unexportedSymbol = Rule(id: "unexported-symbol", severity: .error,
        summary: "no undefined symbol names an unexported symbol of vmlinux or of a module")
    /// kernel/module/main.c `verify_namespace_is_imported()`: a symbol exported with
    /// `EXPORT_SYMBOL_FOR_MODULES` (namespace `module:<list>`) resolves only for a module the list
    /// names (`ModuleRestriction`); `setup_modinfo()` refuses `import_ns=module:...` with -EPERM
    /// ("module tries to import module namespace").
    package static let restrictedExport = Rule(id: "restricted-export", severity: .error,
        summary: "no undefined symbol is an export restricted to other modules, and no `import_ns=` names a `module:` namespace")
    /// An undefined symbol nobody exports: "Unknown symbol" at load time unless a module not given exports it.
    package static let unknownExport = Rule(id: "unknown-export", severity: .warning,
        summary: "every undefined symbol is exported by the target kernel or by a module given")

    // MARK: Sets of parts

    /// Joe Lawrence's rule for case D (domain notes §2.4): a part may need another part only when
    /// their patched modules have the same dependency (modules.dep through libkmod).
    package static let interPartDependency = Rule(id: "inter-part-dependency", severity: .error,
        summary: "a part depends on another part only when its patched module depends on that part's module")
    /// Parts that need each other cannot be loaded (or removed) in any order.
    package static let dependencyCycle = Rule(id: "dependency-cycle", severity: .error,
        summary: "the dependencies between the modules have no cycle")
    /// kernel/livepatch/core.c: two patches of one function stack (`klp_ops.func_stack`); the newer
    /// silently wins, so the set is not what either module says.
    package static let duplicateFunction = Rule(id: "duplicate-function", severity: .error,
        summary: "no two modules patch the same function of the same object")
    /// kernel/module/main.c `verify_exported_symbols()`: a module exporting a name another loaded
    /// module exports fails to load, "%s: exports duplicate symbol %s (owned by %s)" (-ENOEXEC).
    /// Issue 16: `build` gives each export of the livepatch to exactly one part.
    package static let duplicateExport = Rule(id: "duplicate-export", severity: .error,
        summary: "no two modules export the same symbol")
    /// Documentation/livepatch/cumulative-patches.rst: a replace=true patch disables every other.
    package static let multipleReplace = Rule(id: "multiple-replace", severity: .error,
        summary: "at most one module sets `replace = true`")
    /// Issue 17: parts of two builds of one patch are not one patch; `klp-split build` records the
    /// input's digest in every part (`klp_patch_digest`).
    package static let mixedBuild = Rule(id: "mixed-build", severity: .error,
        summary: "the parts of one patch come from one build (the same klp_patch_digest)")
    /// Issue 17, kpatch issue 1435: a part made for another build of its module patches code it was
    /// not written for; its install rule skips it, so it would never patch this kernel.
    package static let targetBuild = Rule(id: "target-build", severity: .error,
        summary: "a module part was built for the build of its module that the kernel world holds")
    /// The klp_patch/klp_object description could not be read, so the set rules skip the module.
    package static let unreadablePatch = Rule(id: "unreadable-patch", severity: .warning,
        summary: "the klp_patch/klp_object description of every module could be read")

    // MARK: Hazards

    /// x86 before v6.3 lacks `clear_relocate_add()` (0c05e7bd2d01): reloading a module a loaded
    /// livepatch has klp relocations for fails with "Skipping invalid relocation target, existing
    /// value is nonzero".
    package static let moduleReloadHazard = Rule(id: "module-reload-hazard", severity: .warning,
        summary: "on x86 before 6.3, a module with klp relocations for a module blocks that module's reload")
    /// Module parameters of a part exist once per part and only while it is loaded.
    package static let partParameters = Rule(id: "part-parameters", severity: .warning,
        summary: "non-main parts have no module parameters")

    // MARK: ppc64le (arch/powerpc/kernel/module_64.c, 6.12)

    /// `apply_relocate_add()` computes TOC16* against the loading module's TOC (`my_r2()`) and
    /// does not range-check TOC16_HA/TOC16_LO: in `.klp.rela` the address is silently wrong once the
    /// target lies 2 GB or more from that TOC (harness/ppc64le/run.sh saw it right, within 1 MB).
    package static let ppc64TOC16KlpRela = Rule(id: "ppc64-toc16-klp-rela", severity: .error,
        summary: "ppc64le: no R_PPC64_TOC16* relocation in a `.klp.rela` section")
    /// `restore_r2()`: "Expected nop after call, got %08x", ENOEXEC.
    package static let ppc64CallWithoutNop = Rule(id: "ppc64-klp-call-without-nop", severity: .error,
        summary: "ppc64le: every `bl` with a klp relocation (R_PPC64_REL24) is followed by a nop")
    /// `get_stubs_size()` sizes `.stubs` once at load, `stub_for_addr()` takes a new stub for each
    /// new target address, and ppc64 has no `clear_relocate_add()`; when no entry is left the kernel
    /// refuses the module (harness/ppc64le/run.sh: the vfat part served 5 vfat addresses).
    package static let ppc64StubsReload = Rule(id: "ppc64-stubs-reload", severity: .warning,
        summary: "ppc64le: klp calls into a module take a `.stubs` slot per address the module is loaded at")
    /// `module_frob_arch_sections()`: "%s: doesn't contain .stubs.", ENOEXEC; the loader puts every
    /// call to another module (klp ones included) and the ftrace trampolines there.
    package static let ppc64NoStubs = Rule(id: "ppc64-no-stubs", severity: .error,
        summary: "ppc64le: every module has a `.stubs` section")

    /// klp-split knows the sections it splits (Planner `SectionRole.isKnown`); a part holding any
    /// other allocated section may carry a table the kernel walks whole, other parts' entries
    /// included (issue 19).
    package static let unknownSection = Rule(id: "unknown-section", severity: .warning,
        summary: "every allocated section of a part is one klp-split knows how to split")

    // MARK: Signatures

    /// kernel/module/signing.c `module_sig_check()`: a module that ends in the signature magic but
    /// whose trailer or PKCS#7 the kernel cannot parse is refused even when signatures are not
    /// required ("All other errors are fatal, including lack of memory, unparseable signatures,
    /// and signature check failures -- even if signatures aren't required"; insmod reports
    /// "Bad message", -EBADMSG, from `mod_check_sig()` or `pkcs7_parse_message()`).
    package static let malformedSignature = Rule(id: "malformed-signature", severity: .error,
        summary: "a module that ends in `~Module signature appended~` has a trailer and a PKCS#7 signature the kernel can parse")
    /// With `--require-signature`: under `module.sig_enforce=1` (or Secure Boot lockdown)
    /// `module_sig_check()` refuses an unsigned module ("Loading of unsigned module is rejected").
    package static let signatureRequired = Rule(id: "signature-required", severity: .error,
        summary: "with --require-signature, every module is signed")

    // MARK: Coupling between parts (issue 17, docs/concepts.md "The consistency window")

    /// The coupling rules of `CouplingAnalysis` (Planner), shared with `plan`: warnings, errors
    /// with `--strict`, dropped with `--accept-coupling RULE:SYMBOL=REASON`.
    package static let coupling: [Rule] = CouplingRule.allCases.map { Rule(id: $0.rawValue, severity: .warning, summary: $0.summary) }

    /// Every rule, in the order of the documentation.
    package static let all: [Rule] = [
        modinfoLivepatch, moduleNameMismatch, klpRelaName, klpSymName, klpRelaSection,
        klpRelaSymbol, livepatchSymbolInOrdinaryRela, klpRelaObject, klpStructRelocation,
        vmlinuxSymbolInModuleRela, moduleSymbolInVmlinuxRela, staticKey, staticCall,
        klpSymbolMissing, klpSymbolAmbiguous, klpSymbolPosition, klpCRC, patchedFunction, noSymbolOrder,
        implicitDependency, unexportedSymbol, restrictedExport, unknownExport,
        interPartDependency, dependencyCycle, duplicateFunction, duplicateExport, mixedBuild, targetBuild, multipleReplace, unreadablePatch,
        moduleReloadHazard, partParameters, unknownSection, malformedSignature, signatureRequired,
        ppc64TOC16KlpRela, ppc64CallWithoutNop, ppc64StubsReload, ppc64NoStubs,
    ] + coupling
}
