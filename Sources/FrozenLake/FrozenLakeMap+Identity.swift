extension FrozenLakeMap {
    /// Gymnasium's built-in `MAPS["4x4"]`.
    public static let gymnasium4x4 = try! FrozenLakeMap("SFFF,FHFH,FFFH,HFFG")

    /// Gymnasium's built-in `MAPS["8x8"]`.
    public static let gymnasium8x8 = try! FrozenLakeMap(
        "SFFFFFFF,FFFFFFFF,FFFHFFFF,FFFFFHFF,FFFHFFFF,FHHFFFHF,FHFFHFHF,FFFHFFFG")

    /// A 64-bit hash of ``compactString`` that is the same on every platform, Swift
    /// version and run (unlike `hashValue`, which Swift randomises per process):
    /// FNV-1a over the UTF-8 bytes, then the SplitMix64 finaliser to spread the bits.
    /// ``MapSplit`` buckets maps by it.
    public var stableHash: UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in compactString.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        return SplitMix64.mix(h)
    }
}
