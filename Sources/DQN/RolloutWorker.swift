import FrozenLake

/// Who acts in a trial.
public enum RolloutBehaviour: String, Codable, Sendable, CaseIterable {
    case model, random, qlearning, oracle

    /// The wire's `Behaviour` value (Proto/icrl.proto), which the replay stores per trial.
    public var wireValue: UInt32 {
        switch self {
        case .model: 1
        case .random: 2
        case .qlearning: 3
        case .oracle: 4
        }
    }
}

/// One step an actor took, with what the learner needs to rebuild the trial.
public struct RolloutStep: Sendable {
    public var slot: Int
    public var trialID: UInt64
    public var step: TrialStep
    public var behaviour: RolloutBehaviour
    /// The trial ended with this step.
    public var endsTrial: Bool
}

/// An actor's environments, with no sockets: `environments` FrozenLake trials stepped
/// in lockstep, the model's slots batched through one `BatchedQPolicy` call per step.
/// Each trial visits `mapsPerTrial` training maps for 20–40 episodes each (configurable);
/// the behaviour of a trial is drawn from the configured mix.
public final class RolloutWorker {
    struct Slot {
        var env: FrozenLakeEnv
        var trialID: UInt64
        var behaviour: RolloutBehaviour
        var teacher: AnyInContextAgent?
        var mapsLeft: Int
        var episodesLeftOnMap: Int
        var previous: TrialStep?
        var episodeStart = true
        var mapStart = true
        var placement: UInt8 = 0
        var stepInTrial: UInt64 = 0
    }

    public let config: RolloutConfig
    public let tokenizer: Tokenizer
    public let incarnation: UInt64
    let suites: [MapSuite]
    let fixedMap: FrozenLakeMap?
    var rng: Xoshiro256
    var slots: [Slot] = []
    var nextTrialID: UInt64 = 0
    var tokens: [Int32]
    /// Episodes finished and how many reached a goal, by behaviour, since start.
    public private(set) var episodes: [RolloutBehaviour: Int] = [:]
    public private(set) var successes: [RolloutBehaviour: Int] = [:]
    public private(set) var stepsTaken = 0

    public enum ConfigError: Error, CustomStringConvertible {
        case unknownSuite(String)
        case noBehaviour
        case mapTooLarge(String)
        public var description: String {
            switch self {
            case .unknownSuite(let s): "unknown map suite '\(s)'; choose one of \(MapSuite.names)"
            case .noBehaviour: "every behaviour weight is zero: give the model, random, qlearning or oracle a positive weight"
            case .mapTooLarge(let s): "'\(s)' has maps larger than the tokenizer's canvas; raise the canvas"
            }
        }
    }

    public init(config: RolloutConfig, tokenizer: Tokenizer, incarnation: UInt64, seed: UInt64) throws {
        guard let suites = config.mapSuites else { throw ConfigError.unknownSuite(config.suite) }
        fixedMap = try config.fixedMap.map { try FrozenLakeMap($0) }
        if let fixedMap, !tokenizer.fits(rows: fixedMap.rows, cols: fixedMap.cols) { throw ConfigError.mapTooLarge(config.fixedMap!) }
        guard config.modelWeight + config.randomWeight + config.qlearningWeight + config.oracleWeight > 0 else { throw ConfigError.noBehaviour }
        let largest = suites.map(\.largestSide).max()!
        guard fixedMap != nil || tokenizer.fits(rows: largest, cols: largest) else { throw ConfigError.mapTooLarge(config.suite) }
        self.config = config
        self.tokenizer = tokenizer
        self.incarnation = incarnation
        self.suites = suites
        rng = Xoshiro256(seed: seed)
        tokens = [Int32](repeating: 0, count: config.environments * tokenizer.featureCount)
        for _ in 0..<config.environments { slots.append(newTrial()) }
    }

    private func drawBehaviour() -> RolloutBehaviour {
        let weights: [(RolloutBehaviour, Double)] = [
            (.model, config.modelWeight), (.random, config.randomWeight),
            (.qlearning, config.qlearningWeight), (.oracle, config.oracleWeight),
        ]
        var u = rng.nextDouble() * weights.reduce(0) { $0 + $1.1 }
        for (behaviour, weight) in weights where weight > 0 {
            if u < weight { return behaviour }
            u -= weight
        }
        return weights.last { $0.1 > 0 }!.0
    }

    private func drawMap() -> FrozenLakeMap {
        if let fixedMap { return fixedMap }
        let suite = suites.count == 1 ? suites[0] : suites[rng.nextInt(in: 0...(suites.count - 1))]
        return suite.generator.sample(split: .train, using: &rng)
    }

    private func envConfig() -> EnvConfig {
        EnvConfig(slippery: config.slippery, maxSteps: config.episodeStepLimit)
    }

    private func newTrial() -> Slot {
        let map = drawMap()
        let behaviour = drawBehaviour()
        var teacher: AnyInContextAgent?
        switch behaviour {
        case .model: teacher = nil
        case .random: teacher = ClassicalAgentKind.random.makeAgent(revealing: map)
        case .qlearning: teacher = ClassicalAgentKind.qlearning.makeAgent(revealing: map)
        case .oracle: teacher = AnyInContextAgent(OracleAgent(unknownStepCost: config.oracleUnknownStepCost))
        }
        var env = FrozenLakeEnv(map: map, config: envConfig(), rng: Xoshiro256(seed: rng.next()))
        _ = env.reset()
        teacher?.beginTrial(TrialInfo(geometry: map.geometry, config: envConfig()))
        let id = nextTrialID
        nextTrialID += 1
        return Slot(
            env: env, trialID: id, behaviour: behaviour, teacher: teacher, mapsLeft: config.mapsPerTrial - 1,
            episodesLeftOnMap: rng.nextInt(in: config.episodesPerMapMin...config.episodesPerMapMax),
            previous: nil, placement: tokenizer.placement(
                rows: map.rows, cols: map.cols,
                seed: Tokenizer.placementSeed(incarnation: incarnation, trialID: id, step: 0)))
    }

