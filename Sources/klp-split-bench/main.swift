// klp-split-bench: benchmark-only entry points (bench/run.sh, docs/performance.md). Not part of
// the klp-split product and never run by `swift test`.
//
//   klp-split-bench index -b ROOT [-k REL] [--jobs N] [--timings]
//       Indexes the whole kernel world with the project's own code: every .ko's symbol order
//       (ModuleSymbolOrder, both orders), every module's dependencies and path (ModuleDependencies,
//       libkmod), Module.symvers (ExportTable) and the kallsyms dump (KallsymsTable).
//       The jobs (one per .ko, Module.symvers, kallsyms, and one for all of libkmod) run on N
//       workers (default 2): each job opens its own files and only Sendable values cross threads.
//       --jobs 1 runs everything on the calling thread without Dispatch (for valgrind).
//   klp-split-bench files -b ROOT [-k REL]
//       Prints the files `index` reads, one a line (the input of the `cat` reference).
//   klp-split-bench parse -b ROOT [-k REL]
//       Times, in this process, reading and indexing the kallsyms dump and Module.symvers (what
//       every plan and check does first): the fastest of 30 runs each, in milliseconds. A
//       profiling aid that a busy machine disturbs less than whole-command timings.
import KernelWorld
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

struct Usage: Error, CustomStringConvertible { let description: String }

struct World {
    let root: String
    let release: String
    var moduleDirectory: String { "\(root)/lib/modules/\(release)" }
    var symvers: String { "\(root)/usr/src/linux-headers-\(release)/Module.symvers" }
    var kallsyms: String { "\(root)/proc/kallsyms" }
    /// The libkmod indexes `kmod_load_resources()` maps, when present, and modules.dep.
    var indexFiles: [String] {
        ["modules.dep", "modules.dep.bin", "modules.alias.bin", "modules.symbols.bin",
         "modules.builtin.alias.bin", "modules.builtin.bin"]
            .map { "\(moduleDirectory)/\($0)" }.filter { access($0, R_OK) == 0 }
    }

    /// The relative .ko paths modules.dep lists (the first field of every line), in file order.
    func modulePaths() throws -> [String] {
        guard let stream = fopen("\(moduleDirectory)/modules.dep", "rb") else {
            throw Usage(description: "\(moduleDirectory)/modules.dep: \(String(cString: strerror(errno)))")
        }
        defer { fclose(stream) }
        var paths: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&line, &capacity, stream) > 0, let line {
            let text = String(cString: line)
            if let colon = text.firstIndex(of: ":") { paths.append(String(text[..<colon])) }
        }
        free(line)
        return paths
    }
}

/// What one worker job produced; only these values cross threads.
enum Indexed: Sendable {
    case module(ModuleSymbolOrder)
    case exports(ExportTable)
    case kallsyms(KallsymsTable)
    case dependencies(count: Int, pathMismatches: Int, seconds: Double)
    case failure(String)
}

enum Job: Sendable {
    case module(path: String, name: ObjectName)
    case exports(String)
    case kallsyms(String)
    /// Every module's dependencies and path through libkmod, in one job: the libkmod context is
    /// made, used and freed on the thread that runs it.
    case dependencies(moduleDirectory: String, modules: [(name: ObjectName, path: String)])

    func run() -> Indexed {
        do {
            switch self {
            case .dependencies(let directory, let modules):
                let start = now()
                let index = try ModuleDependencies(moduleDirectory: directory)
                var count = 0, mismatches = 0
                for module in modules {
                    count += try index.dependencies(of: module.name).count
                    if index.path(of: module.name) != module.path { mismatches += 1 }
                }
                return .dependencies(count: count, pathMismatches: mismatches, seconds: now() - start)
            case .module(let path, let name):
                return .module(try ModuleSymbolOrder(moduleAt: path, object: name))
            case .exports(let path):
                return .exports(try ExportTable(contentsOf: path))
            case .kallsyms(let path):
                return .kallsyms(try KallsymsTable(contentsOf: path))
            }
        } catch {
            return .failure("\(error)")
        }
    }
}

