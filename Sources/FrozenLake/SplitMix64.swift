/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator whose main job here is to turn
/// one 64-bit seed into well-mixed state for ``Xoshiro256`` and to derive independent
/// seeds for sub-streams (one per map, per trial, per actor) from a single user seed.
///
/// Its output function is a strong 64-bit mixer, so consecutive or structured inputs
/// (`seed`, `seed + 1`, a split tag) give statistically unrelated streams.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The generator's whole state; it advances by the golden-ratio increment each draw.
    public var state: UInt64

    /// Creates a generator whose first output is `mix(seed &+ increment)`.
    public init(seed: UInt64) {
        state = seed
    }

    /// Weyl increment (2^64 / golden ratio), the standard SplitMix64 constant.
    @usableFromInline static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= SplitMix64.increment
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective avalanche mixer of 64-bit words.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Derives a child seed from `seed` and a path of stream identifiers.
    ///
    /// Every component is mixed in turn, so `derive(s, 1, 2)` and `derive(s, 2, 1)` differ,
    /// and no two short paths collide in practice. This is how the project keeps
    /// "map 17 of the evaluation split" and "agent randomness of trial 17" independent
    /// while both follow from the one `--seed` a user typed.
    public static func derive(_ seed: UInt64, _ path: UInt64...) -> UInt64 {
        derive(seed, path: path)
    }

    /// Array form of ``derive(_:_:)``.
    public static func derive(_ seed: UInt64, path: [UInt64]) -> UInt64 {
        var h = mix(seed ^ 0x6A09_E667_F3BC_C909)
        for part in path {
            h = mix(h ^ mix(part &+ increment))
        }
        return h
    }
}
