/// What an agent is told when a trial begins: the grid's shape and the dynamics —
/// never the cells. (Only ``KnownMapAgent`` gets the map, through its initialiser,
/// which makes the exception visible at the call site.)
public struct TrialInfo: Sendable, Hashable {
    /// Rows and columns; observations are `0..<rows*cols`.
    public let geometry: GridGeometry
    /// Slipperiness, success rate and step limit.
    public let config: EnvConfig
    /// Number of actions (always 4 in FrozenLake).
    public let actionCount: Int

    public init(geometry: GridGeometry, config: EnvConfig, actionCount: Int = Action.count) {
        self.geometry = geometry
        self.config = config
        self.actionCount = actionCount
    }
}

/// One step as the agent experienced it (and as trace files store it: `s a r s2 terminated truncated`).
public struct Transition: Sendable, Hashable {
    public var observation: Int
    public var action: Int
    public var reward: Double
    public var nextObservation: Int
    public var terminated: Bool
    public var truncated: Bool

    public init(observation: Int, action: Int, reward: Double, nextObservation: Int, terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.action = action
        self.reward = reward
        self.nextObservation = nextObservation
        self.terminated = terminated
        self.truncated = truncated
    }

    public init(observation: Int, action: Int, result: StepResult) {
        self.init(
            observation: observation, action: action, reward: result.reward,
            nextObservation: result.observation, terminated: result.terminated, truncated: result.truncated)
    }
}

/// An agent that improves within a trial — a run of consecutive episodes on one map —
/// from its own experience only. The classical baselines implement it now; the
/// transformer will too, so the evaluation harness treats all of them alike.
///
/// Call order within a trial:
/// `beginTrial`, then for each episode: (`act`, `observe`)… until the episode ends, then
/// `endEpisode`. The first `act` of an episode receives the start cell. When a step
/// terminates, `observe` reports the cell entered (a hole if the reward is 0, a goal if
/// it is 1) — the terminal observation an agent needs to learn where it fell.
public protocol InContextAgent {
    /// Forgets everything about earlier trials and prepares for a new map of this shape.
    mutating func beginTrial(_ info: TrialInfo)
    /// Chooses an action in `0..<info.actionCount` for the current cell; any randomness
    /// must come from `rng`, so runs are reproducible per seed.
    mutating func act(observation: Int, rng: inout Xoshiro256) -> Int
    /// Learns from the step just taken.
    mutating func observe(_ transition: Transition)
    /// The episode is over (terminated or truncated); the next `act` starts a new one.
    mutating func endEpisode()
}

/// A type-erased ``InContextAgent``, so a command can pick an agent by name at run time
/// and still hand the harness one concrete type. Mutations happen in place.
public struct AnyInContextAgent: InContextAgent {
    public var base: any InContextAgent

    public init(_ base: any InContextAgent) {
        self.base = base
    }

    public mutating func beginTrial(_ info: TrialInfo) { base.beginTrial(info) }
    public mutating func act(observation: Int, rng: inout Xoshiro256) -> Int {
        base.act(observation: observation, rng: &rng)
    }
    public mutating func observe(_ transition: Transition) { base.observe(transition) }
    public mutating func endEpisode() { base.endEpisode() }
}
