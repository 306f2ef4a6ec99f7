import KernelWorld
import Livepatch

/// Every message `check` prints, in one place. Each says what is wrong and what to do next; where
/// the kernel has a message for the same failure, it is quoted.
enum Messages {
    static let fixDependency = "'klp-split build' (split parts) or 'klp-split convert' turns such a reference into a klp relocation"

    // MARK: Module format

    static func missingLivepatchMarker() -> String {
        "no livepatch=Y, so the kernel refuses to enable the patch (\"module %s is not marked as a livepatch module\"); add MODULE_INFO(livepatch, \"Y\") to the source"
    }

    static func namesDisagree(modinfo: String?, thisModule: String?) -> String {
        "modinfo name=\(modinfo.map { "'\($0)'" } ?? " is missing") but .gnu.linkonce.this_module says \(thisModule.map { "'\($0)'" } ?? "nothing"); the kernel uses one and kmod the other, so rebuild the module so that both agree"
    }

    static func structPointerGap(_ gap: KlpPointerGap) -> String {
        let member = "struct \(gap.structName).\(gap.member) (offset \(gap.memberOffset))" + (gap.object.map { " of object '\($0)'" } ?? "")
        let what = gap.found.map { "points to \($0)" } ?? "has no relocation, so the kernel reads NULL there"
        return "\(member) \(what); it must point to \(gap.needs); the tool that wrote this module dropped the relocation: rebuild the module (if its klp structs share .data with other data, with KCFLAGS=-fdata-sections)"
    }

    // MARK: Signatures

    static func malformedSignature(_ reason: String) -> String {
        "the module ends in the signature magic but \(reason); the kernel refuses it even without module.sig_enforce (\"Bad message\"): strip the trailer (objcopy, or rebuild) and sign it again with 'klp-split build --sign-key' or scripts/sign-file"
    }

    static func unsigned() -> String {
        "the module is not signed; with module.sig_enforce=1 or under Secure Boot the kernel refuses it (\"Loading of unsigned module is rejected\"): build it with --sign-key KEY --sign-cert CERT, or sign it with the kernel's scripts/sign-file"
    }

    // MARK: Provenance

    static func targetBuild(object: String, recorded: ModuleBuild, actual: ModuleBuild) -> String {
        "this part was built for \(object) \(recorded.modinfoKey)=\(recorded.value), but the kernel world's \(object) is \(actual.modinfoKey)=\(actual.value); its install rule will skip it and \(object) stays unpatched: rebuild the livepatch against this kernel's \(object)"
    }

    static func malformedTargetBuild(key: String, value: String) -> String {
        "\(key)=\(NameDisplay.quoted(value)) is not hexadecimal digits, so it is not a build klp-split recorded; rebuild the part with 'klp-split build'"
    }

    static func mixedBuild(patch: String, digest: String, reference: String, holders: [String]) -> String {
        "this part of '\(patch)' comes from another build (klp_patch_digest \(digest.prefix(16))...) than \(holders.joined(separator: ", ")) (\(reference.prefix(16))...); parts of two builds do not form one patch: install every part of one 'klp-split build' together and remove the stale one"
    }

    static func badRelaName(_ name: String) -> String {
        "the kernel reads this name with sscanf(\".klp.rela.%55[^.]\") and it does not round-trip (\"section %s has an incorrectly formatted name\"); name it .klp.rela.<object>.<section> with an object of at most 55 characters without '.'"
    }

    static func badSymbolName(_ name: String) -> String {
        "the kernel reads this name with sscanf(\".klp.sym.%55[^.].%511[^,],%lu\") and it does not round-trip (\"symbol %s has an incorrectly formatted name\"; for a module object the kernel then refuses to load that module); name it .klp.sym.<object>.<symbol>,<sympos>"
    }

    static func relaType(_ type: String) -> String {
        "type \(type) is not SHT_RELA; livepatch relocation sections are SHT_RELA"
    }

    static func relaFlags(missing: [String]) -> String {
        "lacks \(missing.joined(separator: "|")); livepatch relocation sections need SHF_ALLOC|SHF_INFO_LINK|SHF_RELA_LIVEPATCH (without SHF_RELA_LIVEPATCH the loader applies them as ordinary relocations, without SHF_ALLOC it discards them before livepatch can apply them)"
    }

