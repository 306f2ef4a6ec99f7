import KernelWorld
import ELF

/// The modprobe.d policy of a split livepatch as values: the patch, its main part and, for every
/// patched module, the part that follows it. `text` writes the file `klp-split build` emits and
/// `parse(_:file:)` reads one back, accepting it only when it is exactly what `text` would write.
///
/// kmod's modprobe runs the `install` and `remove` commands as root through `/bin/sh -c` every
/// time a patched module is loaded or removed (modprobe.d(5)), so the policy is safe by
/// construction: it holds only names that are valid kbuild names (`KernelName.module`: no shell
/// metacharacter, quote, space, newline or leading `-`), and every name placed into shell text
/// also goes through `ShellQuoting.word(_:)`.
package struct ModprobePolicy: Sendable, Equatable {
    /// One patched module and its part.
    package struct Rule: Sendable, Equatable {
        /// The patched module (the part's object).
        package let module: String
        /// The part that patches it, `<patch>__<module>`.
        package let part: String
        /// Parts of the other modules that removing `module` can take along (its dependencies):
        /// removed first, loaded again if their module stays.
        package let alsoRemoved: [Removal]
        /// The build of `module` the part was made for (`BuildProvenance`): the part's install
        /// rule loads it only into that build. Nil when the world had no file of the module.
        package let target: ModuleBuild?

        package init(module: String, part: String, alsoRemoved: [Removal], target: ModuleBuild? = nil) {
            self.module = module
            self.part = part
            self.alsoRemoved = alsoRemoved
            self.target = target.flatMap { ModuleBuild(modinfoKey: $0.modinfoKey, value: $0.value) }
        }
    }

    /// A part and its module.
    package struct Removal: Sendable, Equatable {
        package let part: String
        package let module: String

        package init(part: String, module: String) {
            self.part = part
            self.module = module
        }
    }

    /// The livepatch's module name.
    package let patch: String
    /// The part that patches vmlinux (named like the patch), when there is one.
    package let mainPart: String?
    package let rules: [Rule]
    /// Whether the target kernel has the reload hazard (x86 before v6.3, no `clear_relocate_add()`;
    /// `TargetKernel.hasReloadHazard`, true when unknown): only then does removing a patched module
    /// take its part out first (`remove` rules). From v6.3 the kernel clears the part's klp
    /// relocation targets when the module goes and applies them again when it comes back, so the
    /// policy leaves removal alone.
    package let reloadHazard: Bool
    /// Whether the target is ppc64 (`Architecture.ppc64le`): no x86 reload hazard (module_64.c
    /// `apply_relocate_add()` overwrites a part's klp relocation targets when its module comes
    /// back; harness/ppc64le/run.sh reloads vfat under its part), but `.stubs` is sized once at load
    /// (`get_stubs_size()`, no `clear_relocate_add()`), which the header tells.
    package let stubsLimit: Bool
    /// The build's `klp_patch_digest` (`BuildProvenance.digest`): a part's install rule loads it
    /// only when the part on disk and the loaded main part carry this digest. Nil: no such check.
    package let digest: String?

    /// Refuses any name that is not a kbuild name, so no value can change the shell text. A digest
    /// or target build that is not hexadecimal digits is left out (`BuildProvenance` never makes one).
    package init(patch: String, mainPart: String?, rules: [Rule], reloadHazard: Bool = true,
                 stubsLimit: Bool = false, digest: String? = nil) throws(NameProblem) {
        for name in [patch] + (mainPart.map { [$0] } ?? []) + rules.flatMap({ [$0.module, $0.part] + $0.alsoRemoved.flatMap { [$0.part, $0.module] } }) {
            if let problem = KernelName.module.problem(in: name) { throw problem }
        }
        self.patch = patch
        self.mainPart = mainPart
        self.rules = rules
        self.reloadHazard = reloadHazard
        self.stubsLimit = stubsLimit
        self.digest = digest.flatMap { ModuleBuild(modinfoKey: ModuleBuild.buildIDKey, value: $0)?.value }
    }

    // MARK: Writing

    /// The modprobe.d file. It holds no backslash: kmod's reader drops them (`ShellQuoting.message`).
    ///
    /// The module's own `install` rule loads the module first and the part after it, and the part
    /// cannot change its exit status: a part that fails is reported to the kernel log
    /// (`/dev/kmsg`), and the module stays loaded. The part's rule waits for every livepatch
    /// transition before and after loading the main part, since the kernel runs one at a time and
    /// refuses a second with -EBUSY.
    package var text: String {
        var lines = Self.header(patch: patch, reloadHazard: reloadHazard, stubsLimit: stubsLimit)
        if let digest { lines.append("# \(PartProvenanceKey.digest): \(digest)") }
        for rule in rules {
            lines.append("")
            lines.append("# \(rule.module): patched by \(rule.part)")
            if let target = rule.target { lines.append("# \(rule.module): \(target.modinfoKey)=\(target.value)") }
            lines.append("install \(rule.module) /sbin/modprobe --ignore-install \(q(rule.module)) $CMDLINE_OPTS && { /sbin/modprobe \(q(rule.part)) || \(Self.report(part: rule.part, module: rule.module)); }")
            var load = [Self.waitTransitions]
            if let mainPart { load += ["/sbin/modprobe \(q(mainPart))", Self.waitTransitions] }
            load += guards(rule)
            load.append("/sbin/modprobe --ignore-install \(q(rule.part)) && { \(Self.waitTransitions); }")
            lines.append("install \(rule.part) /bin/sh -c \(q(load.joined(separator: "; ")))")
            guard reloadHazard else { continue }
            var remove = ([rule.part] + rule.alsoRemoved.map(\.part)).map(Self.unloadPart)
            remove.append("/sbin/modprobe -r --ignore-remove \(q(rule.module))")
            remove.append("rc=$?")
            remove += rule.alsoRemoved.map(Self.reload)
            remove.append("exit $rc")
            lines.append("remove \(rule.module) /bin/sh -c \(q(remove.joined(separator: "; ")))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The checks a part's install rule runs before it loads the part, each of which logs its reason
    /// and stops: the part on disk and the loaded main part are of this build (`digest`), and the
    /// running module, when loaded, is the build the part was made for (`Rule.target`).
    private func guards(_ rule: Rule) -> [String] {
        var checks: [(test: String, reason: String)] = []
        if let digest {
            checks.append(("[ \"$(/sbin/modinfo -F \(PartProvenanceKey.digest) \(q(rule.part)) 2>/dev/null)\" = \(digest) ]",
                           "\(rule.part) on disk is not from the build of this policy (\(PartProvenanceKey.digest) \(digest))"))
            if let mainPart {
                checks.append(("[ \"$(\(Self.noteHex("/sys/module/\(mainPart)/notes/\(BuildProvenance.noteSection)", bytes: 32)))\" = \(digest) ]",
                               "the loaded \(mainPart) is not from the build of this policy (\(PartProvenanceKey.digest) \(digest))"))
            }
        }
        if let target = rule.target {
            let running: String
            switch target {
            case .buildID(let hex):
                running = Self.noteHex("/sys/module/\(rule.module)/notes/\(GNUBuildID.sectionName)", bytes: hex.utf8.count / 2)
            case .srcversion:
                running = "cat \(q("/sys/module/\(rule.module)/srcversion")) 2>/dev/null"
            }
            checks.append(("[ ! -d \(q("/sys/module/\(rule.module)")) ] || [ \"$(\(running))\" = \(target.value) ]",
                           "the running \(rule.module) is not the build the part was made for (\(target.modinfoKey) \(target.value))"))
        }
        return checks.map { check in
            "if ! { \(check.test); }; then { echo \(ShellQuoting.message("klp-split: livepatch part \(rule.part) not loaded: \(check.reason)")) > /dev/kmsg; } 2>/dev/null; exit 1; fi"
        }
    }

    /// The last `bytes` bytes of a sysfs note file (its descriptor) in lower-case hexadecimal
    /// (`tr -dc 0-9a-f` keeps the digits: the policy holds no backslash, see `ShellQuoting.message`).
    static func noteHex(_ path: String, bytes: Int) -> String {
        "tail -c \(bytes) \(ShellQuoting.word(path)) 2>/dev/null | od -An -v -tx1 | tr -dc 0-9a-f"
    }

    /// Writes why a part did not load to the kernel log; never fails.
    static func report(part: String, module: String) -> String {
        "{ echo \(ShellQuoting.word("klp-split: livepatch part \(part) did not load; \(module) is loaded but not patched")) > /dev/kmsg; } 2>/dev/null || true"
    }

    private func q(_ value: String) -> String { ShellQuoting.word(value) }

    /// The first line of the ppc64 note in `header`.
    static let stubsLimitLine = "# No reload hazard on ppc64: the loader overwrites a part's klp relocation targets when its"

    static func header(patch: String, reloadHazard: Bool, stubsLimit: Bool) -> [String] {
        [
            "# modprobe.d rules for livepatch '\(patch)', written by klp-split. Needs kmod's modprobe",
            "# (busybox modprobe ignores softdep/install/remove). Install the parts where depmod finds them",
            "# (for example /lib/modules/$(uname -r)/updates/), run depmod, and copy this file to",
            "# /etc/modprobe.d/.",
            "#",
            "# Eager mode: load every part up front (see load-order); nothing pins the patched modules.",
            "# On-demand mode: load only the main part; each part follows its module (an install rule on the",
            "# module, not 'softdep ... post:': kmod's 'modprobe -r' removes post-softdeps before it runs the",
            "# module's remove rule, and fails on the part, which an enabled livepatch keeps in use).",
            "# Every step waits for running livepatch transitions: the kernel runs one at a time. A part that",
            "# fails to load is reported in the kernel log; its module still loads.",
            "#",
        ] + (reloadHazard ? [
            "# Reload hazard on x86 before v6.3: a module cannot be loaded again while a part holding",
            "# klp relocations for it is loaded (\"Skipping invalid relocation target, existing value is",
            "# nonzero\"). So removing a patched module first disables and removes its part (and the parts",
            "# of the modules its removal can take along); loading the module again brings the part back.",
        ] : stubsLimit ? [
            stubsLimitLine,
            "# module comes back (module_64.c apply_relocate_add()), so removing a patched module leaves its",
            "# part loaded and this file has no remove rules. ppc64's limit: a part's .stubs is sized once at",
            "# load and each new address of a reloaded module takes a stub of it (no clear_relocate_add()); once",
            "# its few spare stubs are used the kernel refuses to load the module (stub_for_addr warning,",
            "# \"failed to initialize patch\"). Then reload the part with the module, or keep the module loaded.",
        ] : [
            "# No reload hazard: the target kernel (v6.3 or later) clears a part's klp relocations when its",
            "# module goes (clear_relocate_add()) and applies them again when it comes back, so removing a",
            "# patched module leaves its part loaded and this file has no remove rules.",
        ])
    }

    /// Waits (up to 60 s) until no livepatch is in transition; POSIX sh, busybox-compatible.
    static let waitTransitions =
        "i=0; while grep -qs 1 /sys/kernel/livepatch/*/transition && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"

    /// Disables a part and waits until the kernel has released it, then removes it.
    static func unloadPart(_ part: String) -> String {
        let directory = ShellQuoting.word("/sys/kernel/livepatch/\(part)")
        let enabled = ShellQuoting.word("/sys/kernel/livepatch/\(part)/enabled")
        let refcnt = ShellQuoting.word("/sys/module/\(part)/refcnt")
        return "if [ -d \(directory) ]; then \(waitTransitions); echo 0 > \(enabled); "
            + "i=0; while { [ -d \(directory) ] || [ \"$(cat \(refcnt) 2>/dev/null || echo 0)\" != 0 ]; } && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; fi; "
            + "/sbin/modprobe -r --ignore-remove \(ShellQuoting.word(part)) 2>/dev/null || true"
    }

    /// Loads a removed part again when its module is still there.
    static func reload(_ removal: Removal) -> String {
        "if [ -d \(ShellQuoting.word("/sys/module/\(removal.module)")) ]; then /sbin/modprobe \(ShellQuoting.word(removal.part)); fi"
    }

    // MARK: Reading back

    /// Reads a policy `klp-split build` wrote. The names are taken from the comment lines and the
    /// commands, checked as kbuild names, and the policy they give is written again: the file is
    /// accepted only when that gives it back byte for byte, so no other command can hide in it.
    package static func parse(_ text: String, file: String) throws(ConvertError) -> ModprobePolicy {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let opening = "# modprobe.d rules for livepatch '", closing = "', written by klp-split."
        guard let first = lines.first, first.hasPrefix(opening), let end = first.firstRange(of: closing) else {
            throw .policy(file, line: 1, "this is not a modprobe.d policy written by klp-split (it starts \(NameDisplay.quoted(lines.first ?? "")))")
        }
        let patch = String(first[first.index(first.startIndex, offsetBy: opening.count)..<end.lowerBound])
        try checkName(patch, "livepatch name", file: file, line: 1)
        var found: [(module: String, part: String, line: Int)] = []
        for (index, line) in lines.enumerated() where line.hasPrefix("# ") {
            guard let separator = line.firstRange(of: ": patched by ") else { continue }
            let module = String(line[line.index(line.startIndex, offsetBy: 2)..<separator.lowerBound])
            let part = String(line[separator.upperBound...])
            try checkName(module, "module name", file: file, line: index + 1)
            try checkName(part, "part name", file: file, line: index + 1)
            found.append((module, part, index + 1))
        }
        let mainPart = text.contains("; /sbin/modprobe \(patch); ") ? patch : nil
        let stubsLimit = lines.contains(stubsLimitLine)
        let reloadHazard = !stubsLimit
            && !lines.contains("# No reload hazard: the target kernel (v6.3 or later) clears a part's klp relocations when its")
        let digestPrefix = "# \(PartProvenanceKey.digest): "
        let digest = lines.first { $0.hasPrefix(digestPrefix) }.map { String($0.dropFirst(digestPrefix.count)) }
        let rules = found.map { rule in
            let removeLine = lines.first { $0.hasPrefix("remove \(rule.module) ") } ?? ""
            let also = found.filter { $0.part != rule.part }.map { Removal(part: $0.part, module: $0.module) }
                .filter { removeLine.contains(reload($0)) }
            let buildPrefix = "# \(rule.module): klp_target_"
            let target = lines.first { $0.hasPrefix(buildPrefix) }.flatMap { line -> ModuleBuild? in
                let entry = line.dropFirst("# \(rule.module): ".count).split(separator: "=", maxSplits: 1).map(String.init)
                return entry.count == 2 ? ModuleBuild(modinfoKey: entry[0], value: entry[1]) : nil
            }
            return Rule(module: rule.module, part: rule.part, alsoRemoved: also, target: target)
        }
        let policy: ModprobePolicy
        do {
            policy = try ModprobePolicy(patch: patch, mainPart: mainPart, rules: rules, reloadHazard: reloadHazard,
                                        stubsLimit: stubsLimit, digest: digest)
        } catch {
            throw .policy(file, line: 1, "name \(error)")
        }
        let expected = policy.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for index in 0..<max(lines.count, expected.count) where index >= lines.count || index >= expected.count || lines[index] != expected[index] {
            guard index < lines.count else {
                throw .policy(file, line: lines.count, "the file ends where klp-split writes more for livepatch '\(patch)'")
            }
            let actual = Array(lines[index].unicodeScalars)
            let wanted = index < expected.count ? Array(expected[index].unicodeScalars) : []
            let column = (0..<min(actual.count, wanted.count)).first { actual[$0] != wanted[$0] } ?? min(actual.count, wanted.count)
            let from = max(0, column - 24)
            let excerpt = (from > 0 ? "..." : "") + String(String.UnicodeScalarView(actual[from...]))
            throw .policy(file, line: index + 1,
                          "column \(column + 1) differs from what klp-split writes for livepatch '\(patch)': \(NameDisplay.quoted(excerpt))")
        }
        return policy
    }

    private static func checkName(_ name: String, _ field: String, file: String, line: Int) throws(ConvertError) {
        if let problem = KernelName.module.problem(in: name) {
            throw .policy(file, line: line, "\(field) \(problem) (\(problem.rule))")
        }
    }
}
