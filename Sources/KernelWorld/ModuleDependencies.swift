import CKmod
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The modules of the target kernel and what each depends on, read through libkmod from a
/// depmod'ed `lib/modules/RELEASE` directory (modules.dep(.bin), modules.builtin(.bin)).
///
/// Mirrors what modprobe would do on the target: `kmod_new(dirname, NULL)`,
/// `kmod_module_new_from_name_lookup()` to resolve a module name (modules.dep, then
/// modules.builtin; aliases such as `block-major-11-0` are not names and are not accepted),
/// `kmod_module_get_dependencies()` for the dependencies depmod recorded (already transitive in
/// modules.dep; the closure is taken anyway, so a hand-trimmed modules.dep still works), and
/// `kmod_module_get_path()` (NULL for a built-in module).
///
/// It owns a `struct kmod_ctx *`, which libkmod does not let threads share, so the type is not
/// `Sendable`: use it on one thread and pass its results (`ObjectName`s, paths) around instead.
package final class ModuleDependencies {
    /// The directory given to `init`, as given.
    package let moduleDirectory: String
    private let context: OpaquePointer
    private var closureCache: [ObjectName: [ObjectName]] = [:]

    /// Opens the module indexes in `moduleDirectory` (e.g. `/lib/modules/6.1.0-56-amd64`).
    package init(moduleDirectory: String) throws(KernelWorldError) {
        guard access(moduleDirectory + "/modules.dep.bin", R_OK) == 0
            || access(moduleDirectory + "/modules.dep", R_OK) == 0 else {
            throw .missingModuleIndex(moduleDirectory)
        }
        guard let context = kmod_new(moduleDirectory, nil) else {
            throw .kmodFailure(moduleDirectory, call: "kmod_new", code: -ENOMEM)
        }
        // libkmod would print its own errors to stderr; every failure here becomes a
        // KernelWorldError instead. Priority 0 (LOG_EMERG) is never used by libkmod.
        kmod_set_log_priority(context, 0)
        // Map the indexes once instead of opening them on every lookup. Failing (an index other
        // than modules.dep is missing) is not fatal: lookups then open the files themselves.
        _ = kmod_load_resources(context)
        self.moduleDirectory = moduleDirectory
        self.context = context
    }

    deinit {
        kmod_unref(context)
    }

    /// True if the target kernel has a module of this name, loadable or built in.
    package func contains(_ name: ObjectName) -> Bool {
        withModule(name) { _ in true } ?? false
    }

    /// The absolute path of the module's `.ko`; nil for a built-in or unknown module.
    package func path(of name: ObjectName) -> String? {
        withModule(name) { module in kmod_module_get_path(module).map { String(cString: $0) } } ?? nil
    }

    /// True for a module compiled into vmlinux (listed in modules.builtin, no `.ko`).
    package func isBuiltIn(_ name: ObjectName) -> Bool {
        withModule(name) { module in kmod_module_get_path(module) == nil } ?? false
    }

    /// Every module `name` needs loaded first, transitively, in modules.dep order (the order
    /// modprobe loads them, last first); empty for a built-in module and for vmlinux, which is
    /// not a module (`contains(.vmlinux)` is false) but depends on nothing.
    package func dependencies(of name: ObjectName) throws(KernelWorldError) -> [ObjectName] {
        if name.isVmlinux { return [] }
        if let cached = closureCache[name] { return cached }
        guard let direct = withModule(name, Self.directDependencies) else {
            throw .unknownModule(name, directory: moduleDirectory)
        }
        var closure: [ObjectName] = []
        var pending = direct
        while !pending.isEmpty {
            let next = pending.removeFirst()
            if next == name || closure.contains(next) { continue }
            closure.append(next)
            pending += withModule(next, Self.directDependencies) ?? []
        }
        closureCache[name] = closure
        return closure
    }

    /// Runs `body` with the module handle if libkmod knows `name`; nil otherwise.
    private func withModule<T>(_ name: ObjectName, _ body: (OpaquePointer) -> T) -> T? {
        var module: OpaquePointer?
        guard kmod_module_new_from_name_lookup(context, name.rawValue, &module) >= 0, let module else {
            return nil
        }
        defer { kmod_module_unref(module) }
        return body(module)
    }

    /// The dependencies modules.dep lists for one module.
    private static func directDependencies(_ module: OpaquePointer) -> [ObjectName] {
        guard let list = kmod_module_get_dependencies(module) else { return [] }
        defer { kmod_module_unref_list(list) }
        var names: [ObjectName] = []
        var entry: OpaquePointer? = list
        while let current = entry {
            if let dependency = kmod_module_get_module(current) {
                if let cName = kmod_module_get_name(dependency),
                   let name = try? ObjectName(normalizing: String(cString: cName)) {
                    names.append(name)
                }
                kmod_module_unref(dependency)
            }
            entry = kmod_list_next(list, current)
        }
        return names
    }
}

@available(*, unavailable, message: "owns a libkmod context, which threads must not share")
extension ModuleDependencies: Sendable {}
