@testable import KernelWorld
import Testing

@Suite("ModuleDependencies")
struct ModuleDependenciesTests {
    let modules: ModuleDependencies

    init() throws {
        modules = try ModuleDependencies(moduleDirectory: Fixture.moduleDirectory)
    }

    private func name(_ text: String) throws -> ObjectName { try ObjectName(normalizing: text) }

    @Test("sr_mod depends on cdrom, scsi_mod and scsi_common; cdrom depends on nothing")
    func dependencies() throws {
        #expect(Set(try modules.dependencies(of: name("sr_mod")).map(\.rawValue)) == ["cdrom", "scsi_mod", "scsi_common"])
        #expect(try modules.dependencies(of: name("cdrom")).isEmpty)
        #expect(try modules.dependencies(of: .vmlinux).isEmpty)
        #expect(!modules.contains(.vmlinux))
        // The answer does not depend on how the name was spelled.
        #expect(try modules.dependencies(of: name("kernel/drivers/scsi/sr-mod.ko")) == modules.dependencies(of: name("sr_mod")))
    }

    @Test("a loadable module has the path of its .ko in the module tree")
    func path() throws {
        #expect(modules.path(of: try name("cdrom")) == Fixture.moduleDirectory + "/kernel/drivers/cdrom/cdrom.ko")
        #expect(modules.contains(try name("cdrom")))
        #expect(!modules.isBuiltIn(try name("cdrom")))
    }

    @Test("a built-in module is known, has no path and no dependencies")
    func builtIn() throws {
        let unix = try name("unix")
        #expect(modules.contains(unix))
        #expect(modules.isBuiltIn(unix))
        #expect(modules.path(of: unix) == nil)
        #expect(try modules.dependencies(of: unix).isEmpty)
    }

    @Test("unknown names and aliases are not modules", arguments: ["no_such_module", "block-major-11-0"])
    func unknown(text: String) throws {
        let unknown = try name(text)
        #expect(!modules.contains(unknown))
        #expect(modules.path(of: unknown) == nil)
        #expect {
            try modules.dependencies(of: unknown)
        } throws: { error in
            (error as? KernelWorldError)?.description ==
                "\(Fixture.moduleDirectory): error: no module named '\(unknown)' in modules.dep or modules.builtin; check the name, or the -b/-k that chose this kernel"
        }
    }
}

@Suite("ModuleDependencies without indexes")
struct ModuleDependenciesErrorTests {
    @Test("a directory without modules.dep is refused with the depmod command to run")
    func noIndex() {
        #expect {
            try ModuleDependencies(moduleDirectory: Fixture.root + "/Sources")
        } throws: { error in
            (error as? KernelWorldError)?.description ==
                "\(Fixture.root)/Sources: error: no modules.dep or modules.dep.bin in this directory; run 'depmod -b BASEDIR KERNELRELEASE' or pass the right -b/-k"
        }
    }
}
