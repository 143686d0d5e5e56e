/// GELU with GPT-2's tanh approximation: `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`
/// (PyTorch `gelu(approximate="tanh")`).
///
/// - out: (n); may alias `inp`
/// - inp: (n)
func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
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

/// GELU backward, recomputing tanh from the saved input rather than storing it.
///
/// - dinp: (n), overwritten; may alias `dout`
/// - inp: (n), the forward input
/// - dout: (n)
func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, count n: Int) {
    let k0: Float = 0.797_884_560_802_865_4, k1: Float = 0.044_715
    var i = 0
    while i + 8 <= n {
        let x = VectorMath.load(inp + i)
        let t = VectorMath.tanh(k0 * (x + k1 * x * x * x))
        let sech2 = 1 - t * t
        let local = 0.5 * (1 + t) + 0.5 * x * sech2 * k0 * (1 + 3 * k1 * x * x)
        VectorMath.store(local * VectorMath.load(dout + i), dinp + i)
        i += 8
    }
    while i < n {
        let x = inp[i]
        let t = VectorMath.tanh(k0 * (x + k1 * x * x * x))
        let local = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k0 * (1 + 3 * k1 * x * x)
        dinp[i] = local * dout[i]
        i += 1
    }
}
