/// The optimum of a ``TabularMDP``: what in-context SARSA / actor-critic should approach.
public struct MDPSolution: Sendable {
    /// `V*(s)`.
    public let values: [Double]
    /// `Q*(s, a)` at `q[s * A + a]`.
    public let q: [Double]
    /// A greedy optimal action per state (lowest index among ties).
    public let policy: [Int]
    /// Sweeps until the largest change fell below the tolerance.
    public let iterations: Int
}

extension TabularMDP {
    /// Discounted value iteration, `V ← max_a R(s,a) + γ Σ P(s'|s,a) V(s')`, until the
    /// largest change is below `tolerance` (a contraction for γ < 1, so it converges).
    public func valueIteration(gamma: Double, tolerance: Double = 1e-10, maxIterations: Int = 100_000) -> MDPSolution {
        precondition(gamma >= 0 && gamma < 1, "value iteration needs 0 ≤ γ < 1")
        var values = [Double](repeating: 0, count: stateCount)
        var q = [Double](repeating: 0, count: stateCount * actionCount)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            computeQ(values: values, gamma: gamma, into: &q)
            var delta = 0.0
            for s in 0..<stateCount {
                let best = q[(s * actionCount)..<((s + 1) * actionCount)].max()!
                delta = max(delta, abs(best - values[s]))
                values[s] = best
            }
            if delta < tolerance { break }
        }
        computeQ(values: values, gamma: gamma, into: &q)
        let policy = (0..<stateCount).map { s in
            let row = q[(s * actionCount)..<((s + 1) * actionCount)]
            return row.firstIndex(of: row.max()!)! - s * actionCount
        }
        return MDPSolution(values: values, q: q, policy: policy, iterations: iterations)
    }

    /// `V^π` of a deterministic policy, by iterating the Bellman expectation operator.
    public func policyValues(_ policy: [Int], gamma: Double, tolerance: Double = 1e-10) -> [Double] {
        precondition(policy.count == stateCount, "one action per state")
        var values = [Double](repeating: 0, count: stateCount)
        while true {
            var delta = 0.0
            var updated = values
            for s in 0..<stateCount {
                let a = policy[s]
                let base = (s * actionCount + a) * stateCount
                var expectation = 0.0
                for s2 in 0..<stateCount { expectation += transitions[base + s2] * values[s2] }
                updated[s] = reward(state: s, action: a) + gamma * expectation
                delta = max(delta, abs(updated[s] - values[s]))
            }
            values = updated
            if delta < tolerance { return values }
        }
    }

    /// Expected discounted return from the initial distribution for state values `values`.
    public func expectedStartValue(_ values: [Double]) -> Double {
        zip(initialDistribution, values).reduce(0) { $0 + $1.0 * $1.1 }
    }

    private func computeQ(values: [Double], gamma: Double, into q: inout [Double]) {
        for s in 0..<stateCount {
            for a in 0..<actionCount {
                let base = (s * actionCount + a) * stateCount
                var expectation = 0.0
                for s2 in 0..<stateCount { expectation += transitions[base + s2] * values[s2] }
                q[s * actionCount + a] = rewards[s * actionCount + a] + gamma * expectation
            }
        }
    }
}
