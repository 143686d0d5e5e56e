import FrozenLake

/// A random linear feature map φ(s, a) ∈ [−1, 1]^d for a tabular MDP; Q_w(s, a) = wᵀφ(s, a).
public struct FeatureMap: Sendable {
    public let features: Int
    public let actions: Int
    /// table[(s * A + a) * d + k] = φ_k(s, a)
    public let table: [Double]

    public init(states: Int, actions: Int, features: Int, rng: inout Xoshiro256) {
        self.features = features
        self.actions = actions
        table = (0..<(states * actions * features)).map { _ in 2 * rng.nextDouble() - 1 }
    }

    /// φ(s, a) as a slice of the table.
    public func phi(_ s: Int, _ a: Int) -> ArraySlice<Double> {
        let start = (s * actions + a) * features
        return table[start..<(start + features)]
    }

    /// Q_w(s, a) = wᵀφ(s, a).
    public func q(_ w: [Double], _ s: Int, _ a: Int) -> Double {
        zip(w, phi(s, a)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The greedy action of Q_w in `s` (lowest index on ties).
    public func greedy(_ w: [Double], _ s: Int) -> Int {
        var best = 0
        for a in 1..<actions where q(w, s, a) > q(w, s, best) { best = a }
        return best
    }
}

/// One SARSA transition: (s, a, r, s', a').
public struct SARSATransition: Sendable, Hashable {
    public var s: Int, a: Int, r: Double, s2: Int, a2: Int
}

extension TabularMDP {
    /// `count` consecutive transitions from `start`, acting ε-greedily on Q_w; returns
    /// them and the state-action the trajectory continues from.
    public func sarsaWindow(
        from start: (s: Int, a: Int), count: Int, w: [Double], phi: FeatureMap, epsilon: Double, rng: inout Xoshiro256
    ) -> (transitions: [SARSATransition], next: (s: Int, a: Int)) {
        func act(_ s: Int) -> Int {
            rng.nextDouble() < epsilon ? rng.nextInt(below: actionCount) : phi.greedy(w, s)
        }
        var (s, a) = start
        var out: [SARSATransition] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let (s2, r) = step(state: s, action: a, using: &rng)
            let a2 = act(s2)
            out.append(SARSATransition(s: s, a: a, r: r, s2: s2, a2: a2))
            (s, a) = (s2, a2)
        }
        return (out, (s, a))
    }
}
