// swift-tools-version: 6.0
// libFuzzer targets for klp-split's parsers (docs/fuzzing.md). Build and run with scripts/fuzz.sh.
//
// A package of its own so that the main Package.swift carries no fuzzing flags. The parsers' API is
// `package` access, visible only inside one package, so this package does not depend on the main one:
// Sources/Decompression, ELF, KernelWorld, Livepatch and the six system-library targets are symbolic links to the
// main package's folders and are compiled here again, with `swift build --sanitize=fuzzer
// --sanitize=address` instrumenting them for coverage.
import PackageDescription

let libraries: [Target] = [
    .systemLibrary(name: "CLibELF", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
    .systemLibrary(name: "CKmod", pkgConfig: "libkmod", providers: [.apt(["libkmod-dev"])]),
    .systemLibrary(name: "CLibDW", pkgConfig: "libdw", providers: [.apt(["libdw-dev"])]),
    .systemLibrary(name: "CLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
    .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "Decompression", dependencies: ["CLZMA", "CZstd", "CZlib"], exclude: ["README.md"]),
    .target(name: "ELF", dependencies: ["CLibELF", "CLibDW", "Decompression"], exclude: ["README.md"]),
    .target(name: "KernelWorld", dependencies: ["ELF", "CKmod"], exclude: ["README.md"]),
    .target(name: "Livepatch", dependencies: ["ELF", "KernelWorld"], exclude: ["README.md"]),
    .target(name: "FuzzSupport"),
]

/// One executable per parser; each defines `LLVMFuzzerTestOneInput` and libFuzzer supplies `main`.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("fuzz-elf", ["ELF", "KernelWorld"]),
    ("fuzz-livepatch", ["Livepatch"]),
    ("fuzz-symvers", ["KernelWorld"]),
    ("fuzz-kallsyms", ["KernelWorld"]),
    ("fuzz-symbols-klp", ["KernelWorld"]),
    ("fuzz-modinfo", ["Livepatch"]),
    ("fuzz-decompress", ["Decompression", "ELF"]),
]

let package = Package(
    name: "klp-split-fuzz",
    targets: libraries + fuzzTargets.map { target in
        .executableTarget(name: target.name, dependencies: target.dependencies + ["FuzzSupport"],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
