#if canImport(Glibc)
import CMalloc
import Glibc

/// The malloc policy of a command that runs for tens of milliseconds and then exits.
///
/// glibc gives every allocation of 128 KB and more its own `mmap` and returns it with `munmap` on
/// `free`, so each large array (a 4 MB kallsyms dump, the name index) costs a page fault per 4 KB
/// page to map it, zeroed, and a `munmap` to drop it again, all before the process exits and the
/// kernel frees everything anyway. On `plan lp_multi.ko` against the full world that was about
/// 3,700 page faults and 16 `munmap` calls (docs/performance.md). `configure()` instead:
///
/// - serves every allocation up to 32 MB (`M_MMAP_THRESHOLD`, glibc's maximum) from the heap and
///   never trims it (`M_TRIM_THRESHOLD`), so nothing is unmapped before exit;
/// - grows the heap once by 64 MB (`M_TOP_PAD`) and asks for transparent huge pages on that
///   range (`madvise(MADV_HUGEPAGE)`, what glibc's `glibc.malloc.hugetlb=1` tunable does for
///   each heap extension), so touching memory takes a fault per 2 MB instead of per 4 KB.
///
/// Only memory placement changes: no allocation fails that would not have failed before, and
/// with transparent huge pages off (`/sys/kernel/mm/transparent_hugepage/enabled` = `never`)
/// the advice is ignored. Address space, not memory: untouched parts of the 64 MB are never
/// backed. Call it first thing in `main`, before any large allocation.
public enum ShortLivedHeap {
    /// The heap growth asked for up front (`M_TOP_PAD`).
    static let initialGrowth = 64 << 20
    /// A transparent huge page on x86-64 (`HPAGE_PMD_SIZE`).
    static let hugePage = 2 << 20

    /// Off the main thread the probe comes from the thread's own arena, not from the `brk` heap,
    /// and no advice is given.
    public static func configure() {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        _ = mallopt(M_TOP_PAD, Int32(initialGrowth))
        _ = mallopt(M_ARENA_MAX, 1)
        // A first allocation that does not fit the current heap makes malloc grow it by itself
        // plus M_TOP_PAD, in one brk, and lies at the start of the new space; the advice covers
        // the whole 2 MB blocks from there to the break. Freeing it keeps the space (no trim).
        guard let probe = malloc(hugePage) else { return }
        defer { free(probe) }
        guard let top = sbrk(0),
              let range = adviceRange(probe: UInt(bitPattern: probe), top: UInt(bitPattern: top)),
              let pointer = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { return }
        _ = madvise(pointer, Int(range.upperBound - range.lowerBound), MADV_HUGEPAGE)
    }

    /// The whole 2 MB blocks from `probe` up to the break `top`, or nil when the probe did not
    /// come from the top of the `brk` heap (it lies above the break, as a thread arena's do, or
    /// further below it than one growth).
    static func adviceRange(probe: UInt, top: UInt) -> Range<UInt>? {
        guard probe < top, top - probe <= UInt(initialGrowth) + 2 * UInt(hugePage) else { return nil }
        let start = (probe + UInt(hugePage) - 1) & ~UInt(hugePage - 1)
        let end = top & ~UInt(hugePage - 1)
        return end > start ? start..<end : nil
    }
}
#endif
