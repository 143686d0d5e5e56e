import CNNKernels

/// GELU with GPT-2's tanh approximation: `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`
/// (PyTorch `gelu(approximate="tanh")`).
///
/// - out: (n); may alias `inp`
/// - inp: (n)
func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
    if KernelPath.current.hasCKernels { return icrl_gelu_forward(out, inp, n) }
    geluForwardPortable(out: out, inp: inp, count: n)
}

/// The portable `geluForward`.
func geluForwardPortable(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
    let k0: Float = 0.797_884_560_802_865_4, k1: Float = 0.044_715
    var i = 0
    while i + 8 <= n {
        let x = VectorMath.load(inp + i)
        let t = VectorMath.tanh(k0 * (x + k1 * x * x * x))
        VectorMath.store(0.5 * x * (1 + t), out + i)
        i += 8
    }
    while i < n {
        let x = inp[i]
        out[i] = 0.5 * x * (1 + VectorMath.tanh(k0 * (x + k1 * x * x * x)))
        i += 1
    }
}

/// GELU forward for training: also writes the local slope `gelu'(x)`, so the backward pass
/// is one multiply instead of a second tanh per element (tanh dominates GELU's cost).
///
/// - out: (n)
/// - slope: (n), `d gelu / dx` at each input; may alias `inp`
/// - inp: (n)
func geluForward(out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
    if KernelPath.current.hasCKernels { return icrl_gelu_forward_slope(out, slope, inp, n) }
    geluForwardPortable(out: out, slope: slope, inp: inp, count: n)
}

/// The portable training `geluForward`.
func geluForwardPortable(out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
    let k0: Float = 0.797_884_560_802_865_4, k1: Float = 0.044_715
    var i = 0
    while i + 8 <= n {
        let x = VectorMath.load(inp + i)
        let x2 = x * x
        let t = VectorMath.tanh(k0 * (x + k1 * x2 * x))
        let half = 0.5 * (1 + t)
        VectorMath.store(x * half, out + i)
        VectorMath.store(half + 0.5 * x * (1 - t * t) * k0 * (1 + 3 * k1 * x2), slope + i)
        i += 8
    }
    while i < n {
        let x = inp[i]
        let t = VectorMath.tanh(k0 * (x + k1 * x * x * x))
        out[i] = 0.5 * x * (1 + t)
        slope[i] = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k0 * (1 + 3 * k1 * x * x)
        i += 1
    }
}

/// GELU backward from the slope saved by the forward pass: `dinp = slope · dout`.
///
/// - dinp: (n), overwritten; may alias `dout`
/// - slope: (n)
/// - dout: (n)
func geluBackward(dinp: UnsafeMutablePointer<Float>, slope: UnsafePointer<Float>, dout: UnsafePointer<Float>, count n: Int) {
    // The Swift loop compiles to SSE for the baseline target: 1–2% of a train step.
    if KernelPath.current.hasCKernels { return icrl_gelu_backward(dinp, slope, dout, n) }
    for i in 0..<n { dinp[i] = slope[i] * dout[i] }
}