    static func relaLink(_ link: Int) -> String {
        "sh_link \(link) does not name .symtab; point it at the symbol table"
    }

    static func relaInfo(_ info: Int, actual: String?, expected: String) -> String {
        let what = actual.map { "section [\(info)] '\($0)'" } ?? "no section"
        return "sh_info names \(what), but the name says the relocations apply to '\(expected)'; make sh_info the index of '\(expected)'"
    }

    static func notLivepatchSymbol(_ symbol: String) -> String {
        "symbol '\(symbol)' is not marked as a livepatch symbol (SHN_LIVEPATCH), which the kernel refuses (\"symbol %s is not marked as a livepatch symbol\"); make it .klp.sym.<object>.<symbol>,<sympos> with st_shndx SHN_LIVEPATCH"
    }

    static func livepatchSymbolInOrdinaryRela(_ symbol: String) -> String {
        "an ordinary relocation uses livepatch symbol '\(symbol)', which the module loader leaves at 0; move the relocation into a .klp.rela section"
    }

    static func relaForUnpatchedObject(_ object: String) -> String {
        "the module does not patch '\(object)' (no klp_object names it), so livepatch never applies these relocations and the code keeps unrelocated values; add the object to the patch or use .klp.rela.vmlinux"
    }

    // MARK: Kernel rules

    static func vmlinuxSymbolInModuleRela(_ symbol: String) -> String {
        "invalid access to vmlinux symbol '\(symbol)' from module-specific livepatch relocation section (Linux 5.8 and later refuse this); put relocations to vmlinux symbols in a .klp.rela.vmlinux.* section, or use a normal relocation if the symbol is exported"
    }

    static func moduleSymbolInVmlinuxRela(_ symbol: String, module: String) -> String {
        ".klp.rela.vmlinux sections are applied when the livepatch loads, before module '\(module)' may be loaded, so '\(symbol)' fails with \"symbol '...' not found in symbol table\"; move the relocation to a .klp.rela.\(module).* section"
    }

    static func staticKey(_ symbol: String, module: String) -> String {
        "__jump_table entry uses static key '\(symbol)' of module '\(module)' through a klp relocation, which is applied before the module's jump labels are set up. Use static_key_enabled() instead"
    }

    static func staticCall(_ symbol: String, module: String) -> String {
        ".static_call_sites entry uses static call '\(symbol)' of module '\(module)' through a klp relocation, which is applied before the module's static calls are set up. Use KLP_STATIC_CALL() instead"
    }

    // MARK: Symbols against the target world

    static func unknownObject(_ object: String) -> String {
        "object '\(object)' is not a module of the target kernel, so livepatch never finds its symbols; check the object name and the kernel world (-b/-k)"
    }

    static func symbolNotFound(_ symbol: String, object: ObjectName, source: String?) -> String {
        "symbol '\(symbol)' not found in symbol table of object '\(object)'\(according(source)); the kernel refuses the patch\(lateRefusal(object)), so check the kernel version or the symbol name"
    }

    static func ambiguous(_ symbol: String, object: ObjectName, candidates: [SymbolOccurrence], source: String?) -> String {
        let list = candidates.map { "\($0.position) (\($0.addressDescription))" }.joined(separator: ", ")
        return "unresolvable ambiguity for symbol '\(symbol)' in object '\(object)': sympos 0 needs a unique name, but it occurs \(candidates.count) times\(according(source)), at positions \(list); the kernel refuses the patch\(lateRefusal(object)): use one of those positions"
    }

    static func positionNotFound(_ symbol: String, position: UInt64, object: ObjectName, count: Int, source: String?) -> String {
        "symbol position \(position) for symbol '\(symbol)' in object '\(object)' not found: it occurs \(count) time\(count == 1 ? "" : "s")\(according(source)); the kernel refuses the patch\(lateRefusal(object)): use a position from 1 to \(count), or 0 if it is unique"
    }

