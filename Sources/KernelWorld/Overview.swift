// KernelWorld — what this target is for.
//
// The target kernel as klp-split needs to know it, read from the files that kernel ships: who exports
// what (`ExportTable` over one or more Module.symvers files, all three historical layouts), which
// modules exist and what each depends on (`ModuleDependencies`, libkmod over a depmod'ed
// `lib/modules/RELEASE`), and in which order the kernel counts duplicate symbol names when it resolves
// a livepatch `sympos` (`SymbolOrder`, built from a root `/proc/kallsyms` dump (`KallsymsTable`), a
// System.map (`SystemMap`) or a module's real `.ko` (`ModuleSymbolOrder`)). Every object name goes
// through `ObjectName`; every failure is a `KernelWorldError` whose message names the file and the next
// step. Nothing here decides what a reference becomes: that is the Planner's job.
//
// (This would be README.md, but a .md file in a target folder needs 'exclude:' in Package.swift.)
