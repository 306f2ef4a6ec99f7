import ELF

/// Where the livepatch structs' members are, taken from the module's own DWARF or inferred.
///
/// Kernel: include/linux/livepatch.h `struct klp_patch`, `struct klp_object`, `struct klp_func`,
/// `struct klp_callbacks`. Offsets are in bytes from the start of each struct. A nil size means
/// "derive it from the array symbol's size and the number of entries" (the inferred layout).
struct KlpLayout {
    /// `sizeof(struct klp_patch)`, when DWARF gives it.
    let patchSize: UInt64?
    /// `klp_patch.mod`, `.objs`, `.states`, `.replace`.
    let patchMod: UInt64, patchObjs: UInt64, patchStates: UInt64, patchReplace: UInt64
    /// `sizeof(klp_patch.replace)` (a `bool`).
    let patchReplaceSize: Int

    /// `sizeof(struct klp_object)`, when DWARF gives it.
    let objectSize: UInt64?
    /// `klp_object.name`, `.funcs`.
    let objectName: UInt64, objectFuncs: UInt64
    /// `klp_object.callbacks.pre_patch`, `.post_patch`, `.pre_unpatch`, `.post_unpatch`, in
    /// `KlpMetadataReader.callbackNames` order.
    let objectCallbacks: [UInt64]

    /// `sizeof(struct klp_func)`, when DWARF gives it.
    let funcSize: UInt64?
    /// `klp_func.old_name`, `.new_func`, `.old_sympos`.
    let funcOldName: UInt64, funcNewFunc: UInt64, funcOldSympos: UInt64
    /// `sizeof(klp_func.old_sympos)` (an `unsigned long`).
    let funcOldSymposSize: Int

    /// Whether the sizes and offsets came from DWARF.
    var fromDWARF: Bool { funcSize != nil }

    /// The offsets that have been stable since v4.x on 64-bit; element sizes derived per array.
    static let inferred = KlpLayout(
        patchSize: nil, patchMod: 0, patchObjs: 8, patchStates: 16, patchReplace: 24, patchReplaceSize: 1,
        objectSize: nil, objectName: 0, objectFuncs: 8, objectCallbacks: [16, 24, 32, 40],
        funcSize: nil, funcOldName: 0, funcNewFunc: 8, funcOldSympos: 16, funcOldSymposSize: 8)

    /// The known sizes for a `vermagic` release (its first word), if klp-split has them.
    static func knownSizes(release: String?) -> (patch: UInt64, object: UInt64, function: UInt64)? {
        guard let release else { return nil }
        return KnownKlpStructSizes.rows.first { $0.release == release }.map { ($0.patch, $0.object, $0.function) }
    }

    /// The structs `KlpLayout(dwarf:)` reads.
    static let structNames = ["klp_patch", "klp_object", "klp_func", "klp_callbacks"]

    /// The layout the DWARF describes, or nil when it lacks one of `structNames`.
    ///
    /// Throws when a struct the DWARF describes lacks a member klp-split reads, or a pointer member
    /// is not 8 bytes: that is not a layout klp-split knows how to read.
    init?(dwarf: [String: StructLayout], file: String) throws(LivepatchError) {
        guard let patch = dwarf["klp_patch"], let object = dwarf["klp_object"], let function = dwarf["klp_func"],
              let callbacks = dwarf["klp_callbacks"] else { return nil }
        let layouts = DWARFMembers(file: file)
        patchSize = patch.byteSize
        patchMod = try layouts.pointer("mod", of: patch)
        patchObjs = try layouts.pointer("objs", of: patch)
        patchStates = try layouts.pointer("states", of: patch)
        let replace = try layouts.member("replace", of: patch, sizes: 1...8)
        patchReplace = replace.offset
        patchReplaceSize = Int(replace.size)
        objectSize = object.byteSize
        objectName = try layouts.pointer("name", of: object)
        objectFuncs = try layouts.pointer("funcs", of: object)
        let callbacksMember = try layouts.member("callbacks", of: object, sizes: callbacks.byteSize...callbacks.byteSize)
        var callbackOffsets: [UInt64] = []
        for name in KlpMetadataReader.callbackNames {
            callbackOffsets.append(callbacksMember.offset + (try layouts.pointer(name, of: callbacks)))
        }
        objectCallbacks = callbackOffsets
        funcSize = function.byteSize
        funcOldName = try layouts.pointer("old_name", of: function)
        funcNewFunc = try layouts.pointer("new_func", of: function)
        let sympos = try layouts.member("old_sympos", of: function, sizes: 1...8)
        funcOldSympos = sympos.offset
        funcOldSymposSize = Int(sympos.size)
    }

