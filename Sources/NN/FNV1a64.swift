/// 64-bit FNV-1a: a tiny, stable, dependency-free hash for fingerprints.
/// Not cryptographic; it only has to be identical everywhere.
public enum FNV1a64 {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// Hash of `bytes`, continuing from `state` (start with `offsetBasis`).
    public static func hash<S: Sequence>(_ bytes: S, state: UInt64 = offsetBasis) -> UInt64 where S.Element == UInt8 {
        var h = state
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* prime
        }
        return h
    }

    /// 16 lowercase hex digits, zero-padded.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
