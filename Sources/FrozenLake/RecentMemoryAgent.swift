/// An agent that remembers only the trial's last `steps` transitions, the way a model
/// remembers only what its context window still shows.
///
/// It wraps another agent and, before every decision, rebuilds it from scratch and replays
/// the remembered steps into it, so the base agent's own bookkeeping needs no change. This
/// answers "how much of the ceiling is memory?": the oracles, which remember a whole trial,
/// against the same oracles held to a model's context (`icrl eval --agent-memory`).
///
/// With `keepsEnds`, the steps that ended in a hole or on a goal are never forgotten (the
/// oldest other step goes instead): what a model's context keeps when its re-encoding
/// carries landing tokens (`KVCacheDecoder.salientToken`).
///
/// Cost: every `act` replays up to `steps` transitions and replans, so an oracle held to
/// 256 steps plays 1–2 orders of magnitude slower than the plain one.
public struct RecentMemoryAgent: InContextAgent {
    /// Transitions kept (the most recent ones).
    public let steps: Int
    /// Holes and goals met are kept beyond `steps`.
    public let keepsEnds: Bool
    private let makeBase: () -> AnyInContextAgent
    private var info: TrialInfo?
    /// The remembered steps, oldest first, and whether each ended its episode.
    private var memory: [(transition: Transition, endsEpisode: Bool)] = []

    /// - steps: transitions remembered, at least 1
    /// - keepsEnds: never forget a step that fell in a hole or reached the goal
    /// - makeBase: builds a fresh base agent (one with no memory of any trial)
    public init(steps: Int, keepsEnds: Bool = false, makeBase: @escaping () -> AnyInContextAgent) {
        precondition(steps >= 1, "RecentMemoryAgent remembers at least one step")
        self.steps = steps
        self.keepsEnds = keepsEnds
        self.makeBase = makeBase
    }

    public mutating func beginTrial(_ info: TrialInfo) {
        self.info = info
        memory.removeAll(keepingCapacity: true)
    }

    public mutating func act(observation: Int, rng: inout Xoshiro256) -> Int {
        guard let info else { preconditionFailure("act before beginTrial") }
        var base = makeBase()
        base.beginTrial(info)
        for step in memory {
            base.observe(step.transition)
            if step.endsEpisode { base.endEpisode() }
        }
        return base.act(observation: observation, rng: &rng)
    }

    public mutating func observe(_ transition: Transition) {
        memory.append((transition, transition.terminated || transition.truncated))
        // Ends kept beyond `steps` do not count toward it.
        let kept = keepsEnds ? memory.filter(\.transition.terminated).count : 0
        if memory.count - kept > steps {
            let oldest = keepsEnds ? memory.firstIndex { !$0.transition.terminated }! : 0
            memory.remove(at: oldest)
        }
    }

    public mutating func endEpisode() {
        if let last = memory.indices.last { memory[last].endsEpisode = true }
    }
}