/// Hands out job indices to the workers, each once.
final class JobCounter: Sendable {
    private let next = Atomic<Int>(0)
    func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func milliseconds(_ seconds: Double) -> String {
    let tenths = Int((seconds * 10_000).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

func index(_ world: World, jobs workerCount: Int, timings: Bool) throws -> Never {
    let start = now()
    let relative = try world.modulePaths()
    var names: [ObjectName] = []
    for path in relative { names.append(try ObjectName(normalizing: path)) }
    let modulePaths = relative.map { "\(world.moduleDirectory)/\($0)" }
    let jobs: [Job] = [.dependencies(moduleDirectory: world.moduleDirectory, modules: Array(zip(names, modulePaths))),
                       .kallsyms(world.kallsyms), .exports(world.symvers)]
        + zip(modulePaths, names).map { Job.module(path: $0, name: $1) }
    let results: [Indexed]
    if workerCount == 1 {
        // On this thread only, without Dispatch (valgrind --tool=callgrind runs this).
        results = jobs.map { $0.run() }
    } else {
        let next = JobCounter()
        let collected = Mutex<[Indexed]>([])
        DispatchQueue.concurrentPerform(iterations: workerCount) { _ in
            var done: [Indexed] = []
            while true {
                let index = next.take()
                guard index < jobs.count else { break }
                done.append(jobs[index].run())
            }
            collected.withLock { $0 += done }
        }
        results = collected.withLock { $0 }
    }

    var modules = 0, loaded = 0, coming = 0, unstable = 0, failures: [String] = []
    var exports = 0, kallsymsVmlinux = 0, kallsymsModules = 0
    var dependencyCount = 0, pathMismatches = 0, kmodSeconds = 0.0
    for result in results {
        switch result {
        case .module(let order):
            modules += 1
            loaded += order.loaded.symbolCount
            coming += order.coming.symbolCount
            unstable += order.nonCoreSymbolCount
        case .exports(let table): exports = table.count
        case .kallsyms(let table):
            kallsymsVmlinux = table.vmlinux.symbolCount
            kallsymsModules = table.loadedModules.count
        case .dependencies(let count, let mismatches, let seconds):
            (dependencyCount, pathMismatches, kmodSeconds) = (count, mismatches, seconds)
        case .failure(let message): failures.append(message)
        }
    }
    let total = now() - start
    print("indexed \(modules) modules (\(coming) symbols, \(loaded) once loaded, \(unstable) of them left out once loaded), "
          + "\(dependencyCount) dependencies, \(exports) exports, kallsyms: \(kallsymsVmlinux) vmlinux symbols and "
          + "\(kallsymsModules) loaded modules")
    if timings {
        print("timings: total \(milliseconds(total)) ms, libkmod job \(milliseconds(kmodSeconds)) ms, \(workerCount) workers")
    }
    for failure in failures { printError("klp-split-bench: \(failure)\n") }
    if pathMismatches > 0 { printError("klp-split-bench: \(pathMismatches) module paths differ between libkmod and modules.dep\n") }
    // Exit with the index still alive, as a command would: freeing 4,000 modules' symbol tables
    // one object at a time is not part of indexing them.
    withExtendedLifetime(results) {
        exit(failures.isEmpty && pathMismatches == 0 ? 0 : 1)
    }
}

/// The fastest of 30 in-process runs of reading and indexing the kallsyms dump and Module.symvers.
func parse(_ world: World) throws -> Never {
    func fastest(_ label: String, _ body: () throws -> Int) throws {
        var best = Double.infinity
        var count = 0
        for _ in 0..<30 {
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            count = try body()
            clock_gettime(CLOCK_MONOTONIC, &end)
            best = min(best, Double(end.tv_sec - start.tv_sec) * 1e3 + Double(end.tv_nsec - start.tv_nsec) / 1e6)
        }
        print("\(label): \((best * 100).rounded() / 100) ms (\(count) symbols)")
    }
    try fastest("kallsyms \(world.kallsyms)") { try KallsymsTable(contentsOf: world.kallsyms).vmlinux.symbolCount }
    try fastest("Module.symvers \(world.symvers)") { try ExportTable(contentsOf: world.symvers).count }
    exit(0)
}

@main
struct Bench {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        do {
            guard let command = arguments.first else { throw Usage(description: "usage: klp-split-bench index|files -b ROOT [-k REL] [--jobs N] [--timings]") }
            arguments.removeFirst()
            var root: String?
            var release: String?
            var workers = 2
            var timings = false
            while !arguments.isEmpty {
                let option = arguments.removeFirst()
                switch option {
                case "-b": root = arguments.isEmpty ? nil : arguments.removeFirst()
                case "-k": release = arguments.isEmpty ? nil : arguments.removeFirst()
                case "--jobs": workers = Int(arguments.isEmpty ? "" : arguments.removeFirst()) ?? 0
                case "--timings": timings = true
                default: throw Usage(description: "unknown option \(option)")
                }
            }
            guard let root, workers > 0 else { throw Usage(description: "-b ROOT is required; --jobs takes a positive number") }
            let world = World(root: root, release: try release ?? onlyRelease(in: root))
            switch command {
            case "index":
                try index(world, jobs: workers, timings: timings)
            case "parse":
                try parse(world)
            case "files":
                for path in try world.modulePaths() { print("\(world.moduleDirectory)/\(path)") }
                for file in world.indexFiles + [world.symvers, world.kallsyms] { print(file) }
            default:
                throw Usage(description: "unknown command \(command)")
            }
        } catch {
            printError("klp-split-bench: \(error)\n")
            exit(64)
        }
    }

    static func onlyRelease(in root: String) throws -> String {
        guard let directory = opendir("\(root)/lib/modules") else { throw Usage(description: "\(root)/lib/modules: cannot open") }
        defer { closedir(directory) }
        var releases: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { releases.append(name) }
        }
        guard releases.count == 1 else { throw Usage(description: "\(root)/lib/modules: \(releases.count) releases; pass -k REL") }
        return releases[0]
    }
}

/// Writes one line to standard error (fd 2).
func printError(_ text: String) {
    let line = text.hasSuffix("\n") ? text : text + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}
