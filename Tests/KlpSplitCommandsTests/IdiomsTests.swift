import ELF
import Foundation
import Planner
import Testing
import TestSupport

/// Issue 19: everyday kernel idioms in the replacement functions of two parts (`lp_idioms`:
/// pr_debug, dev_dbg, pr_warn_once, printk_once, WARN_ONCE, WARN_ON, WARN_ON_ONCE, BUG_ON,
/// pr_info_ratelimited, the kfree tracepoint, static branches on an exported and a non-exported
/// vmlinux key, cond_resched's static call, __get_user, an inline unsafe_get_user with its own
/// __ex_table entry) plan, build and check clean on 6.1 and
/// 6.12, each part keeping only its own descriptors, flags and entries; a tracepoint of the patched
/// module (`lp_idioms_modtp`) is refused.
@Suite("everyday kernel idioms split between two parts (issue 19)")
struct IdiomsTests {
    struct Kernel: Sendable, CustomTestStringConvertible {
        let directory: String
        let world: String
        /// The pr_warn_once flags' section: `.data.once`, `.data..once` since v6.7.
        let onceSection: String
        var testDescription: String { directory }
        func fixture(_ name: String) -> String { Repository.path("Fixtures/\(directory)/\(name).ko") }
        var golden: String { directory == "modules" ? "lp_idioms.txt" : "lp_idioms-6.12.txt" }
    }

    static let kernels = [
        Kernel(directory: "modules", world: Repository.path("Fixtures/world"), onceSection: ".data.once"),
        Kernel(directory: "modules-6.12", world: Repository.path("Fixtures/world-6.12"), onceSection: ".data..once"),
    ]

    @Test("the plan has no error, no reference between the parts, and matches its golden file", arguments: kernels)
    func plan(_ kernel: Kernel) throws {
        let result = try runProcess(Repository.executable, ["plan", kernel.fixture("lp_idioms"), "-b", kernel.world])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(!result.stdout.contains("inter-livepatch") && !result.stdout.contains("main-livepatch-export"))
        // The non-exported vmlinux key is a klp relocation in each part's __jump_table; the exported one stays ordinary.
        #expect(result.stdout.contains("sched_schedstats [vmlinux] -> .klp.sym.vmlinux.sched_schedstats,0 in .klp.rela.vmlinux.__jump_table"))
        #expect(result.stdout.contains("sched_smt_present"))
        try Golden.check(result.stdout, against: kernel.golden)
    }

    @Test("each part keeps its own descriptors, flags and entries, its jump labels keyed on them, and check passes", arguments: kernels)
    func build(_ kernel: Kernel) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-idioms-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try runProcess(Repository.executable, ["build", kernel.fixture("lp_idioms"), "-b", kernel.world, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let input = try ELFFile(path: kernel.fixture("lp_idioms"))
        let inputDescriptors = try #require(input.section(named: "__dyndbg")).size / 56
        let inputBugs = try #require(input.section(named: "__bug_table")).size / 12
        var descriptors: UInt64 = 0
        var bugs: UInt64 = 0
        for part in ["lp_idioms", "lp_idioms__cdrom"] {
            let elf = try ELFFile(path: "\(output)/\(part).ko")
            let dyndbg = try #require(elf.section(named: "__dyndbg"))
            #expect(dyndbg.size == 3 * 56, "\(part): pr_debug, dev_dbg and the static-branch pr_debug of its own function")
            descriptors += dyndbg.size / 56
            bugs += try #require(elf.section(named: "__bug_table")).size / 12
            // Every descriptor named by the part's code or __jump_table lies inside its own (packed) table.
            let dyndbgIndex = try #require(elf.sections.firstIndex { $0.name == "__dyndbg" })
            for table in elf.sections where table.isRelocationSection && !elf.sections[table.info].name.hasPrefix(".debug") {
                for entry in try elf.relocations(in: table) where entry.symbolIndex < elf.symbols.count {
                    let symbol = elf.symbols[entry.symbolIndex]
                    guard Int(symbol.sectionIndex.rawValue) == dyndbgIndex, symbol.isDefinedInSection else { continue }
                    let named = Int64(bitPattern: symbol.value) + entry.addend
                    #expect(named >= 0 && UInt64(named) < dyndbg.size, "\(part): \(table.name)+0x\(String(entry.offset, radix: 16)) names __dyndbg+\(named)")
                }
            }
            // Its copy of the flags' section names only its own three flags (pr_warn_once, printk_once, WARN_ONCE).
            let once = try #require(elf.sections.firstIndex { $0.name == kernel.onceSection }, "\(part): its pr_warn_once flags")
            #expect(elf.symbols.filter { Int($0.sectionIndex.rawValue) == once && $0.name.hasPrefix("__already_done") }.count == 3, "\(part)")
            let klp = elf.sections.filter { $0.name == ".klp.rela.vmlinux.__jump_table" }
            #expect(klp.count == 1, "\(part): the non-exported vmlinux key sched_schedstats")
        }
        #expect(descriptors == inputDescriptors, "every descriptor in exactly one part")
        #expect(bugs == inputBugs, "every WARN/BUG site in exactly one part")
        let check = try runProcess(Repository.executable,
                                   ["check", "\(output)/lp_idioms.ko", "\(output)/lp_idioms__cdrom.ko", "-b", kernel.world])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains(" 0 error(s)") || check.stdout.hasPrefix("0 error(s)") || check.stdout.contains("\n0 error(s)"), "\(check.stdout)")
    }

