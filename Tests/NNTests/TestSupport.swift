import Foundation
@testable import NN

/// Deterministic random data for tests.
struct TestRandom {
    var rng: SplitMix64
    init(_ seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func floats(_ n: Int, scale: Double = 1) -> [Float] { (0..<n).map { _ in Float(rng.nextGaussian() * scale) } }
    mutating func doubles(_ n: Int, scale: Double = 1) -> [Double] { (0..<n).map { _ in rng.nextGaussian() * scale } }
    mutating func int(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }

    /// (n, K) tokens valid for `config`.
    mutating func tokens(_ n: Int, config: TransformerConfig) -> [Int32] {
        var out: [Int32] = []
        for _ in 0..<n { for v in config.featureVocabularies { out.append(Int32(int(v))) } }
        return out
    }
}

/// Central finite difference of `f` with respect to `x[i]`, in Double.
func centralDifference(_ x: [Double], _ i: Int, step: Double = 1e-5, _ f: ([Double]) -> Double) -> Double {
    var plus = x, minus = x
    plus[i] += step
    minus[i] -= step
    return (f(plus) - f(minus)) / (2 * step)
}

/// Σ w·y: turns a layer's output into a scalar whose gradient with respect to the output is `w`.
func weightedSum(_ y: [Double], _ w: [Float]) -> Double {
    zip(y, w).reduce(0) { $0 + $1.0 * Double($1.1) }
}

/// Largest violation of |analytic − numeric| ≤ atol + rtol·|numeric|, as a ratio (≤ 1 passes).
func gradientErrorRatio(_ analytic: [Float], _ numeric: [Double], atol: Double = 1e-4, rtol: Double = 2e-3) -> Double {
    precondition(analytic.count == numeric.count)
    var worst = 0.0
    for (a, n) in zip(analytic, numeric) { worst = max(worst, abs(Double(a) - n) / (atol + rtol * abs(n))) }
    return worst
}

/// max |a − b|.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
}

/// A small model for exact tests: d=16, 2 heads, 2 layers, MLP 32, 3 features.
func smallConfig(positional: TransformerConfig.Positional = .rotary, layers: Int = 2, context: Int = 8) -> TransformerConfig {
    TransformerConfig(featureVocabularies: [6, 5, 2], dModel: 16, heads: 2, layers: layers, mlpHidden: 32,
                      contextLength: context, actions: 4, positional: positional)
}

/// Replaces a model's GPT-2 initialisation with larger random values, so every gradient is
/// well above Float rounding and LayerNorm gains are not all 1.
func randomizeParameters(_ model: Transformer, seed: UInt64, scale: Double = 0.3) {
    var random = TestRandom(seed)
    for spec in model.layout.tensors {
        let values = model.parameters[spec]
        let isGain = spec.name.hasSuffix("ln1.weight") || spec.name.hasSuffix("ln2.weight") || spec.name == "ln_f.weight"
        for i in values.indices { values[i] = Float((isGain ? 1 : 0) + random.rng.nextGaussian() * scale) }
    }
    model.parameters.markModified()
}

/// Indices of a few elements of every tensor, for sampled finite-difference checks.
func sampledIndices(_ layout: ParameterLayout, perTensor: Int, seed: UInt64) -> [Int] {
    var random = TestRandom(seed)
    var out: [Int] = []
    for spec in layout.tensors {
        for _ in 0..<min(perTensor, spec.count) { out.append(spec.offset + random.int(spec.count)) }
    }
    return out
}
