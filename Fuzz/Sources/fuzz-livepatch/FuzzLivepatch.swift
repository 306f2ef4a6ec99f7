import FuzzSupport
import Livepatch

private let file = MemoryFile(name: "fuzz-livepatch")

/// Arbitrary bytes as a livepatch `.ko`: `LivepatchReader.read`, i.e. `.modinfo`, `__versions`,
/// relocation sections and the klp metadata (static `klp_patch`/`klp_object`/`klp_func` arrays with
/// or without DWARF, klp-build `.init.klp_objects`). The livepatch marker is not required, so inputs
/// that lose `livepatch=Y` still reach the metadata reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLivepatch(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    file.write(start, count)
    _ = try? LivepatchReader.read(path: file.path, displayName: "fuzz.ko", requireLivepatchMarker: false)
    return 0
}
