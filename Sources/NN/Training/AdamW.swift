/// AdamW (Loshchilov & Hutter) with global gradient-norm clipping, matching PyTorch's
/// `torch.optim.AdamW` step for step:
///
///     g ← g · min(1, maxNorm / (‖g‖ + 1e-6))          (global clipping, as clip_grad_norm_)
///     θ ← θ − lr·λ·θ                                    (decoupled decay, `decays` tensors only)
///     m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
///     θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
///
/// Weight decay applies to the matrices of linear layers (`TensorSpec.decays`), never to
/// LayerNorm gains, biases or embeddings: decaying those pulls them towards zero for no
/// regularising benefit (the GPT-2/minGPT convention).
///
/// The clipping factor is applied inside the update; `gradients` are left unchanged.
public final class AdamW {
    /// Optimiser settings; defaults are PyTorch's except the weight decay (0.01 → 0.1, minGPT).
    public struct Hyperparameters: Codable, Hashable, Sendable {
        public var learningRate: Float = 3e-4
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        public var weightDecay: Float = 0.1
        /// Clip the global gradient norm to this; nil disables clipping.
        public var maxGradNorm: Float? = 1.0

        public init(learningRate: Float = 3e-4, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                    weightDecay: Float = 0.1, maxGradNorm: Float? = 1.0) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
            self.maxGradNorm = maxGradNorm
        }
    }

    public var hyperparameters: Hyperparameters
    public let layout: ParameterLayout
    /// First moments, laid out like the parameters.
    public let m: ParameterBuffer
    /// Second moments, laid out like the parameters.
    public let v: ParameterBuffer
    /// Updates taken so far (t in the bias corrections).
    public var step: Int = 0

    public init(layout: ParameterLayout, hyperparameters: Hyperparameters = Hyperparameters()) {
        self.layout = layout
        self.hyperparameters = hyperparameters
        m = ParameterBuffer(count: layout.count)
        v = ParameterBuffer(count: layout.count)
    }

    /// The L2 norm of a gradient buffer, accumulated in Double.
    public static func globalNorm(_ gradients: ParameterBuffer) -> Float {
        let g = gradients.pointer
        var total: Double = 0
        var i = 0
        let n = gradients.count
        while i < n {
            let end = min(i + 4096, n)
            var acc = VectorMath.V()
            var j = i
            while j + 8 <= end { let x = VectorMath.load(g + j); acc += x * x; j += 8 }
            var partial = acc.sum()
            while j < end { partial += g[j] * g[j]; j += 1 }
            total += Double(partial)
            i = end
        }
        return Float(total.squareRoot())
    }

    /// One update of `parameters` from `gradients`. Returns the gradient norm before clipping.
    @discardableResult
    public func update(parameters: ParameterBuffer, gradients: ParameterBuffer, learningRate: Float? = nil) -> Float {
        precondition(parameters.count == layout.count && gradients.count == layout.count, "AdamW: buffers do not match the layout")
        let hp = hyperparameters
        let lr = learningRate ?? hp.learningRate
        let norm = AdamW.globalNorm(gradients)
        var clip: Float = 1
        if let maxNorm = hp.maxGradNorm, norm > maxNorm { clip = maxNorm / (norm + 1e-6) }
        step += 1
        let correction1 = 1 - Float(Double(hp.beta1).power(step))
        let correction2Root = Float((1 - Double(hp.beta2).power(step)).squareRoot())
        let stepSize = lr / correction1
        let b1 = hp.beta1, b2 = hp.beta2, eps = hp.epsilon
        let p = parameters.pointer, g = UnsafePointer(gradients.pointer), mp = m.pointer, vp = v.pointer
        for spec in layout.tensors {
            let decay: Float = spec.decays ? 1 - lr * hp.weightDecay : 1
            for i in spec.range {
                let grad = g[i] * clip
                let mi = b1 * mp[i] + (1 - b1) * grad
                let vi = b2 * vp[i] + (1 - b2) * grad * grad
                mp[i] = mi
                vp[i] = vi
                p[i] = p[i] * decay - stepSize * mi / (vi.squareRoot() / correction2Root + eps)
            }
        }
        parameters.markModified()
        return norm
    }
}

extension Double {
    /// `self` to an integer power by repeated squaring (no libm, exact for small exponents).
    fileprivate func power(_ exponent: Int) -> Double {
        var result = 1.0, base = self, e = exponent
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}
