import FrozenLake

/// An agent that plays many trials at once, one per *lane*, in lockstep — the shape a
/// transformer wants (one batched forward pass for every lane that needs an action).
/// The harness drives every agent through this protocol; per-trial agents are adapted
/// by ``LockstepAgents``.
///
/// Calls for a batch: `beginTrials` once, then repeatedly `act` for the lanes whose
/// episodes are running, `observe` for each of those lanes, and `endEpisode` for each
/// lane whose episode just ended. Lanes whose trials are complete are no longer asked.
public protocol BatchedInContextAgent {
    /// Starts one fresh trial per lane (lane `k` plays `setups[k]`), forgetting earlier trials.
    mutating func beginTrials(_ setups: [TrialSetup])
    /// Returns one action per entry of `lanes`: `result[i]` for lane `lanes[i]`, which is on
    /// cell `observations[i]`. Lane `k`'s randomness must come from `rngs[k]`, so results do
    /// not depend on how trials are batched.
    mutating func act(lanes: [Int], observations: [Int], rngs: inout [Xoshiro256]) -> [Int]
    /// Lane `lane` took a step.
    mutating func observe(lane: Int, _ transition: Transition)
    /// Lane `lane`'s episode ended; its next `act` starts a new episode.
    mutating func endEpisode(lane: Int)
}

/// Runs one ``InContextAgent`` per lane, each built fresh for its trial by `makeAgent`.
public struct LockstepAgents<Agent: InContextAgent>: BatchedInContextAgent {
    private let makeAgent: (TrialSetup) -> Agent
    /// The current batch's agents, one per lane.
    public private(set) var agents: [Agent] = []

    public init(makeAgent: @escaping (TrialSetup) -> Agent) {
        self.makeAgent = makeAgent
    }

    public mutating func beginTrials(_ setups: [TrialSetup]) {
        agents = setups.map { setup in
            var agent = makeAgent(setup)
            agent.beginTrial(setup.info)
            return agent
        }
    }

    public mutating func act(lanes: [Int], observations: [Int], rngs: inout [Xoshiro256]) -> [Int] {
        var actions = [Int](repeating: 0, count: lanes.count)
        for (i, lane) in lanes.enumerated() {
            actions[i] = agents[lane].act(observation: observations[i], rng: &rngs[lane])
        }
        return actions
    }

    public mutating func observe(lane: Int, _ transition: Transition) {
        agents[lane].observe(transition)
    }

    public mutating func endEpisode(lane: Int) {
        agents[lane].endEpisode()
    }
}
