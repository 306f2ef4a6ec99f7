/// How a module file is compressed, told by its first bytes (never by its name).
///
/// kbuild's `modules_install` compresses with `xz --check=crc32 --lzma2=dict=1MiB`,
/// `zstd -T0 --rm -f -q` or `gzip -n -f` (scripts/Makefile.modinst, `CONFIG_MODULE_COMPRESS_*`);
/// kmod's `kmod_file_open()` (libkmod-file.c) tells them apart by the same magic numbers.
package enum ModuleCompression: String, Sendable, CaseIterable {
    /// Not compressed: the bytes are the module itself (`\x7fELF`, or anything else).
    case none
    /// `.ko.xz`: an .xz stream, magic `FD 37 7A 58 5A 00` (liblzma).
    case xz
    /// `.ko.zst`: a Zstandard frame, magic `28 B5 2F FD` (`ZSTD_MAGICNUMBER`, libzstd).
    case zstd
    /// `.ko.gz`: a gzip member, magic `1F 8B` (RFC 1952; zlib).
    case gzip

    /// The longest magic number, in bytes: how much of a file `detect(_:)` needs.
    package static let magicLength = 6

    private static let xzMagic: [UInt8] = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]
    private static let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    private static let gzipMagic: [UInt8] = [0x1F, 0x8B]

    /// The compression whose magic number `prefix` (the file's first bytes) starts with.
    package static func detect<Prefix: Collection>(_ prefix: Prefix) -> ModuleCompression where Prefix.Element == UInt8 {
        if prefix.starts(with: xzMagic) { return .xz }
        if prefix.starts(with: zstdMagic) { return .zstd }
        if prefix.starts(with: gzipMagic) { return .gzip }
        return .none
    }

    /// The file suffix kbuild gives such a module: `.ko.xz`, `.ko.zst`, `.ko.gz`, or `.ko`.
    package var moduleSuffix: String {
        switch self {
        case .none: ".ko"
        case .xz: ".ko.xz"
        case .zstd: ".ko.zst"
        case .gzip: ".ko.gz"
        }
    }

    /// The tool a user would run to look at the file by hand (`xz -t`, ...).
    var toolName: String {
        switch self {
        case .none: "cat"
        case .xz: "xz"
        case .zstd: "zstd"
        case .gzip: "gzip"
        }
    }
}