    static func crcMismatch(_ symbol: String, built: UInt32, target: UInt32, owner: ObjectName) -> String {
        "'\(symbol)' was built against CRC \(hex(built)) but the target's Module.symvers has \(hex(target)) for \(owner); the loader does not check CRCs of livepatch symbols, so rebuild the livepatch against the target kernel's headers"
    }

    static func noSymbolOrder(_ object: ObjectName) -> String {
        object.isVmlinux
            ? "no vmlinux symbol order was given, so klp symbols and patched functions of vmlinux were not checked; pass --kallsyms, --system-map or --vmlinux (or -b DIR with DIR/proc/kallsyms)"
            : "no .ko of module '\(object)' was found in the kernel world, so its klp symbols and patched functions were not checked; pass -b DIR -k REL with the target's modules"
    }

    static func patchedFunction(_ detail: String) -> String {
        "patched function: \(detail)"
    }

    // MARK: Implicit dependencies

    static func undefinedSymbol(_ symbol: String, owner: String) -> String {
        "undefined symbol '\(symbol)' is exported by module '\(owner)', so loading this livepatch loads and pins '\(owner)' (the loader takes a reference, depmod records the dependency); \(fixDependency)"
    }

    static func versionsEntry(_ symbol: String, owner: String, table: String = "__versions") -> String {
        "\(table) has an entry for '\(symbol)' (exported by module '\(owner)') that no undefined symbol uses, and depmod turns such an entry into a dependency on '\(owner)'; drop the entry ('klp-split build' and 'klp-split convert' do)"
    }

    static func dependsItem(_ module: String) -> String {
        "depends= names module '\(module)': depmod does not read it, but modinfo, packaging and weak-modules tools do, and it says this livepatch needs '\(module)', which a livepatch must not; drop the item ('klp-split build' and 'klp-split convert' rewrite it)"
    }

    static func unexportedSymbol(_ symbol: String, object: ObjectName) -> String {
        "undefined symbol '\(symbol)' is a symbol of '\(object)' that is not exported, so the load fails with \"Unknown symbol\"; it needs a klp relocation (.klp.sym.\(object).\(symbol),<sympos>): \(fixDependency)"
    }

    static func restrictedExport(_ symbol: String, restriction: ModuleRestriction, module: String, owner: ObjectName) -> String {
        "undefined symbol '\(symbol)' is exported only for modules '\(restriction)' (EXPORT_SYMBOL_FOR_MODULES), which do not include '\(module)', so the kernel refuses the load (\"module \"\(module)\" uses symbol \"\(symbol)\", which is exported only for module \"\(restriction)\"\"); make it a klp relocation (.klp.sym.\(owner).\(symbol),0), which livepatch resolves without the namespace check ('klp-split build' and 'klp-split convert' do)"
    }

    static func importsModuleNamespace(_ namespace: String) -> String {
        "import_ns=\(namespace) imports a module namespace, which the kernel refuses (-EPERM, \"module tries to import module namespace\"): only the modules it names may use its symbols; remove the entry"
    }

    static func unknownExport(_ symbol: String, parts: [String]) -> String {
        if !parts.isEmpty {
            let list = parts.map { "'\($0)'" }.joined(separator: ", ")
            return "undefined symbol '\(symbol)' is not exported by the target kernel (Module.symvers); this part depends on \(list) of the same patch, which probably exports it but was not given: check the parts together to verify it"
        }
        return "undefined symbol '\(symbol)' is exported neither by the target kernel (Module.symvers) nor by a module given; the load fails with \"Unknown symbol\" unless a module that exports it (such as the main part) is loaded first, so give that module too"
    }

    // MARK: Sets of parts

    static func interPart(_ from: String, _ to: String, reason: String, fromObjects: [ObjectName], toObjects: [ObjectName]) -> String {
        let mine = fromObjects.map(\.rawValue).joined(separator: ", ")
        let theirs = toObjects.map(\.rawValue).joined(separator: ", ")
        return "part '\(from)' depends on part '\(to)' (\(reason)), but \(mine.isEmpty ? "its patched object" : mine) does not depend on \(theirs); move the shared code into the main part or into '\(from)'"
    }

    static func cycle(_ names: [String]) -> String {
        "modules \(names.joined(separator: " -> ")) -> \(names.first ?? "") depend on each other, so none can be loaded or removed first; break the cycle by moving the shared code into the main part"
    }

