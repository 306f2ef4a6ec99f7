import ELF
import Livepatch
import Planner

/// Builds every part of a planned livepatch, after the checks that must pass first.
package enum SplitBuilder {
    /// One module to write.
    package struct PartModule: Sendable {
        package let name: String
        package let image: ELFImage
    }

    /// - Parameters:
    ///   - input: the livepatch read as an `ELFImage` (the same file as `livepatch`).
    ///   - noReplace: build non-replacing parts from a `replace = true` patch (`--no-replace`).
    ///   - provenance: what each part records about its build (`BuildProvenance`).
    package static func build(input: ELFImage, livepatch: LivepatchModule, plan: Plan,
                              noReplace: Bool, provenance: BuildProvenance? = nil) throws(ConvertError) -> [PartModule] {
        guard plan.errorCount == 0 else { throw .planHasErrors(livepatch.file, count: plan.errorCount) }
        // One part is the whole patch: replace keeps its meaning there.
        if livepatch.patch.replace && !noReplace && plan.parts.count > 1 { throw .atomicReplace(livepatch.file) }
        try checkCRCs(livepatch: livepatch, plan: plan)
        var modules: [PartModule] = []
        for index in plan.parts.indices {
            var builder = PartBuilder(input: input, livepatch: livepatch, plan: plan, partIndex: index, noReplace: noReplace)
            builder.provenance = provenance
            modules.append(PartModule(name: plan.parts[index].name, image: try builder.build()))
        }
        return modules
    }

    /// The loader no longer checks the CRC of a symbol turned into a klp relocation, so compare the CRC
    /// the livepatch was built against (`__versions`, or the extended tables when it has them) with the target's Module.symvers here.
    static func checkCRCs(livepatch: LivepatchModule, plan: Plan) throws(ConvertError) {
        // With extended modversions the loader relies on them alone (kernel/module/version.c check_version()).
        let built = Dictionary((livepatch.extendedVersions ?? livepatch.versions).map { ($0.symbol, $0.crc) },
                               uniquingKeysWith: { a, _ in a })
        // Exports only: a vmlinux-local reference with a CRC is an export restricted to other modules
        // (EXPORT_SYMBOL_FOR_MODULES) made a klp relocation.
        for reference in plan.references
        where [.patchedModuleExport, .otherModuleExport, .vmlinuxLocal].contains(reference.category) {
            guard let target = reference.crc, let crc = built[reference.symbol] else { continue }
            let hex = String(crc, radix: 16)
            let mine = "0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
            if mine != target {
                throw .crcMismatch(livepatch.file, table: livepatch.extendedVersions == nil ? "__versions" : ExtendedVersions.crcSection,
                                   symbol: reference.symbol, built: crc, target: target)
            }
        }
    }
}
