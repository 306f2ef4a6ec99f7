@testable import KernelWorld
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths of the committed kernel world of Debian 6.1.0-56-amd64 under `Fixtures/world/`.
enum Fixture {
    /// The repository root: three levels above this file (`Tests/KernelWorldTests/Fixture.swift`).
    static let root: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static let release = "6.1.0-56-amd64"
    static let world = root + "/Fixtures/world"
    static let symvers = world + "/usr/src/linux-headers-\(release)/Module.symvers"
    static let moduleDirectory = world + "/lib/modules/\(release)"
    static let kallsyms = world + "/proc/kallsyms"

    /// The path of a module in the fixture tree, e.g. `kernel/drivers/cdrom/cdrom.ko`.
    static func module(_ relativePath: String) -> String { moduleDirectory + "/" + relativePath }


    /// `Fixtures/world/proc/kallsyms` parsed once for all tests (it has 96023 lines).
    static let bootedKernel: Result<KallsymsTable, KernelWorldError> = Result { () throws(KernelWorldError) in
        try KallsymsTable(contentsOf: kallsyms, displayName: "proc/kallsyms")
    }
}
