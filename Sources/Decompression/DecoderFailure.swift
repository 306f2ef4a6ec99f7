/// Why a decoder stopped, before the file name is known (`Decompressor` adds it).
enum DecoderFailure: Error {
    /// The input ends inside a stream or frame.
    case truncated
    /// The library refused the data.
    case corrupt(String)
    /// The output would pass `DecompressedBytes.limit`.
    case tooLarge
    /// The library itself failed (allocation, initialisation).
    case library(String)

    var reason: String {
        switch self {
        case .truncated: "the data is truncated (the compressed stream ends early)"
        case .corrupt(let what): "corrupt data (\(what))"
        case .tooLarge: "it decompresses to more than \(DecompressedBytes.limit >> 20) MiB, more than any kernel module"
        case .library(let what): what
        }
    }
}