    /// Resets `env` for the next episode on the same map: on a start cell, or with
    /// probability `exploringStartFraction` on any walkable cell.
    private func startEpisode(_ env: inout FrozenLakeEnv) {
        guard config.exploringStartFraction > 0, rng.nextDouble() < config.exploringStartFraction else {
            _ = env.reset()
            return
        }
        let map = env.map
        let walkable = (0..<map.cellCount).filter { map[$0] == .start || map[$0] == .frozen }
        // Every generated map has a start cell, so `walkable` is never empty and the cell is valid.
        _ = try! env.reset(startingAt: walkable[rng.nextInt(below: walkable.count)])
    }

    /// Takes one step in every environment. Model slots act ε-greedily on `policy`'s
    /// Q-values; teacher slots ask their agent. Every step is handed to `emit`.
    public func step(policy: BatchedQPolicy?, epsilon: Double, emit: (RolloutStep) -> Void) {
        let k = tokenizer.featureCount
        var active = [Bool](repeating: false, count: slots.count)
        for i in slots.indices where slots[i].behaviour == .model {
            active[i] = true
            let s = slots[i]
            tokens.withUnsafeMutableBufferPointer { out in
                tokenizer.encode(
                    into: out.baseAddress! + i * k, observation: s.env.observation, cols: s.env.map.cols,
                    placement: s.placement, previous: s.previous, startsEpisode: s.episodeStart)
            }
        }
        let q: UnsafeBufferPointer<Float>? = (policy != nil && active.contains(true))
            ? tokens.withUnsafeBufferPointer { policy!.step(tokens: $0, active: active) } : nil
        for i in slots.indices {
            let observation = slots[i].env.observation
            let action: Int
            if slots[i].behaviour == .model {
                if let q, rng.nextDouble() >= config.epsilon(epsilon, lane: i, lanes: slots.count) {
                    let row = q.baseAddress! + i * 4
                    var best = 0
                    for a in 1..<4 where row[a] > row[best] { best = a }
                    action = best
                } else {
                    action = rng.nextInt(below: 4)
                }
            } else {
                action = slots[i].teacher!.act(observation: observation, rng: &rng)
            }
            // Actions come from 0..<4 above, so the environment cannot refuse them.
            let result = try! slots[i].env.step(action)
            slots[i].teacher?.observe(Transition(observation: observation, action: action, result: result))
            var flags: UInt8 = 0
            if result.terminated { flags |= TrialStep.terminatedBit }
            if result.truncated { flags |= TrialStep.truncatedBit }
            if slots[i].episodeStart { flags |= TrialStep.episodeStartBit }
            if slots[i].mapStart { flags |= TrialStep.mapStartBit }
            let map = slots[i].env.map
            let step = TrialStep(
                observation: UInt16(observation), nextObservation: UInt16(result.observation), action: UInt8(action),
                reward: result.reward > 0 ? 1 : 0, flags: flags, rows: UInt8(map.rows), cols: UInt8(map.cols),
                placement: slots[i].placement)
            slots[i].previous = step
            slots[i].episodeStart = false
            slots[i].mapStart = false
            slots[i].stepInTrial += 1
            stepsTaken += 1
            var endsTrial = false
            if result.isDone {
                let behaviour = slots[i].behaviour
                episodes[behaviour, default: 0] += 1
                if result.reward > 0 { successes[behaviour, default: 0] += 1 }
                slots[i].teacher?.endEpisode()
                slots[i].episodesLeftOnMap -= 1
                slots[i].episodeStart = true
                if slots[i].episodesLeftOnMap > 0 {
                    startEpisode(&slots[i].env)
                } else if slots[i].mapsLeft > 0 {
                    // A new map, without warning: the model must notice from what happens.
                    let next = drawMap()
                    slots[i].mapsLeft -= 1
                    slots[i].episodesLeftOnMap = rng.nextInt(in: config.episodesPerMapMin...config.episodesPerMapMax)
                    slots[i].env = FrozenLakeEnv(map: next, config: envConfig(), rng: Xoshiro256(seed: rng.next()))
                    _ = slots[i].env.reset()
                    slots[i].teacher?.beginTrial(TrialInfo(geometry: next.geometry, config: envConfig()))
                    slots[i].mapStart = true
                    slots[i].placement = tokenizer.placement(
                        rows: next.rows, cols: next.cols,
                        seed: Tokenizer.placementSeed(incarnation: incarnation, trialID: slots[i].trialID, step: slots[i].stepInTrial))
                } else {
                    endsTrial = true
                }
            }
            emit(RolloutStep(slot: i, trialID: slots[i].trialID, step: step, behaviour: slots[i].behaviour, endsTrial: endsTrial))
            if endsTrial {
                slots[i] = newTrial()
                policy?.reset(sequence: i)
            }
        }
    }
}
