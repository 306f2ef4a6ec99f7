import ELF
import Livepatch

/// Module parameters (`module_param()`) across the split.
///
/// `module_param(name, type, perm)` puts a `struct kernel_param` into `__param` whose `.arg` points to
/// the variable (include/linux/moduleparam.h). `__param` is module plumbing, which every part
/// carries, so every part gets its own copy of the variable and of the parameter: `insmod PART.ko
/// name=value` and `/sys/module/PART/parameters/name` set that part's copy only. A variable read by
/// the code of several parts (`pre_patch_ret`, read by the callbacks of every object of
/// lib/livepatch/test_klp_callbacks_demo.c) is therefore NOT shared state: each part's code reads
/// its own part's parameter, which is set where that part is loaded. One value set on the combined
/// module becomes one value per part, so `plan` warns (`module-parameter`) and names the parts.
extension PlanningContext {
    /// Writable sections that a `__param` entry points to (each parameter's variable).
    func moduleParameterSections(_ roles: [SectionRole]) -> Set<Int> {
        var result: Set<Int> = []
        for table in livepatch.relocationSections where livepatch.sections[table.targetIndex].name == "__param" {
            for entry in table.entries where entry.symbolIndex > 0 && entry.symbolIndex < livepatch.symbols.count {
                let symbol = livepatch.symbols[entry.symbolIndex]
                guard symbol.isDefinedInSection else { continue }
                let section = Int(symbol.sectionIndex.rawValue)
                if section < roles.count, roles[section] == .content, livepatch.sections[section].flags.contains(.write) {
                    result.insert(section)
                }
            }
        }
        return result
    }

    /// Every parameter's variable goes into every part (each part has the parameter); a variable the
    /// code of several parts reads is reported.
    mutating func duplicateModuleParameters(_ ownership: inout Ownership, roles: [SectionRole], partCount: Int) {
        guard partCount > 1 else { return }
        for section in moduleParameterSections(roles).sorted() {
            let readers = ownership.partsCarrying(section: section)
            ownership.owners[section] = .duplicated(Set(0..<partCount))
            guard readers.count > 1 else { continue }
            let symbol = livepatch.symbols.first { Int($0.sectionIndex.rawValue) == section && $0.type == .object }?.name
                ?? livepatch.sections[section].name
            let names = readers.sorted().map { partNames[$0] }
            warn("module-parameter", livepatch.sections[section].name,
                 "module parameter '\(symbol)' is read by parts \(names.joined(separator: ", ")); each part gets its own copy, so set it on every one of them (insmod PART.ko \(symbol)=VALUE, or /sys/module/PART/parameters/\(symbol)), not once as on the combined module")
        }
    }

    /// `struct klp_state` (`klp_patch.states`) belongs to the patch, not to an object: the kernel's
    /// compatibility check (kernel/livepatch/state.c `klp_is_patch_compatible()`) and
    /// `klp_get_state()`/`klp_get_prev_state()` work per `klp_patch`. Split into parts, each part is
    /// its own patch: copying the states into every part makes each part a separate owner of each
    /// state (part 2's `klp_get_prev_state()` finds part 1's copy), so the callbacks that manage a
    /// state run once per part. That changes the patch's meaning, so it needs `--states-in-every-part`.
    mutating func checkStates(partCount: Int) {
        guard livepatch.patch.hasStates, partCount > 1 else { return }
        if input.statesInEveryPart {
            note("klp-state", "klp_patch.states",
                 "--states-in-every-part: every part declares the patch's klp_state array as its own; each part's klp_get_state() returns its own copy, and a later part's klp_get_prev_state() finds an earlier part's")
        } else {
            fail("klp-state", "klp_patch.states",
                 "the patch declares klp_state entries, which belong to one klp_patch; split into \(partCount) parts, each part would be a separate owner of each state (a later part's klp_get_prev_state() finds an earlier part's copy); pass --states-in-every-part to accept that, or give each state to a patch of one object")
        }
    }
}
