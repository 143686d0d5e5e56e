import FrozenLake
import NN

/// In-context policy improvement on unseen MDPs: start from w = 0; each iteration acts
/// ε-greedily on the current weights for one window, then replaces w with the layer's
/// output for that window (the LSA) or with the exact SARSA update (the teacher). After
/// every iteration the greedy policy of w is scored exactly (policy evaluation).
public struct LSAEvaluation: Sendable {
    /// Normalised return of the greedy policy, `(V_π − V_random) / (V* − V_random)` from
    /// the initial distribution, averaged over MDPs; index 0 is before any update.
    public var normalized: [String: [Double]]
    /// The same, unnormalised (expected discounted return from the start distribution).
    public var raw: [String: [Double]]
    public var mdps: Int

    /// Agents in report order: the layer, its teacher, and the two yardsticks.
    public static func agents(for algorithm: LSAAlgorithm) -> [String] {
        ["lsa", algorithm.rawValue, "random", "optimal"]
    }

    public static func run(_ layer: LinearSelfAttention, config: LSAConfig, mdps: Int, iterations: Int, seed: UInt64) -> LSAEvaluation {
        if config.kind == .actorCritic { return runActorCritic(layer, config: config, mdps: mdps, iterations: iterations, seed: seed) }
        var normalized = Dictionary(uniqueKeysWithValues: agents(for: .sarsa).map { ($0, [Double](repeating: 0, count: iterations + 1)) })
        var raw = normalized
        for m in 0..<mdps {
            // Evaluation MDPs come from their own seed stream, never the training stream.
            var rng = Xoshiro256(seed: seed, stream: 0x4556_414C, UInt64(m))  // "EVAL"
            let mdp = TabularMDP(stateCount: config.states, actionCount: config.actions, seed: rng.next())
            let phi = FeatureMap(states: config.states, actions: config.actions, features: config.features, rng: &rng)
            let optimum = mdp.expectedStartValue(mdp.valueIteration(gamma: config.gamma).values)
            let random = mdp.expectedStartValue(uniformPolicyValues(mdp, gamma: config.gamma))
            let span = max(optimum - random, 1e-9)
            func score(_ w: [Double]) -> Double {
                let policy = (0..<config.states).map { phi.greedy(w, $0) }
                return mdp.expectedStartValue(mdp.policyValues(policy, gamma: config.gamma))
            }
            for agent in ["lsa", "sarsa"] {
                var agentRng = Xoshiro256(seed: seed, stream: 0x4147_54, UInt64(m))  // same behaviour noise for both
                var w = [Double](repeating: 0, count: config.features)
                var at = (s: mdp.sampleInitialState(using: &agentRng), a: agentRng.nextInt(below: config.actions))
                for it in 0...iterations {
                    let value = score(w)
                    raw[agent]![it] += value / Double(mdps)
                    normalized[agent]![it] += (value - random) / span / Double(mdps)
                    guard it < iterations else { break }
                    let (window, next) = mdp.sarsaWindow(from: at, count: config.window, w: w, phi: phi, epsilon: config.epsilon, rng: &agentRng)
                    at = next
                    if agent == "sarsa" {
                        w = SARSAPrompt.teacher(window, w: w, phi: phi, gamma: config.gamma, alpha: config.alpha)
                    } else {
                        let h = SARSAPrompt.build(window, w: w, phi: phi, gamma: config.gamma)
                        w = SARSAPrompt.weights(layer.forward(h, columns: config.window + 1).out, features: config.features, columns: config.window + 1)
                    }
                }
            }
            for it in 0...iterations {
                raw["random"]![it] += random / Double(mdps)
                raw["optimal"]![it] += optimum / Double(mdps)
                normalized["optimal"]![it] += 1 / Double(mdps)
            }
        }
        return LSAEvaluation(normalized: normalized, raw: raw, mdps: mdps)
    }

    /// Actor-critic in context: start from w = 0, θ = 0 (the uniform policy); each iteration
    /// acts with π_θ for one window, then takes (w, θ) from the layer's output (or the exact
    /// update, for the teacher). The score is the return of the softmax policy π_θ itself.
    static func runActorCritic(_ layer: LinearSelfAttention, config: LSAConfig, mdps: Int, iterations: Int, seed: UInt64) -> LSAEvaluation {
        let names = agents(for: .actorCritic)
        var normalized = Dictionary(uniqueKeysWithValues: names.map { ($0, [Double](repeating: 0, count: iterations + 1)) })
        var raw = normalized
        let n1 = config.window + 1
        for m in 0..<mdps {
            var rng = Xoshiro256(seed: seed, stream: 0x4556_414C, UInt64(m))  // "EVAL"
            let mdp = TabularMDP(stateCount: config.states, actionCount: config.actions, seed: rng.next())
            let f = ActorCriticFeatures(states: config.states, actions: config.actions, features: config.features, rng: &rng)
            let optimum = mdp.expectedStartValue(mdp.valueIteration(gamma: config.gamma).values)
            let random = mdp.expectedStartValue(uniformPolicyValues(mdp, gamma: config.gamma))
            let span = max(optimum - random, 1e-9)
            func score(_ theta: [Double]) -> Double {
                mdp.expectedStartValue(mdp.stochasticPolicyValues((0..<config.states).map { f.probabilities(theta, $0) }, gamma: config.gamma))
            }
            for agent in ["lsa", "actor-critic"] {
                var agentRng = Xoshiro256(seed: seed, stream: 0x4147_54, UInt64(m))
                var w = [Double](repeating: 0, count: config.features), theta = w
                var s = mdp.sampleInitialState(using: &agentRng)
                for it in 0...iterations {
                    let value = score(theta)
                    raw[agent]![it] += value / Double(mdps)
                    normalized[agent]![it] += (value - random) / span / Double(mdps)
                    guard it < iterations else { break }
                    let (window, next) = mdp.actorCriticWindow(from: s, count: config.window, theta: theta, features: f, rng: &agentRng)
                    s = next
                    if agent == "lsa" {
                        let h = ActorCriticPrompt.build(window, w: w, theta: theta, features: f, gamma: config.gamma)
                        (w, theta) = ActorCriticPrompt.parameters(layer.forward(h, columns: n1).out, features: config.features, columns: n1)
                    } else {
                        (w, theta) = ActorCriticPrompt.teacher(window, w: w, theta: theta, features: f, gamma: config.gamma, alpha: config.alpha, beta: config.actorStep)
                    }
                }
            }
            for it in 0...iterations {
                raw["random"]![it] += random / Double(mdps)
                raw["optimal"]![it] += optimum / Double(mdps)
                normalized["optimal"]![it] += 1 / Double(mdps)
            }
        }
        return LSAEvaluation(normalized: normalized, raw: raw, mdps: mdps)
    }

    /// Values of the uniformly random policy, by iterative policy evaluation.
    static func uniformPolicyValues(_ mdp: TabularMDP, gamma: Double) -> [Double] {
        let s = mdp.stateCount, a = mdp.actionCount
        var values = [Double](repeating: 0, count: s)
        for _ in 0..<100_000 {
            var next = values
            var change = 0.0
            for state in 0..<s {
                var total = 0.0
                for action in 0..<a {
                    var backup = mdp.reward(state: state, action: action)
                    for s2 in 0..<s { backup += gamma * mdp.probability(from: state, action: action, to: s2) * values[s2] }
                    total += backup / Double(a)
                }
                next[state] = total
                change = max(change, abs(total - values[state]))
            }
            values = next
            if change < 1e-10 { break }
        }
        return values
    }
}
