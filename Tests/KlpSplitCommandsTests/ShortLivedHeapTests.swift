#if canImport(Glibc)
import CMalloc
import Foundation
import Glibc
@testable import KlpSplitCommands
import TestSupport
import Testing

/// `ShortLivedHeap.configure()`, which `klp-split`'s `main` calls first: large allocations come
/// from the heap instead of their own `mmap`, and the heap's free top carries the huge-page advice.
@Suite("the command's malloc policy")
struct ShortLivedHeapTests {
    @Test("the advice covers the whole 2 MB blocks between the probe and the break, and only a fresh heap top")
    func adviceRange() {
        let mb: UInt = 1 << 20
        let base: UInt = 0x5600_0000_0000
        // The probe at the old top, the break 66 MB higher: the blocks in between.
        #expect(ShortLivedHeap.adviceRange(probe: base + 0x2a0, top: base + 66 * mb + 0x1000)
                == (base + 2 * mb)..<(base + 66 * mb))
        #expect(ShortLivedHeap.adviceRange(probe: base, top: base + 64 * mb) == base..<(base + 64 * mb))
        // A thread arena's probe lies above the break; an old free chunk far below it.
        #expect(ShortLivedHeap.adviceRange(probe: 0x7f00_0000_0000, top: base) == nil)
        #expect(ShortLivedHeap.adviceRange(probe: base, top: base + 200 * mb) == nil)
        // Less than one whole block.
        #expect(ShortLivedHeap.adviceRange(probe: base + 0x10, top: base + 3 * mb) == nil)
    }

    @Test("after configure(), an 8 MB allocation does not get its own mmap")
    func largeAllocationsAreNotMapped() throws {
        ShortLivedHeap.configure()
        let mappedBefore = mallinfo2().hblks
        let block = try #require(malloc(8 << 20))
        defer { free(block) }
        #expect(mallinfo2().hblks == mappedBefore)
    }

    /// True in a `--sanitize=address` or `--sanitize=thread` build: the sanitizer's allocator
    /// replaces glibc's malloc there, so there is no `brk` heap to advise (configure() then finds
    /// its probe outside the heap and gives no advice).
    static let sanitized = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
        || dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil

    @Test("a running klp-split has MADV_HUGEPAGE on its heap, and its output is unchanged",
          .enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled"),
                   "the kernel has no transparent huge pages"),
          .enabled(if: !sanitized, "a sanitizer's allocator replaces the heap"))
    func runningCommandAdvisesItsHeap() throws {
        let executable = Repository.executable
        let lp = Repository.fixture("lp_cdrom")
        let kallsyms = Repository.path("Fixtures/world/proc/kallsyms")
        let expected = try runProcess(executable, ["plan", lp, "-b", Repository.world, "--kallsyms", kallsyms])
        // The same plan with kallsyms from a pipe: klp-split waits on it after start-up, so its
        // mappings can be read while it runs.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plan", lp, "-b", Repository.world, "--kallsyms", "/dev/stdin"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var heapFlags: [[Substring]] = []
        for _ in 0..<200 where process.isRunning {
            heapFlags = Self.heapVmFlags(pid: process.processIdentifier)
            if heapFlags.contains(where: { $0.contains("hg") }) { break }
            usleep(20_000)
        }
        try input.fileHandleForWriting.write(contentsOf: try Data(contentsOf: URL(fileURLWithPath: kallsyms)))
        try input.fileHandleForWriting.close()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        _ = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(heapFlags.contains(where: { $0.contains("hg") }), "VmFlags of [heap]: \(heapFlags)")
        #expect(process.terminationStatus == expected.status)
        #expect(String(decoding: stdout, as: UTF8.self) == expected.stdout.replacingOccurrences(of: "proc/kallsyms", with: "/dev/stdin"))
    }

    /// The `VmFlags` of every `[heap]` mapping in `/proc/PID/smaps`, read line by line (a /proc
    /// file reports size 0, and a whole-file read stops early).
    private static func heapVmFlags(pid: Int32) -> [[Substring]] {
        guard let stream = fopen("/proc/\(pid)/smaps", "r") else { return [] }
        defer { fclose(stream) }
        var result: [[Substring]] = []
        var inHeap = false
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while getline(&buffer, &capacity, stream) > 0, let buffer {
            let line = String(cString: buffer).trimmingCharacters(in: .newlines)
            if let first = line.split(separator: " ").first, first.contains("-"), !first.hasSuffix(":") {
                inHeap = line.hasSuffix("[heap]")
            } else if inHeap, line.hasPrefix("VmFlags:") {
                result.append(Array(line.split(separator: " ").dropFirst()))
            }
        }
        return result
    }
}
#endif