    private init(patchSize: UInt64?, patchMod: UInt64, patchObjs: UInt64, patchStates: UInt64, patchReplace: UInt64,
                 patchReplaceSize: Int, objectSize: UInt64?, objectName: UInt64, objectFuncs: UInt64,
                 objectCallbacks: [UInt64], funcSize: UInt64?, funcOldName: UInt64, funcNewFunc: UInt64,
                 funcOldSympos: UInt64, funcOldSymposSize: Int) {
        self.patchSize = patchSize
        self.patchMod = patchMod
        self.patchObjs = patchObjs
        self.patchStates = patchStates
        self.patchReplace = patchReplace
        self.patchReplaceSize = patchReplaceSize
        self.objectSize = objectSize
        self.objectName = objectName
        self.objectFuncs = objectFuncs
        self.objectCallbacks = objectCallbacks
        self.funcSize = funcSize
        self.funcOldName = funcOldName
        self.funcNewFunc = funcNewFunc
        self.funcOldSympos = funcOldSympos
        self.funcOldSymposSize = funcOldSymposSize
    }
}

/// Where klp-build's metadata members are (include/linux/livepatch_external.h): from the module's
/// own DWARF, or the fixed 64-bit layout.
struct KlpBuildLayout {
    /// `sizeof(struct klp_object_ext)`.
    let objectSize: UInt64
    /// `klp_object_ext.name`, `.funcs`, `.nr_funcs`.
    let objectName: UInt64, objectFuncs: UInt64, objectFunctionCount: UInt64
    /// `sizeof(klp_object_ext.nr_funcs)` (an `unsigned int`).
    let objectFunctionCountSize: Int
    /// `klp_object_ext.callbacks.pre_patch` ... `.post_unpatch`, in `KlpMetadataReader.callbackNames` order.
    let objectCallbacks: [UInt64]
    /// `sizeof(struct klp_func_ext)`.
    let funcSize: UInt64
    /// `klp_func_ext.old_name`, `.new_func`, `.sympos`.
    let funcOldName: UInt64, funcNewFunc: UInt64, funcSympos: UInt64
    /// `sizeof(klp_func_ext.sympos)` (an `unsigned long`).
    let funcSymposSize: Int
    /// Whether the sizes and offsets came from DWARF.
    let fromDWARF: Bool

    /// The 64-bit layout: name 0, funcs 8, `struct klp_callbacks` 16..55 (four pointers and
    /// `bool post_unpatch_enabled`), nr_funcs 56, padding to 64; old_name 0, new_func 8, sympos 16, 24 in all.
    static let fixed = KlpBuildLayout(
        objectSize: 64, objectName: 0, objectFuncs: 8, objectFunctionCount: 56, objectFunctionCountSize: 4,
        objectCallbacks: [16, 24, 32, 40], funcSize: 24, funcOldName: 0, funcNewFunc: 8, funcSympos: 16,
        funcSymposSize: 8, fromDWARF: false)

    /// The structs `KlpBuildLayout(dwarf:)` reads.
    static let structNames = ["klp_object_ext", "klp_func_ext", "klp_callbacks"]

