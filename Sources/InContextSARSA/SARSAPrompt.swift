/// The LSA prompt for one window and the teacher it should reproduce.
public enum SARSAPrompt {
    /// H: (D, n + 1), D = 2d + 1. Context column i is `[φ(sᵢ, aᵢ); γ·φ(sᵢ₊₁, aᵢ₊₁); rᵢ]`;
    /// the last (query) column carries the weights, `[w; 0; 1]` — the constant 1 is how
    /// the reward enters the TD error (see ``LSAConstruction``).
    public static func build(_ window: [SARSATransition], w: [Double], phi: FeatureMap, gamma: Double) -> [Double] {
        let d = phi.features, n1 = window.count + 1, dim = 2 * d + 1
        var h = [Double](repeating: 0, count: dim * n1)
        for (i, t) in window.enumerated() {
            for (k, x) in phi.phi(t.s, t.a).enumerated() { h[k * n1 + i] = x }
            for (k, x) in phi.phi(t.s2, t.a2).enumerated() { h[(d + k) * n1 + i] = gamma * x }
            h[2 * d * n1 + i] = t.r
        }
        for k in 0..<d { h[k * n1 + n1 - 1] = w[k] }
        h[2 * d * n1 + n1 - 1] = 1
        return h
    }

    /// The weights a layer output holds: the top d rows of the last column.
    public static func weights(_ out: [Double], features d: Int, columns n1: Int) -> [Double] {
        (0..<d).map { out[$0 * n1 + n1 - 1] }
    }

    /// Batch semi-gradient SARSA: `w + (α/n)·Σ (r + γ·wᵀφ' − wᵀφ)·φ`.
    public static func teacher(_ window: [SARSATransition], w: [Double], phi: FeatureMap, gamma: Double, alpha: Double) -> [Double] {
        var out = w
        let scale = alpha / Double(window.count)
        for t in window {
            let delta = t.r + gamma * phi.q(w, t.s2, t.a2) - phi.q(w, t.s, t.a)
            for (k, x) in phi.phi(t.s, t.a).enumerated() { out[k] += scale * delta * x }
        }
        return out
    }
}
