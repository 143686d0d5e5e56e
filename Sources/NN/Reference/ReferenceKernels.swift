import Foundation

/// Naive Double-precision versions of every layer, written for clarity: the fast Float
/// kernels are tested against them, and gradient checks difference them (Double makes
/// central finite differences accurate to ~1e-9 instead of Float's ~1e-3).
/// Shapes match the fast kernels'.
enum ReferenceKernels {
    /// out (N, C) = Σ_k table_k[tokens[r, k]] (+ position table row `positions[r]`).
    /// - tokens: (N, K); tables: (V_k, C); positionTable: (context, C)
    static func embedding(tokens: [Int32], rows n: Int, tables: [[Double]], positionTable: [Double]?, positions: [Int], channels c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * c)
        let k = tables.count
        for r in 0..<n {
            for j in 0..<c {
                var sum = positionTable.map { $0[positions[r] * c + j] } ?? 0
                for f in 0..<k { sum += tables[f][Int(tokens[r * k + f]) * c + j] }
                out[r * c + j] = sum
            }
        }
        return out
    }

    /// LayerNorm with biased variance. inp, out: (N, C); weight, bias: (C).
    static func layerNorm(_ inp: [Double], weight: [Double], bias: [Double], rows n: Int, channels c: Int, epsilon: Double) -> [Double] {
        var out = [Double](repeating: 0, count: n * c)
        for r in 0..<n {
            let row = inp[(r * c)..<((r + 1) * c)]
            let mean = row.reduce(0, +) / Double(c)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(c)
            let rstd = 1 / (variance + epsilon).squareRoot()
            for j in 0..<c { out[r * c + j] = (inp[r * c + j] - mean) * rstd * weight[j] + bias[j] }
        }
        return out
    }

    /// out (N, OC) = inp (N, C) · weightᵀ (OC, C) + bias (OC).
    static func linear(_ inp: [Double], weight: [Double], bias: [Double], rows n: Int, inChannels c: Int, outChannels oc: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * oc)
        for r in 0..<n {
            for o in 0..<oc {
                var sum = bias[o]
                for j in 0..<c { sum += inp[r * c + j] * weight[o * c + j] }
                out[r * oc + o] = sum
            }
        }
        return out
    }

    /// GELU, tanh approximation, element-wise.
    static func gelu(_ x: [Double]) -> [Double] {
        x.map { v in 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v))) }
    }

    /// Rotary (rotate-half) on the q and k parts of qkv rows. qkv: (N, 3C); positions: (N).
    static func rotary(_ qkv: [Double], rows n: Int, channels c: Int, heads h: Int, positions: [Int], base: Double) -> [Double] {
        var out = qkv
        let hs = c / h, half = hs / 2
        for r in 0..<n {
            for chunk in 0..<(2 * h) {
                let start = r * 3 * c + chunk * hs
                for i in 0..<half {
                    let angle = Double(positions[r]) * pow(base, -Double(2 * i) / Double(hs))
                    let x1 = qkv[start + i], x2 = qkv[start + i + half]
                    out[start + i] = x1 * cos(angle) - x2 * sin(angle)
                    out[start + i + half] = x2 * cos(angle) + x1 * sin(angle)
                }
            }
        }
        return out
    }

    /// Causal attention: query t attends to keys `max(0, t − window + 1)...t` (all earlier
    /// keys when `window` is nil). qkv: (B, T, 3C); out: (B, T, C).
    static func attention(_ qkv: [Double], batch b: Int, time t: Int, channels c: Int, heads h: Int, window: Int? = nil) -> [Double] {
        var out = [Double](repeating: 0, count: b * t * c)
        let hs = c / h, scale = 1 / Double(hs).squareRoot()
        for s in 0..<b {
            for head in 0..<h {
                for i in 0..<t {
                    let first = window.map { max(0, i - $0 + 1) } ?? 0
                    let q = (s * t + i) * 3 * c + head * hs
                    var scores: [Double] = []
                    for j in first...i {
                        let k = (s * t + j) * 3 * c + c + head * hs
                        var dot = 0.0
                        for d in 0..<hs { dot += qkv[q + d] * qkv[k + d] }
                        scores.append(dot * scale)
                    }
                    let m = scores.max()!
                    let e = scores.map { exp($0 - m) }
                    let z = e.reduce(0, +)
                    for d in 0..<hs {
                        var sum = 0.0
                        for (idx, j) in (first...i).enumerated() { sum += e[idx] / z * qkv[(s * t + j) * 3 * c + 2 * c + head * hs + d] }
                        out[(s * t + i) * c + head * hs + d] = sum
                    }
                }
            }
        }
        return out
    }
}
