import FuzzSupport
import Livepatch

/// `.modinfo` section bytes (NUL-separated `key=value` strings) into `ModuleInfo`, and every query
/// the commands make of it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModinfo(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let info = ModuleInfo(bytes: bytes(start, count))
    _ = info.isLivepatch
    _ = info.value("name")
    _ = info.dependencies
    return 0
}
