import CCrypto

/// The SHA-256 digest of some bytes, computed by libcrypto's EVP interface
/// (`EVP_Digest()` with `EVP_sha256()`).
package struct SHA256Digest: Sendable, Equatable, Hashable {
    /// The 32 digest bytes.
    package let bytes: [UInt8]

    package init<Bytes: Collection>(of data: Bytes) where Bytes.Element == UInt8 {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let contiguous = Array(data)
        let ok = contiguous.withUnsafeBytes { input in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest() fails only when libcrypto cannot allocate its context.
        precondition(ok == 1 && length == 32, "libcrypto's EVP_Digest(EVP_sha256) failed")
        bytes = Array(output.prefix(32))
    }
}
