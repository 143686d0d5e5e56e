import FrozenLake

/// Runs an agent on a list of trials — `episodesPerTrial` consecutive episodes per map,
/// the agent's memory kept across a trial's episodes and wiped between trials — and
/// records which episodes reached a goal.
///
/// Trials run in lockstep batches of `batchSize` lanes so a batched agent (the
/// transformer) can act for many maps in one pass. Results do not depend on the batch
/// size: trial `i` always uses the environment stream `derive(seed, envStream, i)` and
/// the agent stream `derive(seed, agentStream, i)`, so every agent meets the same maps
/// with the same seed and reruns are identical.
public struct EvaluationHarness: Sendable {
    /// Episodes in each trial.
    public var episodesPerTrial: Int
    /// Slipperiness and step limit for every trial.
    public var config: EnvConfig
    /// Seed of the environment and agent streams.
    public var seed: UInt64
    /// Trials played side by side.
    public var batchSize: Int

    static let envStream: UInt64 = 0x454E_56  // "ENV"
    static let agentStream: UInt64 = 0x4147_54  // "AGT"

    public init(episodesPerTrial: Int, config: EnvConfig = .paper, seed: UInt64 = 0, batchSize: Int = 64) {
        precondition(episodesPerTrial >= 1, "a trial needs at least one episode")
        precondition(batchSize >= 1, "batchSize must be at least 1")
        self.episodesPerTrial = episodesPerTrial
        self.config = config
        self.seed = seed
        self.batchSize = batchSize
    }

    /// Evaluates per-trial agents, each built fresh by `makeAgent` for its trial.
    /// - Throws: ``EnvError`` if an agent returns an action outside 0...3 or a trial's
    ///   schedule is invalid; trace-file errors.
    public func run<Agent: InContextAgent>(
        agentName: String, trials: [TrialSpec], trace: TraceWriter? = nil,
        makeAgent: @escaping (TrialSetup) -> Agent
    ) throws -> EvaluationResult {
        var agent = LockstepAgents(makeAgent: makeAgent)
        return try run(agentName: agentName, agent: &agent, trials: trials, trace: trace)
    }

    /// Evaluates a batched agent (one lane per trial of a batch).
    public func run<Agent: BatchedInContextAgent>(
        agentName: String, agent: inout Agent, trials: [TrialSpec], trace: TraceWriter? = nil
    ) throws -> EvaluationResult {
        var successes: [[Bool]] = []
        var lengths: [[Int]] = []
        var outcomes: [[EpisodeOutcome]] = []
        successes.reserveCapacity(trials.count)
        lengths.reserveCapacity(trials.count)
        outcomes.reserveCapacity(trials.count)
        var start = 0
        while start < trials.count {
            let end = min(trials.count, start + batchSize)
            let batch = try runBatch(agentName: agentName, agent: &agent, trials: trials, range: start..<end, trace: trace)
            successes.append(contentsOf: batch.successes)
            lengths.append(contentsOf: batch.lengths)
            outcomes.append(contentsOf: batch.outcomes)
            start = end
        }
        try trace?.flush()
        return EvaluationResult(agent: agentName, successes: successes, episodeLengths: lengths, outcomes: outcomes)
    }

