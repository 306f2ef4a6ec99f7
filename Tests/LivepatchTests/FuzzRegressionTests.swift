import Foundation
import Livepatch
import Testing
import TestSupport

/// Inputs that crashed a fuzz target (docs/fuzzing.md), replayed through the parser: each must be
/// refused with a `LivepatchError`, never trap.
@Suite struct FuzzRegressionTests {
    static let livepatchCrashers: [String] = {
        let folder = Repository.path("Fixtures/fuzz/livepatch")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }()

    @Test func crashersAreCommitted() {
        #expect(Self.livepatchCrashers.contains("relocation-offset-overflow.ko"))
    }

    /// relocation-offset-overflow.ko: fuzz-livepatch, 2026-11-22; a relocation of `__this_module`
    /// with r_offset near 2^64 made `KlpMetadataReader.readClassic` trap on `base + patchObjs`.
    @Test(arguments: livepatchCrashers)
    func livepatchCrasherIsRefused(_ name: String) throws {
        let path = Repository.path("Fixtures/fuzz/livepatch/\(name)")
        let error = #expect(throws: LivepatchError.self) {
            _ = try LivepatchReader.read(path: path, displayName: name, requireLivepatchMarker: false)
        }
        #expect(error.map { "\($0)".contains(name) } == true, "the message names the file: \(String(describing: error))")
    }
}
