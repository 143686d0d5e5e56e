import Foundation
import FrozenLake
import NN

/// A trained layer with its training record; what `icrl lsa train` writes as JSON.
public struct LSAModel: Codable, Sendable {
    public var config: LSAConfig
    /// V and P, row-major (D, D).
    public var v: [Double]
    public var p: [Double]
    /// Mean mimicking loss on held-out windows before and after training.
    public var mimicLossStart: Double
    public var mimicLossEnd: Double
    /// ``LSAConstruction/cosine(_:features:alpha:)`` of the trained layer.
    public var constructionCosine: Double
    /// (step, training loss) every `steps / 30` steps, for plots.
    public var curve: [[Double]]

    public var layer: LinearSelfAttention { LinearSelfAttention(dimension: config.dimension, v: v, p: p) }
}

/// Teacher-mimicking training: over windows of random MDPs, regress the layer's output
/// weights onto the teacher's batch-SARSA update of the same window (squared error, Adam).
public enum LSATrainer {
    /// One training or held-out sample: the prompt and the teacher's weights.
    struct Sample {
        var prompt: [Double]
        var target: [Double]
    }

    /// A window of a fresh random MDP with random features and random current weights.
    static func sample(_ config: LSAConfig, rng: inout Xoshiro256) -> Sample {
        if config.kind == .actorCritic { return actorCriticSample(config, rng: &rng) }
        let mdp = TabularMDP(stateCount: config.states, actionCount: config.actions, seed: rng.next())
        let phi = FeatureMap(states: config.states, actions: config.actions, features: config.features, rng: &rng)
        let w = (0..<config.features).map { _ in 2 * rng.nextDouble() - 1 }
        let s = mdp.sampleInitialState(using: &rng)
        let a = rng.nextInt(below: config.actions)
        let window = mdp.sarsaWindow(from: (s, a), count: config.window, w: w, phi: phi, epsilon: config.epsilon, rng: &rng).transitions
        return Sample(
            prompt: SARSAPrompt.build(window, w: w, phi: phi, gamma: config.gamma),
            target: SARSAPrompt.teacher(window, w: w, phi: phi, gamma: config.gamma, alpha: config.alpha))
    }

    /// An actor-critic window: random MDP, critic and policy features, random (w, θ), and
    /// transitions of π_θ; the target is the teacher's (w, θ), concatenated.
    static func actorCriticSample(_ config: LSAConfig, rng: inout Xoshiro256) -> Sample {
        let mdp = TabularMDP(stateCount: config.states, actionCount: config.actions, seed: rng.next())
        let f = ActorCriticFeatures(states: config.states, actions: config.actions, features: config.features, rng: &rng)
        let w = (0..<config.features).map { _ in 2 * rng.nextDouble() - 1 }
        let theta = (0..<config.features).map { _ in 2 * rng.nextDouble() - 1 }
        let window = mdp.actorCriticWindow(from: mdp.sampleInitialState(using: &rng), count: config.window, theta: theta, features: f, rng: &rng).transitions
        let target = ActorCriticPrompt.teacher(window, w: w, theta: theta, features: f, gamma: config.gamma, alpha: config.alpha, beta: config.actorStep)
        return Sample(prompt: ActorCriticPrompt.build(window, w: w, theta: theta, features: f, gamma: config.gamma), target: target.w + target.theta)
    }

    /// ½‖(ŵ, θ̂) − teacher‖² of one sample over `config.outputRows` of the query column, and
    /// ∂/∂out (non-zero only there).
    static func loss(_ layer: LinearSelfAttention, _ sample: Sample, config: LSAConfig) -> (loss: Double, dOut: [Double], saved: LinearSelfAttention.Saved) {
        let n1 = config.window + 1
        let (out, saved) = layer.forward(sample.prompt, columns: n1)
        var dOut = [Double](repeating: 0, count: out.count)
        var total = 0.0
        for (j, k) in config.outputRows.enumerated() {
            let diff = out[k * n1 + n1 - 1] - sample.target[j]
            total += 0.5 * diff * diff
            dOut[k * n1 + n1 - 1] = diff
        }
        return (total, dOut, saved)
    }

    /// Mean loss of `layer` over `samples`.
    static func meanLoss(_ layer: LinearSelfAttention, _ samples: [Sample], config: LSAConfig) -> Double {
        samples.reduce(0) { $0 + loss(layer, $1, config: config).loss } / Double(samples.count)
    }

    /// Trains from a small random initialisation; `progress(step, loss)` every so often.
    public static func train(_ config: LSAConfig, progress: ((Int, Double) -> Void)? = nil) -> LSAModel {
        var rng = Xoshiro256(seed: config.seed, stream: 0x4C53_41)  // "LSA"
        let dim = config.dimension
        var layer = LinearSelfAttention(
            dimension: dim,
            v: (0..<(dim * dim)).map { _ in config.initScale * (2 * rng.nextDouble() - 1) },
            p: (0..<(dim * dim)).map { _ in config.initScale * (2 * rng.nextDouble() - 1) })
        var heldRng = Xoshiro256(seed: config.seed, stream: 0x4845_4C44)  // "HELD"
        let heldOut = (0..<256).map { _ in sample(config, rng: &heldRng) }
        let start = meanLoss(layer, heldOut, config: config)
        var adamV = Adam(count: dim * dim), adamP = Adam(count: dim * dim)
        var curve: [[Double]] = []
        let every = max(1, config.steps / 30)
        for step in 0..<config.steps {
            var gV = [Double](repeating: 0, count: dim * dim), gP = gV
            var total = 0.0
            for _ in 0..<config.batch {
                let (l, dOut, saved) = loss(layer, sample(config, rng: &rng), config: config)
                total += l
                let (dV, dP, _) = layer.backward(dOut, saved: saved)
                for i in gV.indices {
                    gV[i] += dV[i] / Double(config.batch)
                    gP[i] += dP[i] / Double(config.batch)
                }
            }
            adamV.step(&layer.v, gV, learningRate: config.learningRate)
            adamP.step(&layer.p, gP, learningRate: config.learningRate)
            if step % every == 0 || step == config.steps - 1 {
                curve.append([Double(step), total / Double(config.batch)])
                progress?(step, total / Double(config.batch))
            }
        }
        return LSAModel(
            config: config, v: layer.v, p: layer.p, mimicLossStart: start, mimicLossEnd: meanLoss(layer, heldOut, config: config),
            constructionCosine: config.constructionCosine(layer), curve: curve)
    }
}

/// Adam (Kingma & Ba) on one parameter array, in Double.
struct Adam {
    var m: [Double], v: [Double], t = 0
    let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    init(count: Int) {
        m = [Double](repeating: 0, count: count)
        v = m
    }

    mutating func step(_ x: inout [Double], _ g: [Double], learningRate: Double) {
        t += 1
        let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
        for i in x.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            x[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
        }
    }
}
