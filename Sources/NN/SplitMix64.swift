/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator that keeps NN free of
/// dependencies and makes initialisation identical on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable, Codable {
    /// The whole state; store it to resume the stream.
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal sample (Box–Muller, one value per call so the stream stays simple).
    public mutating func nextGaussian() -> Double {
        let u1 = 1 - nextUnitDouble()  // (0, 1]: log stays finite
        let u2 = nextUnitDouble()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) private func _log(_ x: Double) -> Double { log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { cos(x) }
