// klp-split-corpus: reads a corpus of real kernel modules with the project's own code, for
// scripts/corpus.sh (docs/robustness.md). Not part of the klp-split product; no test depends on it.
//
//   klp-split-corpus ROOT [--write-to DIR] < relative-paths
//
// For every path read from stdin (relative to ROOT, one a line) it opens ROOT/PATH with ELFFile,
// reads every relocation section, `.modinfo` (ModuleInfo) and `__versions` (ModuleVersion), checks
// that ModuleSymbolOrder gives the same sympos orders from the packed symbol table as from the
// decoded one, and prints one tab-separated line:
//
//   PATH  sections  symbols  relocations  modinfo-strings  versions
//
// or `PATH  ERROR  message` when reading fails. With --write-to DIR it also reads the file into an
// ELFImage and writes it unchanged with ELFWriter to DIR/PATH (the round trip the script compares
// with readelf). Exit status 1 when any file failed, else 0.
import ELF
import KernelWorld
import Livepatch
#if canImport(Glibc)
import Glibc
#endif

struct Counts {
    var sections = 0, symbols = 0, relocations = 0, modinfo = 0, versions = 0
}

func counts(of file: ELFFile) throws -> Counts {
    var result = Counts(sections: file.sections.count, symbols: file.symbols.count)
    for section in file.sections where section.isRelocationSection {
        result.relocations += try file.relocations(in: section).count
    }
    if let modinfo = file.section(named: ".modinfo") {
        let bytes = try file.contents(of: modinfo)
        if let problem = ModuleInfo.problem(in: bytes) { throw ELFError.malformed(file.path, ".modinfo: \(problem)") }
        result.modinfo = ModuleInfo(bytes: bytes).entries.count
    }
    if let versions = file.section(named: "__versions") {
        guard let parsed = ModuleVersion.parse(try file.contents(of: versions)) else {
            throw ELFError.malformed(file.path, "__versions size \(versions.size) is not a multiple of 64")
        }
        result.versions = parsed.count
    }
    return result
}

/// `mkdir -p` of the directory that will hold `path`.
func makeParents(of path: String) {
    var searchFrom = path.index(after: path.startIndex)
    while searchFrom < path.endIndex, let slash = path[searchFrom...].firstIndex(of: "/") {
        mkdir(String(path[..<slash]), 0o755)
        searchFrom = path.index(after: slash)
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
var writeTo: String?
if let flag = arguments.firstIndex(of: "--write-to"), flag + 1 < arguments.count {
    writeTo = arguments[flag + 1]
    arguments.removeSubrange(flag...(flag + 1))
}
guard arguments.count == 1 else {
    let usage = "usage: klp-split-corpus ROOT [--write-to DIR] < relative-paths\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(64)
}
let root = arguments[0]
var failures = 0
while let line = readLine() {
    guard !line.isEmpty else { continue }
    let path = root + "/" + line
    do {
        let file = try ELFFile(path: path)
        let c = try counts(of: file)
        // The packed symbol table (what the kernel world indexes) must give the same sympos
        // orders as the decoded one.
        let object = try ObjectName(normalizing: path)
        let packed = try ModuleSymbolOrder(moduleAt: path, object: object)
        let decoded = ModuleSymbolOrder(object: object, source: path, sections: file.sections, symbols: file.symbols)
        if let difference = packed.firstDifference(from: decoded) {
            throw ELFError.malformed(path, "the packed symbol table gives other sympos orders than the decoded one: \(difference)")
        }
        if let writeTo {
            let output = writeTo + "/" + line
            makeParents(of: output)
            try ELFWriter.write(try ELFImage(reading: file), to: output, inputs: [path])
        }
        print("\(line)\t\(c.sections)\t\(c.symbols)\t\(c.relocations)\t\(c.modinfo)\t\(c.versions)")
    } catch {
        failures += 1
        print("\(line)\tERROR\t\(error)")
    }
}
exit(failures == 0 ? 0 : 1)
