// swift-tools-version: 6.0
// klp-split: split a combined Linux kernel livepatch into one livepatch module per patched object.
//
// Layers, bottom to top (each depends only on the ones above it in this list):
//   CLibELF, CLibDW, CKmod  C system libraries (libelf, libdw/libdwfl, libkmod), through modulemaps
//   CMalloc          glibc's <malloc.h> (mallopt), header only, for the command's heap policy
//   CLZMA, CZstd, CZlib  liblzma, libzstd, zlib, through modulemaps
//   CCrypto          OpenSSL's libcrypto, through a modulemap
//   ModuleCrypto     digests and module signatures (the only code that imports libcrypto)
//   Decompression    .ko.xz/.ko.zst/.ko.gz decompressed in memory (the only code that imports those)
//   ELF              the only code that imports elfutils: sections, symbols, relocations, modinfo,
//                    struct layouts from DWARF
//   KernelWorld      the target kernel: exports (Module.symvers), module deps (libkmod), symbol order
//   Livepatch        a livepatch module read into values: klp_patch/klp_object/klp_func, references
//   Planner          pure logic: references -> categories -> parts -> graph; no file I/O
//   Convert          ELF rewriting: per-part modules, .klp.rela/.klp.sym, .modinfo, __versions
//   Check            the release gate's rules over built livepatch modules and the target kernel
//   KlpSplitCommands the subcommands (plan, build, check, ...) as ParsableCommands
//   klp-split        a few lines of @main
import PackageDescription

let package = Package(
    name: "klp-split",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "klp-split", targets: ["klp-split"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CLibELF", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CKmod", pkgConfig: "libkmod", providers: [.apt(["libkmod-dev"])]),
        .systemLibrary(name: "CLibDW", pkgConfig: "libdw", providers: [.apt(["libdw-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "ModuleCrypto", dependencies: ["CCrypto"], exclude: ["README.md"]),
        .target(name: "Decompression", dependencies: ["CLZMA", "CZstd", "CZlib"], exclude: ["README.md"]),
        .target(name: "ELF", dependencies: ["CLibELF", "CLibDW", "Decompression"], exclude: ["README.md"]),
        .target(name: "KernelWorld", dependencies: ["ELF", "CKmod"], exclude: ["README.md"]),
        .target(name: "Livepatch", dependencies: ["ELF", "KernelWorld"], exclude: ["README.md"]),
        .target(name: "Planner", dependencies: ["KernelWorld", "Livepatch"], exclude: ["README.md"]),
        .target(name: "Convert", dependencies: ["ELF", "Planner", "ModuleCrypto"], exclude: ["README.md"]),
        .target(name: "Check", dependencies: ["ELF", "KernelWorld", "Livepatch", "Planner", "ModuleCrypto"], exclude: ["README.md"]),
        .target(name: "KlpSplitCommands", dependencies: [
            "ELF", "KernelWorld", "Livepatch", "Planner", "Convert", "Check", "CMalloc", "ModuleCrypto",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["README.md"]),
        .executableTarget(name: "klp-split", dependencies: ["KlpSplitCommands"], exclude: ["README.md"]),
        // Benchmark-only entry points for bench/run.sh (docs/performance.md); no test depends on it.
        .executableTarget(name: "klp-split-bench", dependencies: ["KernelWorld"], exclude: ["README.md"]),
        // Corpus-only driver for scripts/corpus.sh (docs/robustness.md); no test depends on it.
        .executableTarget(name: "klp-split-corpus", dependencies: ["ELF", "KernelWorld", "Livepatch"], exclude: ["README.md"]),
        .target(name: "TestSupport", path: "Tests/TestSupport", exclude: ["README.md"]),
        .testTarget(name: "DecompressionTests", dependencies: ["Decompression"]),
        .testTarget(name: "ELFTests", dependencies: ["ELF", "Decompression", "TestSupport"], resources: []),
        .testTarget(name: "KernelWorldTests", dependencies: ["KernelWorld", "ELF"]),
        .testTarget(name: "LivepatchTests", dependencies: ["Livepatch", "TestSupport"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "ELF", "KernelWorld"]),
        .testTarget(name: "CheckTests", dependencies: ["Check", "ELF", "KernelWorld", "Livepatch", "Planner", "TestSupport"]),
        .testTarget(name: "KlpSplitCommandsTests", dependencies: ["KlpSplitCommands", "TestSupport", "CMalloc"], exclude: ["Golden"]),
    ]
)
