import CNNKernels
import COpenBLAS

/// Row-major `c (m, n) = alpha · op(a) · op(b) + beta · c`, where `op(a)` is `(m, k)` and
/// `op(b)` is `(k, n)`. Single-threaded by design (see `WorkerPool`).
@inline(__always)
func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Linear layer forward: `out = inp · weightᵀ + bias (+ residual)`, on `MatmulPath.current`.
///
/// On OpenBLAS, filling `out` with the bias (and the residual) first and letting the GEMM accumulate with
/// β = 1 costs the same single pass over `out` that β = 0 costs (OpenBLAS scales C first),
/// so the residual add is free. `residual` may be `out` itself.
///
/// - out: (N, OC)
/// - inp: (N, C)
/// - weight: (OC, C)
/// - bias: (OC)
/// - residual: (N, OC) or nil
func linearForward(
    out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
    rows n: Int, inChannels c: Int, outChannels oc: Int, path: MatmulPath = .current
) {
    switch path {
    case .bf16x3: return icrl_linear_forward_amx(out, inp, weight, bias, residual, n, Int32(c), Int32(oc))
    case .fp32: return icrl_linear_forward(out, inp, weight, bias, residual, n, Int32(c), Int32(oc))
    case .openblas: break
    }
    if let residual {
        for r in 0..<n {
            let o = out + r * oc, s = residual + r * oc
            for j in 0..<oc { o[j] = s[j] + bias[j] }
        }
    } else {
        for r in 0..<n { (out + r * oc).update(from: bias, count: oc) }
    }
    sgemm(transA: false, transB: true, m: n, n: oc, k: c, a: inp, lda: c, b: weight, ldb: c, beta: 1, c: out, ldc: oc)
}

/// `linearForward` on weightᵀ panels packed by `PackedWeights` when there are some.
@inline(__always)
func linearForward(
    out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, panels: UnsafePointer<Float>?,
    bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?, rows n: Int, inChannels c: Int, outChannels oc: Int
) {
    if let panels { return icrl_linear_forward_packed(out, inp, panels, bias, residual, n, Int32(c), Int32(oc)) }
    linearForward(out: out, inp: inp, weight: weight, bias: bias, residual: residual, rows: n, inChannels: c, outChannels: oc)
}

/// `linearForward` followed by GELU: out = gelu(inp · weightᵀ + bias) and, when `slope` is
/// given (training), slope = gelu'(inp · weightᵀ + bias). With weightᵀ panels the GELU runs
/// in the GEMM's epilogue on each tile while it is in L1, so the pre-activation never makes
/// a round trip through memory; the results round exactly like the unfused pair.
///
/// - out: (N, OC)
/// - slope: (N, OC) or nil
/// - inp: (N, C); weight: (OC, C); bias: (OC)
@inline(__always)
func linearGELUForward(
    out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    panels: UnsafePointer<Float>?, bias: UnsafePointer<Float>, rows n: Int, inChannels c: Int, outChannels oc: Int
) {
    if let panels { return icrl_linear_gelu_forward_packed(out, slope, inp, panels, bias, n, Int32(c), Int32(oc)) }
    if let slope {
        linearForward(out: slope, inp: inp, weight: weight, bias: bias, residual: nil, rows: n, inChannels: c, outChannels: oc)
        geluForward(out: out, slope: slope, inp: slope, count: n * oc)
    } else {
        linearForward(out: out, inp: inp, weight: weight, bias: bias, residual: nil, rows: n, inChannels: c, outChannels: oc)
        geluForward(out: out, inp: out, count: n * oc)
    }
}

/// Linear layer backward. Overwrites `dinp`; accumulates into `dweight` and `dbias`.
///
/// - dinp: (N, C), or nil when the input needs no gradient
/// - dinpScale: (N, C) or nil; when given, dinp is multiplied by it elementwise (the slope of
///   the GELU before this layer: its backward pass folded into this one)
/// - dweight: (OC, C)
/// - dbias: (OC)
/// - dout: (N, OC)
/// - inp: (N, C)
/// - weight: (OC, C)
func linearBackward(
    dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    rows n: Int, inChannels c: Int, outChannels oc: Int, dinpScale: UnsafePointer<Float>? = nil, path: MatmulPath = .current
) {
    if let dinp {
        switch path {
        case .bf16x3: icrl_linear_backward_input_amx(dinp, dout, weight, n, Int32(c), Int32(oc))
        case .fp32: icrl_linear_backward_input_mul(dinp, dout, weight, dinpScale, n, Int32(c), Int32(oc))
        case .openblas:
            sgemm(transA: false, transB: false, m: n, n: c, k: oc, a: dout, lda: oc, b: weight, ldb: c, beta: 0, c: dinp, ldc: c)
        }
        // The fp32 GEMM multiplied in its epilogue; the others take a pass (same rounding).
        if let dinpScale, path != .fp32 { geluBackward(dinp: dinp, slope: dinpScale, dout: dinp, count: n * c) }
    }
    if path == .openblas {
        sgemm(transA: true, transB: false, m: oc, n: c, k: n, a: dout, lda: oc, b: inp, ldb: c, beta: 1, c: dweight, ldc: c)
    } else {
        icrl_linear_backward_weight(dweight, dout, inp, n, Int32(c), Int32(oc))
    }
    if KernelPath.current.hasCKernels { return icrl_bias_backward(dbias, dout, n, Int32(oc)) }
    for r in 0..<n {
        let d = dout + r * oc
        for j in 0..<oc { dbias[j] += d[j] }
    }
}
