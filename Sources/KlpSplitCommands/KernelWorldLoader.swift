import Check
import ELF
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import KernelWorld
import Livepatch
import Planner

/// Reads the target kernel's world for one livepatch: the exports, the dependencies of every
/// patched module, and the symbol order of every patched object.
struct KernelWorldLoader {
    let options: KernelWorldOptions

    /// A failure to read the world: the message is already one complete diagnostic line.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The files the options name, after applying the defaults.
    struct Paths {
        var moduleDirectory: String?
        var symvers: [String] = []
        var kallsyms: String?
        var systemMap: String?
        var vmlinux: String?
        /// The release the options name (`-k`, `-b`'s lib/modules, `--kdir`'s kernel.release, or the
        /// running kernel in live mode); nil when they name none.
        var target: TargetKernel?
    }

    func resolvePaths() throws -> Paths {
        var paths = Paths()
        let fileManager = FileManager.default
        let live = options.basedir == nil && options.kdir == nil && options.kallsyms == nil && options.symbolsKlp == nil
            && options.systemMap == nil && options.vmlinux == nil && options.symvers.isEmpty
        let basedir = options.basedir ?? (live || options.kernelRelease != nil ? "/" : nil)
        if let basedir {
            let release = try options.kernelRelease ?? Self.release(in: basedir)
            paths.target = TargetKernel(release: release, source: options.kernelRelease != nil ? .option
                                        : basedir == "/" ? .runningKernel : .moduleTree)
            let root = basedir == "/" ? "" : (basedir.hasSuffix("/") ? String(basedir.dropLast()) : basedir)
            paths.moduleDirectory = "\(root)/lib/modules/\(release)"
            let symvers = "\(root)/usr/src/linux-headers-\(release)/Module.symvers"
            if fileManager.fileExists(atPath: symvers) { paths.symvers.append(symvers) }
            let kallsyms = "\(root)/proc/kallsyms"
            if options.kallsyms == nil, options.systemMap == nil, options.vmlinux == nil,
               fileManager.fileExists(atPath: kallsyms) {
                paths.kallsyms = kallsyms
            }
        }
        if let kdir = options.kdir {
            let symvers = "\(kdir)/Module.symvers"
            guard fileManager.fileExists(atPath: symvers) else {
                throw Failure(description: "\(kdir): error: no Module.symvers in the kernel tree given with --kdir; build the kernel ('make modules') or pass --symvers FILE")
            }
            paths.symvers.append(symvers)
            if options.vmlinux == nil, fileManager.fileExists(atPath: "\(kdir)/vmlinux") { paths.vmlinux = "\(kdir)/vmlinux" }
            if options.systemMap == nil, fileManager.fileExists(atPath: "\(kdir)/System.map") { paths.systemMap = "\(kdir)/System.map" }
            if paths.target == nil, let release = Self.headersRelease(kdir) {
                paths.target = TargetKernel(release: release, source: .headers)
            }
        }
        paths.symvers += options.symvers
        if let kallsyms = options.kallsyms { paths.kallsyms = kallsyms }
        if let systemMap = options.systemMap { paths.systemMap = systemMap }
        if let vmlinux = options.vmlinux { paths.vmlinux = vmlinux }
        guard !paths.symvers.isEmpty || options.symbolsKlp != nil else {
            let place = options.basedir.map { "\($0)/usr/src/linux-headers-REL/Module.symvers" } ?? "the kernel world"
            throw Failure(description: "error: no Module.symvers found (looked for \(place)); pass --kdir DIR, -b DIR -k REL with the headers installed, or --symvers FILE")
        }
        return paths
    }

