import Foundation

/// A random finite MDP for the second seed paper's experiment ("Transformers Provably
/// Implement In-Context RL with Policy Improvement"): `S` states, `A` actions, each
/// transition row `P(·|s,a)` and the initial distribution drawn from Dirichlet(1)
/// (uniform on the simplex), rewards `R(s,a)` uniform in [−1, 1]. Seeded: the same
/// `(stateCount, actionCount, seed)` always gives the same MDP.
public struct TabularMDP: Sendable {
    public let stateCount: Int
    public let actionCount: Int
    /// `transitions[(s * A + a) * S + s2] = P(s2 | s, a)`.
    public let transitions: [Double]
    /// `initialDistribution[s]`: probability of starting in `s`.
    public let initialDistribution: [Double]
    /// `rewards[s * A + a] = R(s, a)`, received on taking `a` in `s`.
    public let rewards: [Double]

    /// Draws a random MDP. Dirichlet(1) samples are normalised Exp(1) draws.
    public init(stateCount: Int, actionCount: Int, seed: UInt64) {
        precondition(stateCount >= 1 && actionCount >= 1, "an MDP needs at least one state and one action")
        var rng = Xoshiro256(seed: seed, stream: 0x4D44_50)  // "MDP"
        func dirichlet(_ n: Int) -> [Double] {
            var draws = (0..<n).map { _ in -log(1.0 - rng.nextDouble()) }
            let total = draws.reduce(0, +)
            if total > 0 {
                for i in draws.indices { draws[i] /= total }
            } else {
                draws = [Double](repeating: 1.0 / Double(n), count: n)
            }
            return draws
        }
        var table: [Double] = []
        table.reserveCapacity(stateCount * actionCount * stateCount)
        for _ in 0..<(stateCount * actionCount) {
            table.append(contentsOf: dirichlet(stateCount))
        }
        let initial = dirichlet(stateCount)
        let rewards = (0..<(stateCount * actionCount)).map { _ in 2.0 * rng.nextDouble() - 1.0 }
        self.init(stateCount: stateCount, actionCount: actionCount, transitions: table, initialDistribution: initial, rewards: rewards)
    }

    /// An explicit MDP (for tests and hand-built examples).
    /// - Precondition: array sizes match `S·A·S`, `S` and `S·A`.
    public init(stateCount: Int, actionCount: Int, transitions: [Double], initialDistribution: [Double], rewards: [Double]) {
        precondition(transitions.count == stateCount * actionCount * stateCount, "transitions must have S*A*S entries")
        precondition(initialDistribution.count == stateCount, "initialDistribution must have S entries")
        precondition(rewards.count == stateCount * actionCount, "rewards must have S*A entries")
        self.stateCount = stateCount
        self.actionCount = actionCount
        self.transitions = transitions
        self.initialDistribution = initialDistribution
        self.rewards = rewards
    }

    /// `P(next | state, action)`.
    public func probability(from state: Int, action: Int, to next: Int) -> Double {
        transitions[(state * actionCount + action) * stateCount + next]
    }

    /// `R(state, action)`.
    public func reward(state: Int, action: Int) -> Double {
        rewards[state * actionCount + action]
    }

    /// Draws a start state from the initial distribution.
    public func sampleInitialState(using rng: inout Xoshiro256) -> Int {
        sample(initialDistribution[...], using: &rng)
    }

    /// Takes `action` in `state`: returns the sampled next state and the reward `R(s,a)`.
    public func step(state: Int, action: Int, using rng: inout Xoshiro256) -> (nextState: Int, reward: Double) {
        let base = (state * actionCount + action) * stateCount
        let next = sample(transitions[base..<(base + stateCount)], using: &rng)
        return (next, reward(state: state, action: action))
    }

    /// Inverse-CDF sampling of a probability vector (last index absorbs rounding).
    private func sample(_ probabilities: ArraySlice<Double>, using rng: inout Xoshiro256) -> Int {
        let u = rng.nextDouble()
        var cumulative = 0.0
        for (offset, p) in probabilities.enumerated() {
            cumulative += p
            if u < cumulative { return offset }
        }
        return probabilities.count - 1
    }
}
