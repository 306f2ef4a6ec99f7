import Planner

/// How the parts get loaded: `load-order` (eager mode) and a modprobe.d file (`<patch>.conf`) with
/// on-demand loading (`install <module>` rules) and safe removal (`remove <module>` rules).
///
/// Facts behind the rules (shared/kernel-lab README, "Load-policy facts"): only one livepatch
/// transition runs at a time, so every step waits until no `/sys/kernel/livepatch/*/transition` is 1;
/// kmod's modprobe honours `softdep`/`install`/`remove` (busybox's does not); x86 kernels before
/// v6.3 lack `clear_relocate_add()` (commit 0c05e7bd2d01), so a module cannot be loaded again while a
/// part holding klp relocations for it stays loaded ("Skipping invalid relocation target, existing
/// value is nonzero"): the part must be disabled and removed before the module goes.
package enum LoadPolicy {
    /// Eager mode: every part, in an order that loads each part after the parts it needs.
    package static func loadOrder(_ plan: Plan) -> [String] {
        var order: [String] = []
        var pending = plan.parts.sorted { ($0.isMain ? 0 : 1, $0.name) < ($1.isMain ? 0 : 1, $1.name) }
        while !pending.isEmpty {
            let ready = pending.firstIndex { part in part.dependsOn.allSatisfy(order.contains) } ?? 0
            order.append(pending.remove(at: ready).name)
        }
        return order
    }

    /// The load-order file: one module file per line, with a comment saying how to use it.
    package static func loadOrderFile(_ plan: Plan) -> String {
        var lines = [
            "# load-order for livepatch '\(plan.patch)', written by klp-split.",
            "# Eager mode: insmod (or modprobe) each part in this order, waiting until",
            "# /sys/kernel/livepatch/<part>/transition is 0 before the next one.",
        ]
        lines += loadOrder(plan).map { "\($0).ko" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Waits (up to 60 s) until no livepatch is in transition; POSIX sh, busybox-compatible.
    static let waitTransitions =
        "i=0; while grep -qs 1 /sys/kernel/livepatch/*/transition && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"

    /// Disables a part and waits until the kernel has released it, then removes it.
    static func unloadPart(_ part: String) -> String {
        let directory = "/sys/kernel/livepatch/\(part)"
        return "if [ -d \(directory) ]; then \(waitTransitions); echo 0 > \(directory)/enabled; "
            + "i=0; while { [ -d \(directory) ] || [ \"$(cat /sys/module/\(part)/refcnt 2>/dev/null || echo 0)\" != 0 ]; } && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; fi; "
            + "/sbin/modprobe -r --ignore-remove \(part) 2>/dev/null || true"
    }

    /// The modprobe.d file.
    package static func modprobeConf(_ plan: Plan, dependencies: [String: [String]]) -> String {
        let main = plan.parts.first { $0.isMain }
        var lines = [
            "# modprobe.d rules for livepatch '\(plan.patch)', written by klp-split. Needs kmod's modprobe",
            "# (busybox modprobe ignores softdep/install/remove). Install the parts where depmod finds them",
            "# (for example /lib/modules/$(uname -r)/updates/), run depmod, and copy this file to",
            "# /etc/modprobe.d/.",
            "#",
            "# Eager mode: load every part up front (see load-order); nothing pins the patched modules.",
            "# On-demand mode: load only the main part; each part follows its module (an install rule on the",
            "# module, not 'softdep ... post:': kmod's 'modprobe -r' removes post-softdeps before it runs the",
            "# module's remove rule, and fails on the part, which an enabled livepatch keeps in use).",
            "# Every step waits for running livepatch transitions: the kernel runs one at a time.",
            "#",
            "# Reload hazard on x86 before v6.3: a module cannot be loaded again while a part holding",
            "# klp relocations for it is loaded (\"Skipping invalid relocation target, existing value is",
            "# nonzero\"). So removing a patched module first disables and removes its part (and the parts",
            "# of the modules its removal can take along); loading the module again brings the part back.",
        ]
        let moduleParts = plan.parts.filter { !$0.isMain }
        for part in moduleParts {
            let module = part.object
            var load: [String] = [waitTransitions]
            if let main { load.append("/sbin/modprobe \(main.name)") }
            load.append("/sbin/modprobe --ignore-install \(part.name) && { \(waitTransitions); }")
            lines.append("")
            lines.append("# \(module): patched by \(part.name)")
            lines.append("install \(module) /sbin/modprobe --ignore-install \(module) $CMDLINE_OPTS && /sbin/modprobe \(part.name)")
            lines.append("install \(part.name) /bin/sh -c '\(load.joined(separator: "; "))'")
            // Parts whose modules this module's removal may also remove (its dependencies).
            let affected = [part] + moduleParts.filter { other in
                other.name != part.name && (dependencies[module] ?? []).contains(other.object)
            }
            var remove = affected.map { unloadPart($0.name) }
            remove.append("/sbin/modprobe -r --ignore-remove \(module)")
            remove.append("rc=$?")
            for other in affected where other.name != part.name {
                remove.append("if [ -d /sys/module/\(other.object) ]; then /sbin/modprobe \(other.name); fi")
            }
            remove.append("exit $rc")
            lines.append("remove \(module) /bin/sh -c '\(remove.joined(separator: "; "))'")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