    /// The layout the DWARF describes, or nil when it lacks one of `structNames`.
    init?(dwarf: [String: StructLayout], file: String) throws(LivepatchError) {
        guard let object = dwarf["klp_object_ext"], let function = dwarf["klp_func_ext"],
              let callbacks = dwarf["klp_callbacks"] else { return nil }
        let layouts = DWARFMembers(file: file)
        objectSize = object.byteSize
        objectName = try layouts.pointer("name", of: object)
        objectFuncs = try layouts.pointer("funcs", of: object)
        let count = try layouts.member("nr_funcs", of: object, sizes: 1...8)
        objectFunctionCount = count.offset
        objectFunctionCountSize = Int(count.size)
        let callbacksMember = try layouts.member("callbacks", of: object, sizes: callbacks.byteSize...callbacks.byteSize)
        var callbackOffsets: [UInt64] = []
        for name in KlpMetadataReader.callbackNames {
            callbackOffsets.append(callbacksMember.offset + (try layouts.pointer(name, of: callbacks)))
        }
        objectCallbacks = callbackOffsets
        funcSize = function.byteSize
        funcOldName = try layouts.pointer("old_name", of: function)
        funcNewFunc = try layouts.pointer("new_func", of: function)
        let sympos = try layouts.member("sympos", of: function, sizes: 1...8)
        funcSympos = sympos.offset
        funcSymposSize = Int(sympos.size)
        fromDWARF = true
    }

    private init(objectSize: UInt64, objectName: UInt64, objectFuncs: UInt64, objectFunctionCount: UInt64,
                 objectFunctionCountSize: Int, objectCallbacks: [UInt64], funcSize: UInt64, funcOldName: UInt64,
                 funcNewFunc: UInt64, funcSympos: UInt64, funcSymposSize: Int, fromDWARF: Bool) {
        self.objectSize = objectSize
        self.objectName = objectName
        self.objectFuncs = objectFuncs
        self.objectFunctionCount = objectFunctionCount
        self.objectFunctionCountSize = objectFunctionCountSize
        self.objectCallbacks = objectCallbacks
        self.funcSize = funcSize
        self.funcOldName = funcOldName
        self.funcNewFunc = funcNewFunc
        self.funcSympos = funcSympos
        self.funcSymposSize = funcSymposSize
        self.fromDWARF = fromDWARF
    }
}

/// Looks up the members klp-split reads in DWARF struct layouts, refusing what it cannot read.
private struct DWARFMembers {
    let file: String

    /// A member whose size is in `sizes`, and which lies inside the struct.
    func member(_ name: String, of layout: StructLayout, sizes: ClosedRange<UInt64>) throws(LivepatchError) -> StructLayout.Member {
        guard let member = layout.member(name) else {
            throw .unsupportedLayout(file, ".debug_info", "the DWARF's struct \(layout.name) has no member \(name)")
        }
        guard sizes.contains(member.size), member.bitSize == nil, member.offset + member.size <= layout.byteSize else {
            throw .unsupportedLayout(file, ".debug_info",
                "the DWARF's \(layout.name).\(name) is \(member.size) bytes at offset \(member.offset) of \(layout.byteSize)")
        }
        return member
    }

    /// The offset of an 8-byte pointer member, aligned as a relocation against it must be.
    func pointer(_ name: String, of layout: StructLayout) throws(LivepatchError) -> UInt64 {
        let member = try member(name, of: layout, sizes: 8...8)
        guard member.offset % 8 == 0 else {
            throw .unsupportedLayout(file, ".debug_info", "the DWARF's \(layout.name).\(name) is at unaligned offset \(member.offset)")
        }
        return member.offset
    }
}

/// `sizeof(struct klp_patch)`, `klp_object` and `klp_func` on kernels klp-split was verified on, for
/// modules without DWARF (the parts `build` writes). They depend on the kernel config (`struct
/// kobject` lives inside), so a row names one distribution kernel by its `vermagic` release; each
/// was read from the DWARF of a module built against that kernel's headers
/// (include/linux/livepatch.h; `Fixtures/modules*/lp_nodatasections.ko`, checked by LayoutSourceTests).
package enum KnownKlpStructSizes {
    package static let rows: [(release: String, patch: UInt64, object: UInt64, function: UInt64)] = [
        ("6.1.0-56-amd64", 200, 168, 152),            // Debian 12, x86-64
        ("6.12.118+deb12-amd64", 200, 168, 152),      // Debian 12 backports, x86-64
        ("6.12.118-klplab", 200, 168, 152),           // the ppc64le lab kernel (docs/ppc64le.md), Fixtures/ppc64le/modules/lp_ppc_split.ko
    ]
}
