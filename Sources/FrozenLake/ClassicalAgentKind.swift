/// The classical baselines by name, as `icrl eval --agent` spells them.
public enum ClassicalAgentKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case random
    case qlearning
    case oracle
    case cautiousOracle = "cautious-oracle"
    case knownMap = "known-map"
    case planner

    /// True only for `known-map`: the one agent that is handed the map.
    public var seesMap: Bool { self == .knownMap }

    /// Builds a fresh agent for one trial. `map` is read only by `known-map`
    /// (see ``seesMap``); every other agent is built without looking at it. `prior` is the
    /// generator the trial's maps come from, which only `planner` reads.
    public func makeAgent(
        revealing map: FrozenLakeMap, prior: MapGenerator = MapSuite.inDistribution.generator,
        planner: PlannerAgent.Settings = PlannerAgent.Settings()
    ) -> AnyInContextAgent {
        switch self {
        case .random: AnyInContextAgent(RandomAgent())
        case .qlearning: AnyInContextAgent(QLearningAgent())
        case .oracle: AnyInContextAgent(OracleAgent())
        case .cautiousOracle: AnyInContextAgent(OracleAgent(unknownStepCost: OracleAgent.cautiousStepCost))
        case .knownMap: AnyInContextAgent(KnownMapAgent(map: map))
        case .planner: AnyInContextAgent(PlannerAgent(prior: prior.rule, settings: planner))
        }
    }

    /// One line for help texts.
    public var summary: String {
        switch self {
        case .random: "uniformly random actions (the floor)"
        case .qlearning: "tabular Q-learning per map (α 0.5, γ 0.99, ε 0, optimistic Q=1)"
        case .oracle: "remembers the holes and goals it met (the practical ceiling)"
        case .cautiousOracle: "the oracle, preferring routes it has walked to a known goal"
        case .knownMap: "optimal play with the map revealed (BFS / value iteration)"
        case .planner: "posterior over maps by sampling, cautious-oracle rollouts (the ceiling)"
        }
    }

    public var description: String { rawValue }

    /// Every agent name, comma-separated, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
