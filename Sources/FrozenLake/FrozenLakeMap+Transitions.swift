/// One entry of a transition table: Gymnasium's `(prob, next_state, reward, terminated)`.
public struct TransitionOutcome: Sendable, Hashable {
    public var probability: Double
    public var nextObservation: Int
    public var reward: Double
    public var terminated: Bool

    public init(probability: Double, nextObservation: Int, reward: Double, terminated: Bool) {
        self.probability = probability
        self.nextObservation = nextObservation
        self.reward = reward
        self.terminated = terminated
    }
}

extension FrozenLakeMap {
    /// Gymnasium's `P[s][a]` for this map: the list of outcomes, in Gymnasium's order
    /// and unmerged (a slip into a wall and the intended move may both land on `s`).
    /// From a hole or goal the only entry is `(1, s, 0, true)`, as in Gymnasium.
    ///
    /// This is the model that planners (known-map agent) and the fixture tests use; the
    /// environment's sampled steps follow the same table.
    public func transitions(from observation: Int, action: Int, config: EnvConfig) -> [TransitionOutcome] {
        if cells[observation].isTerminal {
            return [TransitionOutcome(probability: 1, nextObservation: observation, reward: 0, terminated: true)]
        }
        return config.moveDistribution(for: action).map { move in
            let next = neighbor(of: observation, direction: move.direction)
            return TransitionOutcome(
                probability: move.probability, nextObservation: next,
                reward: cells[next] == .goal ? 1 : 0, terminated: cells[next].isTerminal)
        }
    }
}
