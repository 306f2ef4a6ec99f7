import ELF
import Foundation
import KernelWorld
import TestSupport

/// One kernel's check fixtures: the clean parts `klp-split build` wrote from that kernel's
/// fixtures against its world (`<directory>/base/`), and the broken modules `CheckFixtures` makes
/// from them (`<directory>/<rule-id>[-variant].ko`).
///
/// `Fixtures/check` is the 6.1 set (Fixtures/modules, Fixtures/world), `Fixtures/check-6.12` the
/// 6.12 set (Fixtures/modules-6.12, Fixtures/world-6.12); `harness/scenarios-check/check-fixtures`
/// loads the set of the kernel it boots.
struct CheckFixtureSet: Sendable, CustomStringConvertible {
    /// `6.1`, `6.12`: the kernel series, as the harness's `expect.<series>` files name it.
    let series: String
    /// The kernel release of the world, `6.1.0-56-amd64`.
    let release: String
    /// Repository-relative: `Fixtures/check`, `Fixtures/check-6.12`.
    let relativeDirectory: String
    /// Repository-relative: `Fixtures/world`, `Fixtures/world-6.12`.
    let relativeWorld: String
    /// Fixtures this kernel cannot have, with the reason: `module-reload-hazard` warns only before 6.3.
    let omitted: [String: String]

    var description: String { series }
    var directory: String { Repository.path(relativeDirectory) }
    var world: String { Repository.path(relativeWorld) }
    func base(_ name: String) -> String { "\(directory)/base/\(name).ko" }
    func path(_ file: String) -> String { "\(directory)/\(file)" }

    /// The fixtures of this set that `check` reports a rule for.
    var fixtures: [CheckFixtures.Fixture] { CheckFixtures.all.filter { omitted[$0.file] == nil } }
    /// Every file the generator writes into this set.
    var generated: [CheckFixtures.Fixture] { fixtures + CheckFixtures.refused }

    static let v6_1 = CheckFixtureSet(series: "6.1", release: "6.1.0-56-amd64", relativeDirectory: "Fixtures/check",
                                      relativeWorld: "Fixtures/world", omitted: [:])
    static let v6_12 = CheckFixtureSet(series: "6.12", release: "6.12.118+deb12-amd64", relativeDirectory: "Fixtures/check-6.12",
                                       relativeWorld: "Fixtures/world-6.12",
                                       omitted: ["module-reload-hazard.ko": "6.12 has clear_relocate_add (v6.3): no reload hazard to warn about"])
    static let all = [v6_1, v6_12]

    /// The CRC the world's Module.symvers gives `cdrom_check_events`.
    func cdromCheckEventsCRC() throws -> UInt32 {
        let table = try ExportTable(contentsOf: "\(world)/usr/src/linux-headers-\(release)/Module.symvers")
        guard let crc = table.lookup("cdrom_check_events").unique?.crc else { throw GeneratorError("no CRC for cdrom_check_events") }
        return crc
    }

    /// Writes every fixture of this set into `output` (the committed directory when recording).
    func generate(into output: String) throws {
        for fixture in generated {
            var image = try ELFImage(reading: try ELFFile(path: base(fixture.base)))
            try fixture.make(&image, self)
            try ELFWriter.write(image, to: "\(output)/\(fixture.file)", inputs: [base(fixture.base)])
        }
    }
}
