#if canImport(Glibc)
import Glibc
#endif

/// Bytes in one `malloc` block that this object owns and frees: the output of a decoder, kept alive
/// as long as libelf reads from it (`elf_memory()` does not copy).
///
/// It grows by doubling while a decoder writes into it, up to `DecompressedBytes.limit`.
package final class DecompressedBytes {
    /// Where the bytes start; valid until the object is released.
    package private(set) var base: UnsafeMutableRawPointer
    /// How many bytes are filled.
    package private(set) var count: Int
    private var capacity: Int

    /// The most a module may decompress to: 1 GiB. Debian's largest module with its DWARF is far
    /// below that (6.1: about 52 MB, amdgpu), so a larger output is a hostile or broken file.
    package static let limit = 1 << 30

    init(capacity: Int) {
        self.capacity = max(capacity, 4096)
        guard let block = malloc(self.capacity) else { fatalError("out of memory allocating \(capacity) bytes") }
        base = block
        count = 0
    }

    deinit { free(base) }

    /// The unused space after the filled bytes, made at least `minimum` bytes large.
    /// Nil when that would pass `limit`.
    func reserveFreeSpace(atLeast minimum: Int) -> UnsafeMutableRawBufferPointer? {
        if capacity - count < minimum {
            var grown = capacity
            while grown - count < minimum { grown *= 2 }
            guard grown <= Self.limit + minimum else { return nil }
            guard let block = realloc(base, grown) else { fatalError("out of memory allocating \(grown) bytes") }
            base = block
            capacity = grown
        }
        return UnsafeMutableRawBufferPointer(start: base + count, count: capacity - count)
    }

    /// Marks `filled` more bytes after `count` as written by the decoder.
    func commit(_ filled: Int) { count += filled }

    /// True when the filled bytes pass `limit`.
    var isOverLimit: Bool { count > Self.limit }
}