    static func duplicateFunction(_ function: String, object: ObjectName, other: String) -> String {
        "patches '\(function)' of '\(object)', which '\(other)' patches too; the later patch silently wins, so patch each function in exactly one module"
    }

    static func duplicateExport(_ symbol: String, others: [String]) -> String {
        "exports '\(symbol)', which \(others.map { "'\($0)'" }.joined(separator: ", ")) export\(others.count == 1 ? "s" : "") too; the second to load fails with \"exports duplicate symbol \(symbol) (owned by ...)\", so export it from exactly one module (klp-split build gives each export of a livepatch to one part)"
    }

    static func multipleReplace(_ others: [String]) -> String {
        "sets replace = true, like \(others.map { "'\($0)'" }.joined(separator: ", ")); each atomic-replace patch disables every other patch, so at most one module may set it (build parts with --no-replace)"
    }

    static func unreadablePatch(_ why: String) -> String {
        "the klp_patch/klp_object description cannot be read (\(why)), so duplicate patched functions and atomic replace were not checked for this module"
    }

    // MARK: Hazards

    static func reloadHazard(version: String, modules: [String]) -> String {
        "the target is x86 Linux \(version) (before 6.3, no clear_relocate_add()), and this module has klp relocations for \(modules.joined(separator: ", ")); reloading such a module while this livepatch is loaded fails with \"Skipping invalid relocation target, existing value is nonzero\". Remove the livepatch before the module, as the modprobe.d policy of 'klp-split build' does"
    }

    static func ppc64TOC16(type: String, symbol: String) -> String {
        "\(type) against '\(symbol)' in a klp relocation section: the ppc64 loader computes it against this module's own TOC (module_64.c my_r2()) and does not range-check TOC16_HA/LO, so the address is silently wrong once '\(symbol)' lies 2 GB or more from that TOC, which nothing guarantees; reach '\(symbol)' through a .toc slot (R_PPC64_ADDR64): declare it extern and not hidden, and rebuild"
    }

    static func ppc64CallWithoutNop(symbol: String) -> String {
        "the 'bl' to '\(symbol)' has no nop after it; the ppc64 loader sends a klp call through a .stubs trampoline and turns that nop into 'ld r2,24(r1)', else the load fails with \"Expected nop after call\" (ENOEXEC); call '\(symbol)' from code where it is an extern function (gcc then emits the nop)"
    }

    static func ppc64StubsReload(modules: [String]) -> String {
        "this module has klp calls into \(modules.joined(separator: ", ")); on ppc64 .stubs is sized once at load (get_stubs_size()) and never cleared (no clear_relocate_add()), and each new address a reloaded target comes back at takes one of its few spare entries; when none is left, stub_for_addr() warns and the kernel refuses to load the module (\"failed to initialize patch\", -ENOENT); reload the livepatch with the module, or keep the module loaded"
    }

    static func ppc64NoStubs() -> String {
        "this ppc64 module has no .stubs section; the loader refuses it (module_64.c module_frob_arch_sections(): \"doesn't contain .stubs\", ENOEXEC); build the module with kbuild (arch/powerpc/include/asm/module.h puts an empty .stubs in every module) and keep the section"
    }

    static func unknownSection(_ name: String) -> String {
        "klp-split does not know section '\(name)': if the kernel walks it as a table of entries (like __jump_table or __dyndbg), this part carries all of them, the other parts' included; report the section, or build the livepatch without it"
    }

    static func partParameters(_ names: [String]) -> String {
        "non-main part has module parameters (\(names.joined(separator: ", "))); they exist once per part and only while that part is loaded, so keep parameters in the main part"
    }

    /// What late module patching does with the same failure (kernel/livepatch/core.c `klp_module_coming()`).
    private static func lateRefusal(_ object: ObjectName) -> String {
        object.isVmlinux ? "" : ", and if '\(object)' loads after the livepatch it refuses to load '\(object)' (\"patch '%s' failed for module '%s', refusing to load module '%s'\")"
    }

    private static func according(_ source: String?) -> String { source.map { " according to \($0)" } ?? "" }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
