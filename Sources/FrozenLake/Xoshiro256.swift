/// xoshiro256** 1.0 (Blackman & Vigna 2018): the project's seeded, reproducible generator.
///
/// Every random choice in the project (maps, slips, start cells, exploration) draws from
/// one of these, so a run is a pure function of its seed on every platform and Swift
/// version. Swift's `SystemRandomNumberGenerator` is not seedable, and the standard
/// library's `random(in:using:)` algorithms are not promised to stay the same across
/// releases, so the helpers below (``nextDouble()``, ``nextInt(below:)``) are written
/// out here with fixed algorithms.
public struct Xoshiro256: RandomNumberGenerator, Sendable, Hashable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Seeds the four state words from SplitMix64, as the xoshiro authors recommend;
    /// this can never produce the forbidden all-zero state.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    /// Seeds from `SplitMix64.derive(seed, path...)`: a generator for one named sub-stream.
    public init(seed: UInt64, stream path: UInt64...) {
        self.init(seed: SplitMix64.derive(seed, path: path))
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits (the top bits, which are the best
    /// ones for xoshiro256**). Same algorithm as NumPy's `random()` on its own generator.
    @inlinable
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `0..<bound` by Lemire's nearly-divisionless method (unbiased).
    /// - Precondition: `bound > 0`.
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A uniform integer in a closed range, built on ``nextInt(below:)``.
    @inlinable
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `probability` (one ``nextDouble()`` draw).
    @inlinable
    public mutating func nextBool(probability: Double) -> Bool {
        nextDouble() < probability
    }
}

@inlinable
func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
}
