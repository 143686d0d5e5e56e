import Foundation
import FrozenLake
import InContextSARSA
import NN
import Testing

@Suite("Linear self-attention runs actor-critic in context")
struct ActorCriticTests {
    @Test("the score is the gradient of log π (central differences)")
    func scoreIsTheLogPolicyGradient() {
        var rng = Xoshiro256(seed: 1)
        let f = ActorCriticFeatures(states: 4, actions: 3, features: 5, rng: &rng)
        let theta = (0..<5).map { _ in rng.nextDouble() * 2 - 1 }
        for s in 0..<4 {
            for a in 0..<3 {
                let g = f.score(theta, s, a)
                for k in 0..<5 {
                    var plus = theta, minus = theta
                    plus[k] += 1e-6; minus[k] -= 1e-6
                    let numeric = (log(f.probabilities(plus, s)[a]) - log(f.probabilities(minus, s)[a])) / 2e-6
                    #expect(abs(numeric - g[k]) < 1e-6)
                }
            }
        }
    }

    @Test("the construction reproduces batch actor-critic to 1e-5, window after window")
    func construction() {
        var config = LSAConfig()
        config.algorithm = .actorCritic
        config.features = 5
        config.window = 40
        let layer = config.construction
        var rng = Xoshiro256(seed: 2)
        let n1 = config.window + 1, d = config.features
        var worst = 0.0
        for _ in 0..<20 {
            let mdp = TabularMDP(stateCount: 6, actionCount: 3, seed: rng.next())
            let f = ActorCriticFeatures(states: 6, actions: 3, features: d, rng: &rng)
            var w = (0..<d).map { _ in rng.nextDouble() * 2 - 1 }, theta = (0..<d).map { _ in rng.nextDouble() * 2 - 1 }
            var s = 0
            for _ in 0..<3 {
                // Each window is played by the policy the previous window's output defines.
                let (window, next) = mdp.actorCriticWindow(from: s, count: config.window, theta: theta, features: f, rng: &rng)
                s = next
                let out = layer.forward(ActorCriticPrompt.build(window, w: w, theta: theta, features: f, gamma: config.gamma), columns: n1).out
                let mine = ActorCriticPrompt.parameters(out, features: d, columns: n1)
                let teacher = ActorCriticPrompt.teacher(window, w: w, theta: theta, features: f, gamma: config.gamma, alpha: config.alpha, beta: config.actorStep)
                for (a, b) in zip(mine.w + mine.theta, teacher.w + teacher.theta) { worst = max(worst, abs(a - b)) }
                // The zero block and the constant are untouched, so the layer can run again.
                #expect((d..<(2 * d)).allSatisfy { out[$0 * n1 + n1 - 1] == 0 } && out[3 * d * n1 + n1 - 1] == 1)
                (w, theta) = mine
            }
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
        #expect(config.constructionCosine(layer) > 0.999999)
        var scaled = layer
        scaled.p = scaled.p.map { $0 * 2 }
        scaled.v = scaled.v.map { $0 / 2 }
        #expect(config.constructionCosine(scaled) > 0.999999, "scale ambiguity")
    }

    @Test("teacher mimicking recovers the actor-critic construction (cosine ≥ 0.99) and improves policies in context")
    func training() {
        var config = LSAConfig()
        config.algorithm = .actorCritic
        config.steps = 1_500
        let model = LSATrainer.train(config)
        #expect(model.mimicLossEnd * 100 <= model.mimicLossStart, "loss \(model.mimicLossStart) → \(model.mimicLossEnd)")
        #expect(model.constructionCosine >= 0.99, "cosine \(model.constructionCosine)")
        let eval = LSAEvaluation.run(model.layer, config: config, mdps: 20, iterations: 30, seed: 9)
        let lsa = eval.normalized["lsa"]!, teacher = eval.normalized["actor-critic"]!
        #expect(lsa.last! > lsa.first! + 0.1, "in-context improvement \(lsa)")
        #expect(abs(lsa.last! - teacher.last!) < 0.05, "layer \(lsa.last!) against its teacher \(teacher.last!)")
    }
}
