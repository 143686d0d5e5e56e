import Foundation
import FrozenLake
import NN

/// Batch actor-critic in context: a linear critic `V_w(s) = wᵀx(s)` learned by TD(0) and a
/// softmax policy `π_θ(a|s) ∝ exp(θᵀψ(s, a))` improved along the critic's TD errors.
///
/// The update of one window of n on-policy transitions (sᵢ, aᵢ, rᵢ, s'ᵢ):
///
///     δᵢ = rᵢ + γ·wᵀx(s'ᵢ) − wᵀx(sᵢ)
///     w ← w + (α/n)·Σᵢ δᵢ·x(sᵢ)
///     θ ← θ + (β/n)·Σᵢ δᵢ·gᵢ,   gᵢ = ∇_θ log π_θ(aᵢ|sᵢ) = ψ(sᵢ, aᵢ) − Σ_b π_θ(b|sᵢ)·ψ(sᵢ, b)
///
/// The score gᵢ is the one nonlinear piece (a softmax of θ); the agent that acted knows it,
/// so it is written into the prompt with the transition, as the action itself is.
public struct ActorCriticFeatures: Sendable {
    public let features: Int
    public let states: Int
    public let actions: Int
    /// x(s): table[s * d + k]
    public let critic: [Double]
    /// ψ(s, a)
    public let policy: FeatureMap

    public init(states: Int, actions: Int, features: Int, rng: inout Xoshiro256) {
        self.features = features
        self.states = states
        self.actions = actions
        critic = (0..<(states * features)).map { _ in 2 * rng.nextDouble() - 1 }
        policy = FeatureMap(states: states, actions: actions, features: features, rng: &rng)
    }

    public func x(_ s: Int) -> ArraySlice<Double> { critic[(s * features)..<((s + 1) * features)] }

    public func value(_ w: [Double], _ s: Int) -> Double { zip(w, x(s)).reduce(0) { $0 + $1.0 * $1.1 } }

    /// π_θ(·|s).
    public func probabilities(_ theta: [Double], _ s: Int) -> [Double] {
        let logits = (0..<actions).map { policy.q(theta, s, $0) }
        let top = logits.max()!
        let e = logits.map { exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// ∇_θ log π_θ(a|s) = ψ(s, a) − E_{b∼π_θ(·|s)} ψ(s, b).
    public func score(_ theta: [Double], _ s: Int, _ a: Int) -> [Double] {
        let pi = probabilities(theta, s)
        var g = Array(policy.phi(s, a))
        for b in 0..<actions {
            for (k, f) in policy.phi(s, b).enumerated() { g[k] -= pi[b] * f }
        }
        return g
    }
}

/// One on-policy transition with the score of its action under the policy that chose it.
public struct ActorCriticTransition: Sendable {
    public var s: Int, a: Int, r: Double, s2: Int
    public var score: [Double]
}

extension TabularMDP {
    /// `count` consecutive transitions from `start`, acting with π_θ.
    public func actorCriticWindow(
        from start: Int, count: Int, theta: [Double], features f: ActorCriticFeatures, rng: inout Xoshiro256
    ) -> (transitions: [ActorCriticTransition], next: Int) {
        var s = start
        var out: [ActorCriticTransition] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let pi = f.probabilities(theta, s)
            var u = rng.nextDouble(), a = actionCount - 1
            for (b, p) in pi.enumerated() {
                if u < p { a = b; break }
                u -= p
            }
            let (s2, r) = step(state: s, action: a, using: &rng)
            out.append(ActorCriticTransition(s: s, a: a, r: r, s2: s2, score: f.score(theta, s, a)))
            s = s2
        }
        return (out, s)
    }

    /// Values of a stochastic policy (`policy[s][a]`), by iterative policy evaluation.
    public func stochasticPolicyValues(_ policy: [[Double]], gamma: Double, tolerance: Double = 1e-10) -> [Double] {
        var values = [Double](repeating: 0, count: stateCount)
        for _ in 0..<100_000 {
            var change = 0.0
            var next = values
            for s in 0..<stateCount {
                var total = 0.0
                for a in 0..<actionCount where policy[s][a] > 0 {
                    var backup = reward(state: s, action: a)
                    for s2 in 0..<stateCount { backup += gamma * probability(from: s, action: a, to: s2) * values[s2] }
                    total += policy[s][a] * backup
                }
                next[s] = total
                change = max(change, abs(total - values[s]))
            }
            values = next
            if change < tolerance { break }
        }
        return values
    }
}

/// The prompt of one actor-critic window, its teacher, and the explicit layer that equals it.
public enum ActorCriticPrompt {
    /// H: (D, n + 1), D = 3d + 1. Context column i is `[x(sᵢ); γ·x(s'ᵢ); gᵢ; rᵢ]`; the query
    /// column carries both parameter vectors, `[w; 0; θ; 1]`.
    public static func build(_ window: [ActorCriticTransition], w: [Double], theta: [Double], features f: ActorCriticFeatures, gamma: Double) -> [Double] {
        let d = f.features, n1 = window.count + 1, dim = 3 * d + 1
        var h = [Double](repeating: 0, count: dim * n1)
        for (i, t) in window.enumerated() {
            for (k, v) in f.x(t.s).enumerated() { h[k * n1 + i] = v }
            for (k, v) in f.x(t.s2).enumerated() { h[(d + k) * n1 + i] = gamma * v }
            for (k, v) in t.score.enumerated() { h[(2 * d + k) * n1 + i] = v }
            h[3 * d * n1 + i] = t.r
        }
        for k in 0..<d {
            h[k * n1 + n1 - 1] = w[k]
            h[(2 * d + k) * n1 + n1 - 1] = theta[k]
        }
        h[3 * d * n1 + n1 - 1] = 1
        return h
    }

