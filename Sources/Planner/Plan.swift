import KernelWorld

/// The result of planning: the parts, every reference with its category, and the problems.
package struct Plan: Sendable, Codable, Equatable {
    package var schemaVersion = 2
    /// The input file as given on the command line.
    package let input: String
    package let patch: String
    /// `klp_patch` (static arrays) or `.init.klp_objects` (klp-build).
    package let metadata: String
    package let replace: Bool
    package let parts: [Part]
    package let references: [Reference]
    package let relocations: [RelocationAccount]
    package var diagnostics: [Diagnostic]
    /// Code of two parts that the split lets run half patched (`CouplingAnalysis`); schemaVersion 2.
    package var coupling: [CouplingFinding] = []
    /// The target kernel the plan was made for (`PlanInput.target`).
    package var target: TargetKernel?
    /// For `build`: which parts carry each section of the input (content, duplicated and module
    /// plumbing), by section index. Not part of the JSON.
    package var carriers: [Int: Set<Int>] = [:]
    /// For `build`: the sections split between parts (issue 19), by section index. Not part of the JSON.
    package var pieces: [Int: PlanPieces] = [:]
    /// For `build`: the role of each section of the input, by section index. Not part of the JSON.
    package var roles: [SectionRole] = []

    enum CodingKeys: String, CodingKey {
        case schemaVersion, input, patch, metadata, replace, target, parts, references, relocations, diagnostics, coupling
    }

    package var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    package var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
}

/// A section split between parts (`SectionPieces`), as `build` needs it: each piece and the parts
/// that keep it.
package struct PlanPieces: Sendable, Equatable {
    /// The entry size of a table split by entry (its kept entries are packed); nil for a section
    /// split by symbol (its layout stays; only its relocations follow the pieces).
    package let entrySize: UInt64?
    package let ranges: [Range<UInt64>]
    package let carriers: [Set<Int>]
}
