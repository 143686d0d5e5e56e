import COpenBLAS

/// One layer of linear self-attention (no softmax), the second seed's in-context learner:
///
///     H ← H + (1/n) · V · H · M · (Hᵀ · P · H)
///
/// `H` is `(D, N)`: `N = n + 1` prompt columns of height `D`; `M = diag(1, …, 1, 0)` keeps
/// the last column (the query) from being attended to, so only the `n` context columns
/// act as keys and values. `P` (key–query product) and `V` (value–output projection)
/// are the layer's parameters, both `(D, D)`. Everything is row-major `Double`: the
/// matrices are tiny and the construction test wants 1e-5 exactly.
///
/// Products go through OpenBLAS (`cblas_dgemm`); `referenceForward` is the naive triple
/// loop the tests compare it with.
public struct LinearSelfAttention: Sendable {
    /// Rows of a prompt column.
    public let dimension: Int
    /// V: (D, D)
    public var v: [Double]
    /// P: (D, D)
    public var p: [Double]

    public init(dimension: Int, v: [Double], p: [Double]) {
        precondition(v.count == dimension * dimension && p.count == dimension * dimension, "V and P are (D, D)")
        self.dimension = dimension
        self.v = v
        self.p = p
    }

    /// What forward keeps for backward.
    public struct Saved: Sendable {
        /// h: (D, N) the input
        var h: [Double]
        /// ph: (D, N) = P·H
        var ph: [Double]
        /// b: (N, N) = Hᵀ·P·H
        var b: [Double]
        /// c: (D, N) = H·M·B
        var c: [Double]
        var columns: Int
    }

    /// - Parameters:
    ///   - h: (D, N), N ≥ 2
    /// - Returns: out (D, N), and what backward needs.
    public func forward(_ h: [Double], columns n1: Int) -> (out: [Double], saved: Saved) {
        let d = dimension
        precondition(h.count == d * n1 && n1 >= 2, "H is (D, N) with N ≥ 2")
        let n = Double(n1 - 1)
        var ph = [Double](repeating: 0, count: d * n1)
        var b = [Double](repeating: 0, count: n1 * n1)
        var c = [Double](repeating: 0, count: d * n1)
        var hm = h
        for r in 0..<d { hm[r * n1 + n1 - 1] = 0 }
        dgemm(false, false, d, n1, d, 1, p, d, h, n1, 0, &ph, n1)          // P·H
        dgemm(true, false, n1, n1, d, 1, h, n1, ph, n1, 0, &b, n1)          // Hᵀ·(P·H)
        dgemm(false, false, d, n1, n1, 1, hm, n1, b, n1, 0, &c, n1)         // (H·M)·B
        var out = h
        dgemm(false, false, d, n1, d, 1 / n, v, d, c, n1, 1, &out, n1)      // H + V·C/n
        return (out, Saved(h: h, ph: ph, b: b, c: c, columns: n1))
    }

    /// Gradients of a loss with respect to V, P and H, given `dOut` = ∂loss/∂out.
    ///
    /// - Parameters:
    ///   - dOut: (D, N)
    /// - Returns: dV (D, D), dP (D, D), dH (D, N).
    public func backward(_ dOut: [Double], saved s: Saved) -> (dV: [Double], dP: [Double], dH: [Double]) {
        let d = dimension, n1 = s.columns
        let n = Double(n1 - 1)
        var dV = [Double](repeating: 0, count: d * d)
        var dC = [Double](repeating: 0, count: d * n1)
        var dHM = [Double](repeating: 0, count: d * n1)
        var dB = [Double](repeating: 0, count: n1 * n1)
        var dX = [Double](repeating: 0, count: d * n1)
        var dP = [Double](repeating: 0, count: d * d)
        var hm = s.h
        for r in 0..<d { hm[r * n1 + n1 - 1] = 0 }
        dgemm(false, true, d, d, n1, 1 / n, dOut, n1, s.c, n1, 0, &dV, d)    // dV = G·Cᵀ/n
        dgemm(true, false, d, n1, d, 1 / n, v, d, dOut, n1, 0, &dC, n1)     // dC = Vᵀ·G/n
        dgemm(false, true, d, n1, n1, 1, dC, n1, s.b, n1, 0, &dHM, n1)      // dHM = dC·Bᵀ
        dgemm(true, false, n1, n1, d, 1, hm, n1, dC, n1, 0, &dB, n1)        // dB = HMᵀ·dC
        dgemm(false, false, d, n1, n1, 1, s.h, n1, dB, n1, 0, &dX, n1)      // dX = H·dB   (X = P·H)
        dgemm(false, true, d, d, n1, 1, dX, n1, s.h, n1, 0, &dP, d)         // dP = dX·Hᵀ
        var dH = dOut                                                        // the residual
        for r in 0..<d { dHM[r * n1 + n1 - 1] = 0 }
        for i in dH.indices { dH[i] += dHM[i] }
        dgemm(false, true, d, n1, n1, 1, s.ph, n1, dB, n1, 1, &dH, n1)      // from Hᵀ in B: X·dBᵀ
        dgemm(true, false, d, n1, d, 1, p, d, dX, n1, 1, &dH, n1)           // from H in X: Pᵀ·dX
        return (dV, dP, dH)
    }

    /// The same layer as three naive loops, for tests.
    public func referenceForward(_ h: [Double], columns n1: Int) -> [Double] {
        let d = dimension
        let n = Double(n1 - 1)
        var out = h
        for row in 0..<d {
            for col in 0..<n1 {
                var total = 0.0
                for k in 0..<(n1 - 1) {
                    // (V·H)[row, k] · (Hᵀ·P·H)[k, col]
                    var vh = 0.0
                    for j in 0..<d { vh += v[row * d + j] * h[j * n1 + k] }
                    var hph = 0.0
                    for a in 0..<d {
                        for b in 0..<d { hph += h[a * n1 + k] * p[a * d + b] * h[b * n1 + col] }
                    }
                    total += vh * hph
                }
                out[row * n1 + col] += total / n
            }
        }
        return out
    }
}

/// Row-major `c (m, n) = alpha · op(a) · op(b) + beta · c`.
@inline(__always)
func dgemm(
    _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double,
    _ a: [Double], _ lda: Int, _ b: [Double], _ ldb: Int, _ beta: Double, _ c: inout [Double], _ ldc: Int
) {
    cblas_dgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, &c, Int32(ldc))
}
