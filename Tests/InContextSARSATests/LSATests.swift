import FrozenLake
import InContextSARSA
import NN
import Testing

@Suite("Linear self-attention runs SARSA in context")
struct LSATests {
    func randomLayer(_ dim: Int, seed: UInt64) -> LinearSelfAttention {
        var rng = Xoshiro256(seed: seed)
        return LinearSelfAttention(
            dimension: dim, v: (0..<(dim * dim)).map { _ in rng.nextDouble() - 0.5 },
            p: (0..<(dim * dim)).map { _ in rng.nextDouble() - 0.5 })
    }

    @Test("BLAS forward equals the naive triple loop")
    func forwardMatchesReference() {
        let layer = randomLayer(7, seed: 1)
        var rng = Xoshiro256(seed: 2)
        let n1 = 6
        let h = (0..<(7 * n1)).map { _ in rng.nextDouble() * 2 - 1 }
        let fast = layer.forward(h, columns: n1).out, slow = layer.referenceForward(h, columns: n1)
        #expect(zip(fast, slow).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("gradients of V, P and H match central finite differences")
    func gradientCheck() {
        let dim = 5, n1 = 4
        var rng = Xoshiro256(seed: 3)
        let layer = randomLayer(dim, seed: 4)
        let h = (0..<(dim * n1)).map { _ in rng.nextDouble() * 2 - 1 }
        let weights = (0..<(dim * n1)).map { _ in rng.nextDouble() * 2 - 1 }
        // loss = Σ weights ⊙ out, so dOut = weights.
        func loss(_ l: LinearSelfAttention, _ x: [Double]) -> Double {
            zip(l.forward(x, columns: n1).out, weights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let (_, saved) = layer.forward(h, columns: n1)
        let (dV, dP, dH) = layer.backward(weights, saved: saved)
        let eps = 1e-6
        var worst = 0.0
        for i in 0..<(dim * dim) {
            var plus = layer, minus = layer
            plus.v[i] += eps; minus.v[i] -= eps
            worst = max(worst, abs((loss(plus, h) - loss(minus, h)) / (2 * eps) - dV[i]))
            plus = layer; minus = layer
            plus.p[i] += eps; minus.p[i] -= eps
            worst = max(worst, abs((loss(plus, h) - loss(minus, h)) / (2 * eps) - dP[i]))
        }
        for i in h.indices {
            var plus = h, minus = h
            plus[i] += eps; minus[i] -= eps
            worst = max(worst, abs((loss(layer, plus) - loss(layer, minus)) / (2 * eps) - dH[i]))
        }
        #expect(worst < 1e-6, "largest gradient error \(worst)")
    }

    @Test("the construction reproduces batch semi-gradient SARSA to 1e-5, window after window")
    func construction() {
        var config = LSAConfig()
        config.features = 6
        config.window = 50
        let layer = LSAConstruction.layer(features: config.features, alpha: config.alpha)
        var rng = Xoshiro256(seed: 5)
        for _ in 0..<20 {
            let mdp = TabularMDP(stateCount: 7, actionCount: 3, seed: rng.next())
            let phi = FeatureMap(states: 7, actions: 3, features: config.features, rng: &rng)
            var w = (0..<config.features).map { _ in rng.nextDouble() * 2 - 1 }
            var at = (s: 0, a: 0)
            for _ in 0..<3 {
                let (window, next) = mdp.sarsaWindow(from: at, count: config.window, w: w, phi: phi, epsilon: 0.3, rng: &rng)
                at = next
                let h = SARSAPrompt.build(window, w: w, phi: phi, gamma: config.gamma)
                let out = layer.forward(h, columns: config.window + 1).out
                let mine = SARSAPrompt.weights(out, features: config.features, columns: config.window + 1)
                let teacher = SARSAPrompt.teacher(window, w: w, phi: phi, gamma: config.gamma, alpha: config.alpha)
                #expect(zip(mine, teacher).allSatisfy { abs($0 - $1) < 1e-5 })
                // The rest of the query column is untouched, so the layer can run again.
                let n1 = config.window + 1, d = config.features
                #expect((d..<(2 * d)).allSatisfy { out[$0 * n1 + n1 - 1] == 0 } && out[2 * d * n1 + n1 - 1] == 1)
                w = mine
            }
        }
        #expect(LSAConstruction.cosine(layer, features: config.features, alpha: config.alpha) > 0.999999)
        var scaled = layer
        scaled.p = scaled.p.map { $0 * -3 }
        scaled.v = scaled.v.map { $0 / -3 }
        #expect(LSAConstruction.cosine(scaled, features: config.features, alpha: config.alpha) > 0.999999, "scale ambiguity")
    }

    @Test("teacher mimicking cuts the loss 100× and recovers the construction (cosine ≥ 0.95)")
    func training() {
        var config = LSAConfig()
        config.steps = 1_500
        let model = LSATrainer.train(config)
        #expect(model.mimicLossEnd * 100 <= model.mimicLossStart, "loss \(model.mimicLossStart) → \(model.mimicLossEnd)")
        #expect(model.constructionCosine >= 0.95, "cosine \(model.constructionCosine)")
        let eval = LSAEvaluation.run(model.layer, config: config, mdps: 20, iterations: 10, seed: 9)
        #expect(eval.normalized["lsa"]!.last! > eval.normalized["lsa"]!.first! + 0.2, "in-context improvement \(eval.normalized["lsa"]!)")
    }
}
