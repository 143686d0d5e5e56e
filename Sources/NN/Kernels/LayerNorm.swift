import CNNKernels

/// LayerNorm over the last axis (PyTorch semantics: biased variance, ε inside the root).
///
/// - out: (N, C)
/// - mean: (N), saved for the backward pass (may be nil in inference)
/// - rstd: (N), 1/sqrt(var + ε), saved for the backward pass (may be nil in inference)
/// - inp: (N, C)
/// - weight, bias: (C)
func layerNormForward(
    out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?,
    inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    rows n: Int, channels c: Int, epsilon: Float
) {
    if KernelPath.current.hasCKernels {
        return icrl_layernorm_forward(out, mean, rstd, inp, weight, bias, n, Int32(c), epsilon)
    }
    layerNormForwardPortable(out: out, mean: mean, rstd: rstd, inp: inp, weight: weight, bias: bias,
                             rows: n, channels: c, epsilon: epsilon)
}

/// The portable `layerNormForward`.
func layerNormForwardPortable(
    out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?,
    inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    rows n: Int, channels c: Int, epsilon: Float
) {
    let invC = 1 / Float(c)
    for r in 0..<n {
        let x = inp + r * c, y = out + r * c
        let m = VectorMath.sum(x, c) * invC
        // Two passes: the variance of centred values avoids E[x²] − m² cancellation.
        var acc = VectorMath.V()
        var i = 0
        while i + 8 <= c { let d = VectorMath.load(x + i) - m; acc += d * d; i += 8 }
        var v = acc.sum()
        while i < c { let d = x[i] - m; v += d * d; i += 1 }
        let s = 1 / (v * invC + epsilon).squareRoot()
        for j in 0..<c { y[j] = (x[j] - m) * s * weight[j] + bias[j] }
        mean?[r] = m
        rstd?[r] = s
    }
}

/// LayerNorm backward. Accumulates into `dinp` (it is the residual stream's gradient),
/// `dweight` and `dbias`.
///
/// - dinp: (N, C)
/// - dweight, dbias: (C)
/// - dout: (N, C)
/// - inp: (N, C)
/// - weight: (C)
/// - mean, rstd: (N) from the forward pass
func layerNormBackward(
    dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows n: Int, channels c: Int
) {
    if KernelPath.current.hasCKernels {
        return icrl_layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, n, Int32(c))
    }
    layerNormBackwardPortable(dinp: dinp, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight,
                              mean: mean, rstd: rstd, rows: n, channels: c)
}

/// The portable `layerNormBackward`.
func layerNormBackwardPortable(
    dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows n: Int, channels c: Int
) {
    let invC = 1 / Float(c)
    for r in 0..<n {
        let x = inp + r * c, dy = dout + r * c, dx = dinp + r * c
        let m = mean[r], s = rstd[r]
        // The two means of the normalised-input gradient: along the mean and along x̂.
        var sumG: Float = 0, sumGX: Float = 0
        for j in 0..<c {
            let xhat = (x[j] - m) * s
            let g = weight[j] * dy[j]
            sumG += g
            sumGX += g * xhat
            dbias[j] += dy[j]
            dweight[j] += xhat * dy[j]
        }
        let meanG = sumG * invC, meanGX = sumGX * invC
        for j in 0..<c {
            let xhat = (x[j] - m) * s
            dx[j] += (weight[j] * dy[j] - meanG - xhat * meanGX) * s
        }
    }
}
