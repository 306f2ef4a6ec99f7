import Foundation
import Planner
import Testing
import TestSupport
@testable import KlpSplitCommands

/// Checks the plans of the real fixtures against the tables in Fixtures/expected-references.tsv and
/// Fixtures/expected-ownership.tsv, which Fixtures/README.md explains.
@Suite("every reference of the real fixtures gets the expected category")
struct FixtureCategoryTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let columns: [String]
        var testDescription: String { columns.prefix(4).joined(separator: " ") }
    }

    static func rows(_ file: String) -> [Row] {
        let text = (try? String(contentsOfFile: Repository.path("Fixtures/\(file)"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { Row(columns: $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)) }
    }

    static func part(of plan: Plan, object: String) -> [Part] {
        object == "init" ? plan.parts : plan.parts.filter { $0.object == object }
    }

    @Test("each row of expected-references.tsv is in the plan", arguments: rows("expected-references.tsv"))
    func expectedReference(row: Row) throws {
        let fixture = row.columns[0], object = row.columns[1], symbol = row.columns[2]
        let category = row.columns[3], verdict = row.columns[4]
        let plan = try PlanGoldenTests.plan(fixture)
        if category == "-" {
            #expect(plan.diagnostics.contains { $0.severity == .error && $0.message.contains("'\(symbol)'") },
                    "no error diagnostic names \(symbol)")
            return
        }
        let parts = Set(Self.part(of: plan, object: object).map(\.name))
        #expect(!parts.isEmpty, "no part for object \(object)")
        let matches = plan.references.filter { parts.contains($0.part) && $0.symbol == symbol }
        #expect(!matches.isEmpty, "no reference to \(symbol) from \(object)")
        for reference in matches {
            #expect(reference.category.rawValue == category, "\(symbol): \(reference.category.rawValue), expected \(category)")
            #expect(reference.ok == (verdict == "ok"), "\(symbol): ok=\(reference.ok), expected verdict \(verdict)")
        }
        if verdict != "ok" {
            #expect(plan.diagnostics.contains { $0.severity == .error && $0.message.contains(symbol) })
        }
    }

    @Test("each row of expected-ownership.tsv is in the plan", arguments: rows("expected-ownership.tsv"))
    func expectedOwnership(row: Row) throws {
        let fixture = row.columns[0], symbol = row.columns[1], ownership = row.columns[3]
        let objects = row.columns[4].split(separator: ",").map(String.init)
        let plan = try PlanGoldenTests.plan(fixture)
        let carriers = Set(plan.parts.filter { $0.symbols.contains(symbol) }.map(\.object))
        switch ownership {
        case "part", "main-export":
            #expect(carriers == Set(objects), "\(symbol) is carried by \(carriers.sorted())")
        case "duplicated":
            #expect(carriers == Set(objects), "\(symbol) is carried by \(carriers.sorted())")
            for part in plan.parts where objects.contains(part.object) {
                #expect(part.duplicated.contains(symbol), "\(symbol) not marked duplicated in \(part.name)")
            }
        case "sharedState":
            #expect(plan.diagnostics.contains { $0.id == "shared-state" && $0.message.contains("'\(symbol)'") })
        case "init":
            #expect(carriers.isEmpty, "\(symbol) is carried by \(carriers.sorted())")
        default:
            Issue.record("unknown ownership '\(ownership)' in expected-ownership.tsv")
        }
    }

    @Test("the fixtures together exercise every category")
    func everyCategoryIsCovered() throws {
        var seen: Set<Category> = []
        for fixture in ["lp_vmlinux", "lp_cdrom", "lp_multi", "lp_ambiguous", "lp_klpbuild"] {
            seen.formUnion(try PlanGoldenTests.plan(fixture).references.map(\.category))
        }
        #expect(seen == Set(Category.allCases), "missing: \(Set(Category.allCases).subtracting(seen))")
    }

    @Test("the multi-object plan records the allowed and forbidden part dependencies")
    func multiObjectDependencies() throws {
        let plan = try PlanGoldenTests.plan("lp_multi")
        let sr = try #require(plan.parts.first { $0.object == "sr_mod" })
        #expect(sr.dependsOn == ["lp_multi__cdrom", "lp_multi__fat"])
        let fat = try #require(plan.parts.first { $0.object == "fat" })
        #expect(fat.dependsOn == ["lp_multi"])
        #expect(plan.parts.first { $0.isMain }?.name == "lp_multi")
        #expect(plan.diagnostics.contains { $0.id == "inter-livepatch" && $0.message.contains("sr_mod does not depend on fat") })
    }
}