    /// The only release under `basedir/lib/modules`, or the running kernel's.
    static func release(in basedir: String) throws -> String {
        let directory = (basedir == "/" ? "" : basedir) + "/lib/modules"
        let releases = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        if basedir != "/", releases.count == 1, let only = releases.first { return only }
        if basedir != "/", releases.count > 1 {
            throw Failure(description: "\(directory): error: several kernel releases (\(releases.joined(separator: ", "))); choose one with -k REL")
        }
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// `include/config/kernel.release` of a kernel tree or headers directory (kbuild writes it; it is
    /// `UTS_RELEASE`), if it holds one plausible release.
    static func headersRelease(_ kdir: String) -> String? {
        guard let data = FileManager.default.contents(atPath: "\(kdir)/include/config/kernel.release"),
              data.count < 256 else { return nil }
        let release = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard !release.isEmpty, release.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") }) else { return nil }
        return release
    }

    /// The target as the world names it, else as `vermagic` does; with the suffixes of the modules read.
    static func target(_ paths: Paths, vermagic: String?, moduleFiles: [String]) -> TargetKernel? {
        var target = paths.target
        if target == nil, let release = vermagic?.split(separator: " ").first {
            target = TargetKernel(release: String(release), source: .vermagic)
        }
        target?.moduleSuffixes = Array(Set(moduleFiles.map(TargetKernel.moduleSuffix(of:)))).sorted()
        return target
    }

    /// Reads everything the Planner needs for this livepatch.
    func load(for livepatch: LivepatchModule, sympos: [SymposChoice] = []) throws -> PlanInput {
        let paths = try resolvePaths()
        let progress = Progress.onStandardError
        defer { progress.finish() }
        progress.step("reading the exports (Module.symvers)")
        let symbolsKlp = try options.symbolsKlp.map { try SymbolsKlp(contentsOf: $0, displayName: Self.display($0)) }
        let vmlinuxFromSymbolsKlp = symbolsKlp?.symbolOrder(of: .vmlinux)
        let textOrder = vmlinuxFromSymbolsKlp == nil ? Self.startTextOrder(paths) : nil
        var exports = try Self.exports(paths)
        if paths.symvers.isEmpty, let symbolsKlp { exports = try symbolsKlp.derivedExports() }
        var objects: [ObjectName] = []
        for object in livepatch.patch.objects {
            if let name = try? ObjectName(normalizing: object.name ?? "vmlinux") { objects.append(name) }
        }
        var dependencies: [ObjectName: Set<ObjectName>] = [:]
        var orders: [ObjectName: SymbolOrder] = [:]
        var moduleFiles: [String] = []
        var builds: [ObjectName: ModuleBuild] = [:]
        let modules = objects.filter { !$0.isVmlinux }
        if !modules.isEmpty, let symbolsKlp, paths.moduleDirectory.map({ !FileManager.default.fileExists(atPath: $0) }) ?? true {
            // symbols.klp gives the order; without a module tree there are no dependencies to know.
            for module in modules { orders[module] = symbolsKlp.symbolOrder(of: module) }
        } else if !modules.isEmpty {
            guard let directory = paths.moduleDirectory else {
                throw Failure(description: "error: the patch changes modules (\(modules.map(\.rawValue).joined(separator: ", "))) but no module tree was given; pass -b DIR -k REL")
            }
            progress.step("reading the module tree (modules.dep)")
            let index = try ModuleDependencies(moduleDirectory: directory)
            for module in modules {
                progress.step("reading the symbols of \(module)")
                guard index.contains(module) else {
                    throw Failure(description: "\(livepatch.file): error: patched module '\(module)' is not in \(Self.display(directory)); pass the kernel world of the target kernel")
                }
                let facts = try Self.moduleFacts(module, index: index)
                dependencies[module] = facts.dependencies
                if let file = facts.file { moduleFiles.append(file) }
                if let order = symbolsKlp?.symbolOrder(of: module) ?? facts.order { orders[module] = order }
                if let build = facts.build { builds[module] = build }
            }
        }
        progress.step("reading the vmlinux symbol order")
        if let order = vmlinuxFromSymbolsKlp {
            orders[.vmlinux] = order
        } else if let order = try textOrder.map({ try $0.result() }) ?? Self.vmlinuxOrder(paths) {
            orders[.vmlinux] = order
        }
        var input = PlanInput(livepatch: livepatch, exports: exports, dependencies: dependencies, symbolOrder: orders,
                              symposChoices: sympos)
        input.target = Self.target(paths, vermagic: livepatch.modinfo.value("vermagic"), moduleFiles: moduleFiles)
        input.moduleBuilds = builds
        return input
    }

    /// Reads what `check` needs for these modules: the exports, and the dependencies and symbol
    /// order of every object they name that the target kernel has. Unlike `load(for:)`, a missing
    /// module tree, an object the target lacks or a missing vmlinux order is not an error here: the
    /// rules report it against the module that names it.
    func loadCheckWorld(for modules: [CheckedModule]) throws -> CheckWorld {
        let paths = try resolvePaths()
        let textOrder = Self.startTextOrder(paths)
        let progress = Progress.onStandardError
        defer { progress.finish() }
        progress.step("reading the exports (Module.symvers)")
        let exports = try Self.exports(paths)
        var dependencies: [ObjectName: Set<ObjectName>] = [:]
        var builds: [ObjectName: ModuleBuild] = [:]
        var orders: [ObjectName: SymbolOrder] = [:]
        var moduleFiles: [String] = []
        let objects = CheckWorld.objectsNamed(by: modules).filter { !$0.isVmlinux }.sorted()
        if let directory = paths.moduleDirectory, !objects.isEmpty {
            progress.step("reading the module tree (modules.dep)")
            let index = try ModuleDependencies(moduleDirectory: directory)
            for object in objects where index.contains(object) {
                progress.step("reading the symbols of \(object)")
                let facts = try Self.moduleFacts(object, index: index)
                dependencies[object] = facts.dependencies
                if let file = facts.file { moduleFiles.append(file) }
                if let order = facts.order { orders[object] = order }
                if let build = facts.build { builds[object] = build }
            }
        }
        progress.step("reading the vmlinux symbol order")
        if let order = try textOrder.map({ try $0.result() }) ?? Self.vmlinuxOrder(paths) { orders[.vmlinux] = order }
        var world = CheckWorld(exports: exports, moduleDependencies: dependencies, symbolOrders: orders,
                               hasModuleTree: paths.moduleDirectory != nil)
        world.moduleBuilds = builds
        world.target = Self.target(paths, vermagic: modules.lazy.compactMap { $0.modinfo.value("vermagic") }.first,
                                   moduleFiles: moduleFiles)
        return world
    }

    /// Every Module.symvers the options name, merged in order.
    private static func exports(_ paths: Paths) throws -> ExportTable {
        var tables: [ExportTable] = []
        // modpost writes an empty Module.symvers for external modules that export nothing, and
        // kbuild users pass it on (KBUILD_EXTRA_SYMBOLS); only a world without any export is refused.
        for file in paths.symvers { tables.append(try ExportTable(contentsOf: file, displayName: display(file), allowEmpty: true)) }
        let merged = ExportTable.merging(tables)
        if merged.count == 0, let first = paths.symvers.first {
            throw KernelWorldError.emptyFile(display(first), nextStep: KernelWorldError.regenerateSymvers)
        }
        return merged
    }

    /// A module's dependency closure and, when it has a .ko, its symbol order once loaded. Messages
    /// name the module's file as modules.dep gives it (`cdrom.ko.xz` on a distro).
    private static func moduleFacts(_ module: ObjectName, index: ModuleDependencies) throws
        -> (dependencies: Set<ObjectName>, order: SymbolOrder?, file: String?, build: ModuleBuild?) {
        let dependencies = Set(try index.dependencies(of: module))
        guard let path = index.path(of: module) else { return (dependencies, nil, nil, nil) }
        let file = String(path.split(separator: "/").last ?? Substring(path))
        let symbols = try ModuleSymbolOrder(moduleAt: path, object: module, displayName: file)
        return (dependencies, symbols.loaded, file, symbols.build)
    }

    /// The vmlinux symbol order from a kallsyms dump or System.map, read on a second thread while
    /// the caller reads Module.symvers, libkmod's indexes and the patched modules; nil when
    /// neither was given (a `--vmlinux` ELF file is read on the calling thread: libelf stays on
    /// one thread). Its errors come out of `result()`, at the point the order was read before.
    private static func startTextOrder(_ paths: Paths) -> BackgroundWork<SymbolOrder?>? {
        guard paths.kallsyms != nil || paths.systemMap != nil else { return nil }
        return BackgroundWork { try vmlinuxOrder(paths) }
    }

    /// The vmlinux symbol order from kallsyms, System.map or vmlinux, whichever was given.
    private static func vmlinuxOrder(_ paths: Paths) throws -> SymbolOrder? {
        if let kallsyms = paths.kallsyms {
            return try KallsymsTable(contentsOf: kallsyms, displayName: display(kallsyms)).vmlinux
        } else if let systemMap = paths.systemMap {
            return try SystemMap(contentsOf: systemMap, displayName: display(systemMap)).vmlinux
        } else if let vmlinux = paths.vmlinux {
            return try vmlinuxOrder(path: vmlinux)
        }
        return nil
    }

    /// A short name for messages and reports: never an absolute path.
    static func display(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        let components = path.split(separator: "/")
        return components.suffix(2).joined(separator: "/")
    }

    /// The sympos order of vmlinux from its ELF symbol table: allocated symbols by address (stable).
    static func vmlinuxOrder(path: String) throws -> SymbolOrder {
        let elf = try ELFFile(path: path)
        let symbols = elf.symbols.filter { symbol in
            let index = Int(symbol.sectionIndex.rawValue)
            return !symbol.name.isEmpty && symbol.type != .section && symbol.type != .file
                && symbol.sectionIndex.isOrdinary && symbol.sectionIndex != .undefined && index < elf.sections.count
                && elf.sections[index].flags.contains(.alloc)
        }
        guard !symbols.isEmpty else {
            throw Failure(description: "\(display(path)): error: vmlinux has no symbol table; pass --kallsyms FILE (a /proc/kallsyms dump) instead")
        }
        let sorted = symbols.enumerated().sorted { ($0.element.value, $0.offset) < ($1.element.value, $1.offset) }
        let entries = sorted.map { item in
            let symbol = item.element
            let local = symbol.binding == .local
            return SymbolOrder.Entry(name: symbol.name, address: symbol.value,
                                     type: symbol.type == .function ? (local ? "t" : "T") : (local ? "d" : "D"),
                                     isLocal: local)
        }
        return SymbolOrder(object: .vmlinux, source: display(path), countingOrder: entries)
    }
}