    /// Plays one batch of trials to completion.
    private func runBatch<Agent: BatchedInContextAgent>(
        agentName: String, agent: inout Agent, trials: [TrialSpec], range: Range<Int>, trace: TraceWriter?
    ) throws -> (successes: [[Bool]], lengths: [[Int]], outcomes: [[EpisodeOutcome]]) {
        let laneCount = range.count
        var envs: [NonStationaryEnv] = []
        var setups: [TrialSetup] = []
        var rngs: [Xoshiro256] = []
        for index in range {
            let spec = trials[index]
            let env = try NonStationaryEnv(
                maps: spec.maps, swapAfter: spec.swapAfter, config: config,
                seed: SplitMix64.derive(seed, Self.envStream, UInt64(index)))
            envs.append(env)
            setups.append(TrialSetup(index: index, info: TrialInfo(geometry: env.geometry, config: config), revealedMap: spec.maps[0]))
            rngs.append(Xoshiro256(seed: SplitMix64.derive(seed, Self.agentStream, UInt64(index))))
        }
        agent.beginTrials(setups)
        try playContext(agent: &agent, trials: trials, range: range, rngs: &rngs)

        var successes = [[Bool]](repeating: [Bool](repeating: false, count: episodesPerTrial), count: laneCount)
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: episodesPerTrial), count: laneCount)
        var outcomes = [[EpisodeOutcome]](repeating: [EpisodeOutcome](repeating: .timeout, count: episodesPerTrial), count: laneCount)
        // Holes each lane's trial has fallen into on its current map (a swap starts afresh).
        var seenHoles = [Set<Int>](repeating: [], count: laneCount)
        var holesMap = (0..<laneCount).map { envs[$0].currentMap }
        var episode = [Int](repeating: 0, count: laneCount)
        var observation = (0..<laneCount).map { envs[$0].reset() }
        var steps: [[Transition]] = Array(repeating: [], count: trace == nil ? 0 : laneCount)
        var traceBytes: [[UInt8]] = Array(repeating: [], count: trace == nil ? 0 : laneCount)
        var active = Array(0..<laneCount)

        while !active.isEmpty {
            let actions = agent.act(lanes: active, observations: active.map { observation[$0] }, rngs: &rngs)
            precondition(actions.count == active.count, "act must return one action per lane")
            var stillActive: [Int] = []
            stillActive.reserveCapacity(active.count)
            for (i, lane) in active.enumerated() {
                let result = try envs[lane].step(actions[i])
                let transition = Transition(observation: observation[lane], action: actions[i], result: result)
                agent.observe(lane: lane, transition)
                if trace != nil { steps[lane].append(transition) }
                guard result.isDone else {
                    observation[lane] = result.observation
                    stillActive.append(lane)
                    continue
                }
                let k = episode[lane]
                successes[lane][k] = result.terminated && result.reward > 0
                lengths[lane][k] = envs[lane].env.elapsedSteps
                if envs[lane].currentMap != holesMap[lane] {
                    holesMap[lane] = envs[lane].currentMap
                    seenHoles[lane] = []
                }
                if successes[lane][k] {
                    outcomes[lane][k] = .success
                } else if result.terminated {
                    outcomes[lane][k] = seenHoles[lane].insert(result.observation).inserted ? .newHole : .seenHole
                } else {
                    outcomes[lane][k] = .timeout
                }
                agent.endEpisode(lane: lane)
                if trace != nil {
                    TraceEncoder.appendEpisode(
                        to: &traceBytes[lane], map: envs[lane].currentMap, config: config, agent: agentName,
                        trial: range.lowerBound + lane, episode: k, steps: steps[lane])
                    steps[lane].removeAll(keepingCapacity: true)
                }
                episode[lane] = k + 1
                if k + 1 < episodesPerTrial {
                    observation[lane] = envs[lane].reset()
                    stillActive.append(lane)
                }
            }
            active = stillActive
        }
        if let trace {
            for lane in 0..<laneCount { try trace.append(traceBytes[lane], episodes: episodesPerTrial) }
        }
        return (successes, lengths, outcomes)
    }

    /// Shows every lane its scripted context episodes, in lockstep: the agent is asked to
    /// act (its choice is ignored, as an LLM's would be when its context is prefilled),
    /// then observes the scripted step, so its memory holds exactly that history.
    private func playContext<Agent: BatchedInContextAgent>(
        agent: inout Agent, trials: [TrialSpec], range: Range<Int>, rngs: inout [Xoshiro256]
    ) throws {
        // Each lane's steps in order, with whether the step closes its scripted episode
        // (a partial episode closes on its last step even when it neither fell nor won).
        let scripts = range.map { index in
            trials[index].context.flatMap { episode in episode.enumerated().map { ($1, $0 == episode.count - 1) } }
        }
        let longest = scripts.map(\.count).max() ?? 0
        for k in 0..<longest {
            let lanes = scripts.indices.filter { k < scripts[$0].count }
            _ = agent.act(lanes: lanes, observations: lanes.map { scripts[$0][k].0.observation }, rngs: &rngs)
            for lane in lanes {
                let (step, closes) = scripts[lane][k]
                guard (0..<4).contains(step.action) else { throw EnvError.invalidAction(step.action) }
                agent.observe(lane: lane, step)
                if closes || step.terminated || step.truncated { agent.endEpisode(lane: lane) }
            }
        }
    }
}