    /// Runs `klp-split build` of the kernel's lp_idioms.ko into a fresh temporary directory (the caller removes it).
    static func buildParts(_ kernel: Kernel) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("klp-split-idioms-\(UUID().uuidString)").path
        let result = try runProcess(Repository.executable, ["build", kernel.fixture("lp_idioms"), "-b", kernel.world, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        return output
    }

    @Test("every WARN_ON, WARN_ON_ONCE, WARN_ONCE and BUG_ON entry is in its own code's part with the input's file:line and flags", arguments: kernels)
    func bugTableEntries(_ kernel: Kernel) throws {
        let output = try Self.buildParts(kernel)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let input = try BugTableEntry.decode(try ELFFile(path: kernel.fixture("lp_idioms")), "lp_idioms.ko (input)")
        #expect(input.count == 8, "\(input)")
        // The trap lines: the line of each replacement's LP_IDIOMS invocation in the fixture's source.
        let source = try String(contentsOfFile: Repository.path("Fixtures/src/lp_idioms/lp_idioms.c"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        func invocationLine(_ part: String) -> UInt16? {
            source.firstIndex { $0.contains("LP_IDIOMS(\"\(part)\"") }.map { UInt16($0 + 1) }
        }
        let owners = ["lp_idioms": ("livepatch_idioms_cmdline_proc_show", "vmlinux"),
                      "lp_idioms__cdrom": ("livepatch_idioms_cdrom_sysctl_info", "cdrom")]
        var seen: [BugTableEntry] = []
        for (part, (function, site)) in owners.sorted(by: { $0.key < $1.key }) {
            let elf = try ELFFile(path: "\(output)/\(part).ko")
            let entries = try BugTableEntry.decode(elf, "\(part).ko")
            // Exactly the input entries of the code this part holds, and none of another part's.
            let defined = Set(elf.symbols.filter { $0.type == .function && $0.isDefinedInSection }.map(\.name))
            let expected = input.filter { defined.contains($0.function) }
            #expect(Set(entries) == Set(expected) && entries.count == expected.count, "\(part): \(entries) vs input \(expected)")
            #expect(entries.allSatisfy { $0.function == function }, "\(part): \(entries)")
            // WARN_ONCE (WARNING|NO_CUT_HERE|TAINT_WARN), WARN_ON_ONCE (WARNING|ONCE|TAINT_WARN),
            // WARN_ON (WARNING|TAINT_WARN) and BUG_ON (0), at the replacement's own source line.
            #expect(Set(entries.map(\.flags)) == [0x909, 0x903, 0x901, 0x000], "\(part): \(entries)")
            let line = try #require(invocationLine(site))
            #expect(entries.allSatisfy { $0.line == line && $0.file.hasSuffix("Fixtures/src/lp_idioms/lp_idioms.c") },
                    "\(part): expected lp_idioms.c:\(line): \(entries)")
            seen += entries
        }
        #expect(seen.count == input.count && Set(seen) == Set(input), "every input entry in exactly one part: \(seen) vs \(input)")
    }

    @Test("each part carries the __ex_table entries of its own inline user access, pointing only into its own code", arguments: kernels)
    func exceptionTableEntries(_ kernel: Kernel) throws {
        let output = try Self.buildParts(kernel)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let input = try ExceptionTableEntry.decode(try ELFFile(path: kernel.fixture("lp_idioms")), "lp_idioms.ko (input)")
        #expect(input.count == 2, "one unsafe_get_user per replacement: \(input)")
        var seen: [ExceptionTableEntry] = []
        for (part, function) in [("lp_idioms", "livepatch_idioms_cmdline_proc_show"), ("lp_idioms__cdrom", "livepatch_idioms_cdrom_sysctl_info")] {
            let entries = try ExceptionTableEntry.decode(try ELFFile(path: "\(output)/\(part).ko"), "\(part).ko")
            #expect(entries.count == 1, "\(part): \(entries)")
            // the faulting load and its fixup (lp_efault) both lie in the part's own replacement, as in the input
            #expect(entries.allSatisfy { $0.instruction.hasPrefix(function + "+") && $0.fixup.hasPrefix(function + "+") }, "\(part): \(entries)")
            #expect(Set(entries) == Set(input.filter { $0.instruction.hasPrefix(function + "+") }), "\(part): \(entries) vs input \(input)")
            seen += entries
        }
        #expect(Set(seen) == Set(input) && seen.count == input.count, "every entry in exactly one part")
    }

    @Test("the entry sizes of the per-kernel tables are the sizes of the kernel's own structs in the fixture's DWARF", arguments: kernels)
    func entrySizesMatchDWARF(_ kernel: Kernel) throws {
        let elf = try ELFFile(path: kernel.fixture("lp_idioms"))
        let layouts = try elf.structLayouts(named: ["_ddebug", "ddebug_class_map", "jump_entry", "static_call_site", "exception_table_entry"])
        let descriptors = SpecialSectionTable.descriptorTables(for: nil)
        #expect(layouts["_ddebug"]?.byteSize == descriptors["__dyndbg"], "include/linux/dynamic_debug.h struct _ddebug")
        if let classes = layouts["ddebug_class_map"] {  // in 6.12's DWARF of the fixture, not in 6.1's
            #expect(classes.byteSize == descriptors["__dyndbg_classes"], "struct ddebug_class_map")
        }
        #expect(layouts["jump_entry"] != nil && layouts["static_call_site"] != nil, "\(layouts.keys.sorted())")
        let special = SpecialSectionTable.x86_64(for: nil)
        for (name, section) in [("jump_entry", "__jump_table"), ("static_call_site", ".static_call_sites"), ("exception_table_entry", "__ex_table")] {
            if let layout = layouts[name] { #expect(layout.byteSize == special[section], "struct \(name)") }
        }
        // struct bug_entry is only in asm: 8 __bug_table entries (4 WARN/BUG sites per part) in 0x60 bytes
        #expect(try #require(elf.section(named: "__bug_table")).size == 8 * (special["__bug_table"] ?? 0))
        let ddebug = elf.symbols.filter { $0.name.hasPrefix("__UNIQUE_ID_ddebug") }
        #expect(ddebug.count == 6 && ddebug.allSatisfy { $0.size == descriptors["__dyndbg"] })
    }

    @Test("a tracepoint of the patched module is refused, naming the tracepoint and the fix", arguments: kernels)
    func moduleTracepoint(_ kernel: Kernel) throws {
        let result = try runProcess(Repository.executable, ["plan", kernel.fixture("lp_idioms_modtp"), "-b", kernel.world])
        #expect(result.status == 2)
        let output = result.stdout + result.stderr
        let errors = output.split(separator: "\n").filter { $0.contains(": error: tracepoint") }
        #expect(errors.count == 2, "__jump_table and .static_call_sites: \(output)")
        for error in errors {
            #expect(error.contains("tracepoint 'scsi_eh_wakeup' belongs to module 'scsi_mod'"))
            #expect(error.contains("remove the trace_scsi_eh_wakeup() call from the replacement"))
        }
        #expect(output.contains("lp_idioms_modtp.ko: __jump_table+0x8: error: tracepoint"), "\(output)")
    }
}
