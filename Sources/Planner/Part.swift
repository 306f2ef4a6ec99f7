import KernelWorld

/// One livepatch module that `build` will emit: the part for one patched object.
package struct Part: Sendable, Codable, Equatable {
    /// `<patch>` for the main (vmlinux) part, `<patch>__<object>` otherwise (Petr Mladek's naming).
    package let name: String
    package let object: String
    package let isMain: Bool
    package let functions: [PatchedFunction]
    package let callbacks: [String]
    /// Parts this one needs loaded first (C and D references).
    package var dependsOn: [String]
    /// Livepatch symbols this part carries (its own and the duplicated ones).
    package var symbols: [String]
    /// Symbols copied into this part because several parts use them and they hold no state.
    package var duplicated: [String]
}

/// A function the part replaces.
package struct PatchedFunction: Sendable, Codable, Equatable {
    package let oldName: String
    package let oldSympos: UInt64
    package let newFunction: String
}
