import Foundation
import Planner
import Testing
import TestSupport

/// Every relocation and every undefined symbol that `readelf -W -s -r` shows is accounted for in the plan.
@Suite("plan accounts for every relocation readelf reports", .enabled(if: which("readelf") != nil))
struct RelocationAccountingTests {
    @Test("relocation counts and undefined symbols agree with readelf",
          arguments: ["lp_vmlinux", "lp_cdrom", "lp_multi", "lp_ambiguous", "lp_klpbuild"])
    func accountsForReadelf(fixture: String) throws {
        let plan = try PlanGoldenTests.plan(fixture)
        let relocations = try runProcess(which("readelf")!, ["-W", "-r", Repository.fixture(fixture)]).stdout
        // "Relocation section '.rela.text.foo' at offset 0x... contains 11 entries:"
        var counts: [String: Int] = [:]
        var current: String?
        var referenced: Set<String> = []
        for line in relocations.split(separator: "\n") {
            if line.hasPrefix("Relocation section '") {
                let name = line.dropFirst("Relocation section '".count).prefix { $0 != "'" }
                current = String(name)
                let words = line.split(separator: " ")
                if let index = words.firstIndex(of: "contains"), index + 1 < words.count {
                    counts[String(name)] = Int(words[index + 1])
                }
            } else if current != nil, line.first?.isHexDigit == true {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if fields.count >= 5 { referenced.insert(String(fields[4])) }
            }
        }
        let accounts = Dictionary(uniqueKeysWithValues: plan.relocations.map { ($0.section, $0) })
        #expect(Set(accounts.keys) == Set(counts.keys))
        for (section, count) in counts {
            let account = try #require(accounts[section])
            #expect(account.entries == count, "\(section)")
            #expect(account.references + account.internalToPart + account.moduleInfrastructure + account.unreachable == count,
                    "\(section): entries not all accounted for")
        }
        let symbols = try runProcess(which("readelf")!, ["-W", "-s", Repository.fixture(fixture)]).stdout
        let undefined = symbols.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 8, fields[6] == "UND" else { return nil }
            return String(fields[7])
        }
        let reported = Set(plan.references.map(\.symbol))
        for symbol in undefined where referenced.contains(symbol) {
            #expect(reported.contains(symbol), "undefined \(symbol) is referenced but not in the plan")
        }
        #expect(!undefined.isEmpty)
    }
}
