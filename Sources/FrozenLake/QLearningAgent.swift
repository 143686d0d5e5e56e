/// Tabular Q-learning from scratch on each map: the classical "learns, but slowly" baseline.
///
/// Q starts optimistic (`initialQ` = 1, the largest possible return), so untried actions
/// look best and the agent explores systematically without ε-noise; a step into a hole
/// pulls its entry towards 0 (α = 0.5 halves it per try, which also keeps slippery maps
/// stable). Update: `Q(s,a) += α (r + γ·max Q(s',·)·[not terminated] − Q(s,a))`;
/// truncation still bootstraps, since the state itself is not terminal. Greedy ties are
/// broken uniformly at random.
///
/// Defaults come from a sweep on 1 000 in-dist evaluation maps × 30 episodes
/// (α ∈ {0.1, 0.3, 0.5, 1}, γ ∈ {0.9, 0.95, 0.99}, ε ∈ {0, 0.02, 0.05, 0.1}): α = 0.5,
/// γ = 0.99, ε = 0 was at or near the best mean success both without slip (0.80; 0.99
/// by episode 20) and with slip (0.38). Any ε > 0 only lowered success, because the
/// optimism already explores.
public struct QLearningAgent: InContextAgent {
    /// Hyper-parameters, with the defaults measured on the in-dist suite (see `icrl eval`).
    public struct Parameters: Sendable, Hashable {
        /// Learning rate α.
        public var alpha: Double
        /// Discount γ.
        public var gamma: Double
        /// Exploration rate ε of ε-greedy.
        public var epsilon: Double
        /// Initial value of every Q entry (optimism).
        public var initialQ: Double

        public init(alpha: Double = 0.5, gamma: Double = 0.99, epsilon: Double = 0.0, initialQ: Double = 1.0) {
            self.alpha = alpha
            self.gamma = gamma
            self.epsilon = epsilon
            self.initialQ = initialQ
        }
    }

    public let parameters: Parameters
    /// `q[s * actionCount + a]`.
    public private(set) var q: [Double] = []
    private var actionCount = Action.count

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    public mutating func beginTrial(_ info: TrialInfo) {
        actionCount = info.actionCount
        q = [Double](repeating: parameters.initialQ, count: info.geometry.cellCount * actionCount)
    }

    public mutating func act(observation: Int, rng: inout Xoshiro256) -> Int {
        if parameters.epsilon > 0, rng.nextDouble() < parameters.epsilon {
            return rng.nextInt(below: actionCount)
        }
        let base = observation * actionCount
        var best = -Double.infinity
        var ties = 0
        var choice = 0
        for a in 0..<actionCount {
            let value = q[base + a]
            if value > best {
                best = value
                ties = 1
                choice = a
            } else if value == best {
                // Reservoir sampling over the tied actions: uniform without a buffer.
                ties += 1
                if rng.nextInt(below: ties) == 0 { choice = a }
            }
        }
        return choice
    }

    public mutating func observe(_ t: Transition) {
        var target = t.reward
        if !t.terminated {
            let base = t.nextObservation * actionCount
            target += parameters.gamma * q[base..<(base + actionCount)].max()!
        }
        let index = t.observation * actionCount + t.action
        q[index] += parameters.alpha * (target - q[index])
    }

    public mutating func endEpisode() {}
}
