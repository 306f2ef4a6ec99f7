import ELF
import Livepatch
import Planner

/// `klp-split convert`: the livepatch rewritten as one module, every non-exported reference and
/// every module export turned into a klp relocation, with the same rules and code as `build`
/// (`PartBuilder` in whole-module mode).
package enum WholeModuleBuilder {
    package static func build(input: ELFImage, livepatch: LivepatchModule, plan: Plan) throws(ConvertError) -> ELFImage {
        guard plan.errorCount == 0 else { throw .planHasErrors(livepatch.file, count: plan.errorCount, what: "no module written", command: "convert") }
        guard plan.parts.count == 1 else { throw .inconsistent(livepatch.file, "a whole-module plan has \(plan.parts.count) parts") }
        try SplitBuilder.checkCRCs(livepatch: livepatch, plan: plan)
        var builder = PartBuilder(input: input, livepatch: livepatch, plan: plan, partIndex: 0, noReplace: false)
        builder.wholeModule = true
        return try builder.build()
    }
}