    /// (w, θ) as a layer output holds them: rows 0..<d and 2d..<3d of the last column.
    public static func parameters(_ out: [Double], features d: Int, columns n1: Int) -> (w: [Double], theta: [Double]) {
        ((0..<d).map { out[$0 * n1 + n1 - 1] }, (0..<d).map { out[(2 * d + $0) * n1 + n1 - 1] })
    }

    /// The rows of the query column the teacher sets: where (w, θ) live.
    public static func outputRows(features d: Int) -> [Int] { Array(0..<d) + Array((2 * d)..<(3 * d)) }

    /// The batch actor-critic update of the window (see ``ActorCriticFeatures``).
    public static func teacher(
        _ window: [ActorCriticTransition], w: [Double], theta: [Double], features f: ActorCriticFeatures,
        gamma: Double, alpha: Double, beta: Double
    ) -> (w: [Double], theta: [Double]) {
        var w2 = w, theta2 = theta
        let n = Double(window.count)
        for t in window {
            let delta = t.r + gamma * f.value(w, t.s2) - f.value(w, t.s)
            for (k, v) in f.x(t.s).enumerated() { w2[k] += alpha / n * delta * v }
            for (k, g) in t.score.enumerated() { theta2[k] += beta / n * delta * g }
        }
        return (w2, theta2)
    }

    /// The layer under which LSA *is* that update. With the query `h = [w; 0; θ; 1]`,
    ///
    ///     P = [ −I 0 0 0 ; I 0 0 0 ; 0 0 0 0 ; 0 0 0 1 ]   so   zᵢᵀ·P·h = −x(sᵢ)ᵀw + γx(s'ᵢ)ᵀw + rᵢ = δᵢ,
    ///     V = [ αI 0 0 0 ; 0 0 0 0 ; 0 0 βI 0 ; 0 0 0 0 ]   so   V·zᵢ = [αx(sᵢ); 0; βgᵢ; 0],
    ///
    /// and the query column becomes `[w + (α/n)Σδᵢx(sᵢ); 0; θ + (β/n)Σδᵢgᵢ; 1]`: the critic's
    /// TD(0) step and the actor's policy-gradient step at once, in a form the next window
    /// reads again. Not unique: `(cP, V/c)` is the same layer, and the columns of P that meet
    /// the query's zero block, and the rows of V outside the two parameter blocks, never
    /// reach (w, θ). (θ's columns of P do: they must be zero, or θ would enter δ.)
    public static func layer(features d: Int, alpha: Double, beta: Double) -> LinearSelfAttention {
        let dim = 3 * d + 1
        var v = [Double](repeating: 0, count: dim * dim), p = v
        for k in 0..<d {
            p[k * dim + k] = -1
            p[(d + k) * dim + k] = 1
            v[k * dim + k] = alpha
            v[(2 * d + k) * dim + 2 * d + k] = beta
        }
        p[(3 * d) * dim + 3 * d] = 1
        return LinearSelfAttention(dimension: dim, v: v, p: p)
    }

    /// The parameters that reach (w, θ): P's columns that meet the query's nonzero blocks
    /// (w, θ and the constant), V's rows of the w and θ blocks.
    public static func identifiable(_ layer: LinearSelfAttention, features d: Int) -> (v: [Double], p: [Double]) {
        let dim = layer.dimension
        var v: [Double] = [], p: [Double] = []
        for r in outputRows(features: d) { for c in 0..<dim { v.append(layer.v[r * dim + c]) } }
        for r in 0..<dim { for c in 0..<dim where c < d || c >= 2 * d { p.append(layer.p[r * dim + c]) } }
        return (v, p)
    }

    /// ``LSAConstruction/cosine(_:features:alpha:)`` for the actor-critic construction.
    public static func cosine(_ learned: LinearSelfAttention, features d: Int, alpha: Double, beta: Double) -> Double {
        LSAConstruction.cosine(identifiable(learned, features: d), identifiable(layer(features: d, alpha: alpha, beta: beta), features: d))
    }
}
