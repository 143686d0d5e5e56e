/// A planner over the posterior of maps: the yardstick for in-context exploration.
///
/// It knows what the model knows — the grid's shape, the dynamics, the trial so far — and
/// the prior the maps were drawn from (``MapPosterior``). At a decision that the evidence
/// leaves open it draws ``Settings/samples`` maps from the exact posterior and scores each
/// first action by rolling out the cautious oracle after it on every sampled map, for the
/// rest of this episode and ``Settings/horizonEpisodes`` more, the oracle learning from
/// what it meets as it would in the real trial; the score is the mean number of successes.
/// This is one step of policy improvement over the cautious oracle (Bertsekas' rollout
/// algorithm) under the Bayesian posterior, so with enough samples it does at least as well
/// as that oracle; it switches from the oracle's action only when another beats it by
/// ``Settings/switchMargin``, so sampling noise does not make it worse. Rollouts of one
/// sampled map share their random numbers across the four first actions.
///
/// Decisions the evidence settles skip the rollouts:
/// - not slippery, with a route of walked cells to a known goal within the steps left:
///   that route wins every remaining episode, so it is taken (shortest, ties at random);
/// - slippery, when the best success probability through walked cells only is within
///   ``Settings/settledTolerance`` of the best with unknown cells assumed frozen: what the
///   unknown cells hide cannot matter, so it acts greedily on the walked-cells values.
///
/// A contradiction — a cell shown to be other than the trial said before — means the map
/// was swapped (the non-stationary suite): it forgets everything but the current episode.
/// When no sampled map explains the evidence (a scripted context that began on a frozen
/// cell can do that) it acts as the cautious oracle.
///
/// Cost: a planned decision simulates about `4 × samples × (horizonEpisodes + 1)` episodes
/// (three times that on slippery ice, where the first move's three outcomes are averaged);
/// ``statistics`` counts planned, settled and fallback decisions and simulated steps.
public struct PlannerAgent: InContextAgent {
    /// The planner's knobs.
    public struct Settings: Sendable, Hashable {
        /// Maps drawn from the posterior per planned decision.
        public var samples = 16
        /// Episodes each rollout plays after the current one (the value of information
        /// reaches only this far).
        public var horizonEpisodes = 2
        /// Expected successes by which another action must beat the oracle's to be taken.
        public var switchMargin = 0.05
        /// Slippery: when the walked-cells success probability is this close to the
        /// optimistic one, the decision is settled.
        public var settledTolerance = 0.01
        /// Draws per posterior sample before giving up on the evidence.
        public var maxAttemptsPerSample = 2_000

        public init(samples: Int = 16, horizonEpisodes: Int = 2, switchMargin: Double = 0.05) {
            precondition(samples >= 1, "the planner needs at least one sampled map")
            precondition(horizonEpisodes >= 0, "horizonEpisodes counts episodes")
            self.samples = samples
            self.horizonEpisodes = horizonEpisodes
            self.switchMargin = switchMargin
        }
    }

    /// How the planner's decisions were made.
    public struct Statistics: Sendable, Hashable {
        public var planned = 0
        public var settled = 0
        public var fallbacks = 0
        public var swapsDetected = 0
        public var simulatedSteps = 0
    }

    public let settings: Settings
    public let prior: MapGenerator.Rule
    public private(set) var statistics = Statistics()

    private var info = TrialInfo(geometry: GridGeometry(rows: 1, cols: 1), config: .paper)
    private var base = OracleAgent(unknownStepCost: OracleAgent.cautiousStepCost)
    private var posterior = MapPosterior(geometry: GridGeometry(rows: 1, cols: 1), rule: MapSuite.inDistribution.generator.rule)
    /// The current episode's steps, replayed into a fresh belief after a swap.
    private var episode: [Transition] = []
    private var episodeStartsHere = true
    private var settledPlan = SettledPlan()
    private var sampled: [[Cell]] = []

    /// A planner that believes maps come from `prior` (the suite's generator rule).
    public init(prior: MapGenerator.Rule, settings: Settings = Settings()) {
        self.prior = prior
        self.settings = settings
    }

    public mutating func beginTrial(_ info: TrialInfo) {
        self.info = info
        base.beginTrial(info)
        posterior = MapPosterior(geometry: info.geometry, rule: prior)
        episode = []
        episodeStartsHere = true
        settledPlan = SettledPlan()
    }

    public mutating func act(observation: Int, rng: inout Xoshiro256) -> Int {
        if episodeStartsHere {
            episodeStartsHere = false
            if !posterior.observeStart(observation) { forgetOldMap(); _ = posterior.observeStart(observation) }
        }
        if !posterior.observe(observation, is: .walkable) { forgetOldMap(); _ = posterior.observe(observation, is: .walkable) }
        let oracleAction = base.act(observation: observation, rng: &rng)
        let stepsLeft = info.config.maxSteps - episode.count
        if let action = settledPlan.action(posterior: posterior, config: info.config, from: observation, stepsLeft: stepsLeft,
                                           tolerance: settings.settledTolerance, rng: &rng) {
            statistics.settled += 1
            return action
        }
        return plan(from: observation, stepsLeft: stepsLeft, oracleAction: oracleAction, rng: &rng)
    }

    public mutating func observe(_ transition: Transition) {
        base.observe(transition)
        episode.append(transition)
        if !posterior.observe(transition) {
            forgetOldMap()
        }
    }

    public mutating func endEpisode() {
        base.endEpisode()
        episode.removeAll(keepingCapacity: true)
        episodeStartsHere = true
    }

    /// After a contradiction: a fresh belief holding only the current episode.
    private mutating func forgetOldMap() {
        statistics.swapsDetected += 1
        posterior.reset()
        base.beginTrial(info)
        if let first = episode.first { _ = posterior.observeStart(first.observation) }
        for step in episode {
            _ = posterior.observe(step)
            base.observe(step)
        }
    }

    /// Scores each first action by oracle rollouts on sampled maps.
    private mutating func plan(from cell: Int, stepsLeft: Int, oracleAction: Int, rng: inout Xoshiro256) -> Int {
        if sampled.count != settings.samples { sampled = Array(repeating: [], count: settings.samples) }
        var drawn = 0
        for k in 0..<settings.samples where posterior.sample(into: &sampled[k], rng: &rng, maxAttempts: settings.maxAttemptsPerSample) {
            drawn = k + 1
        }
        // `sample` fails only when the evidence is (nearly) inexplicable, so all or none.
        guard drawn == settings.samples else {
            statistics.fallbacks += 1
            return oracleAction
        }
        statistics.planned += 1
        let geometry = info.geometry
        var score = [Double](repeating: 0, count: Action.count)
        var candidates: [Int] = []
        for action in 0..<Action.count {
            let next = geometry.neighbor(of: cell, direction: action)
            // Not slippery, a bump into the edge or a step into a known hole never helps.
            if !info.config.slippery, next == cell || posterior.evidence[next] == .hole, action != oracleAction { continue }
            candidates.append(action)
        }
        for k in 0..<settings.samples {
            let seed = rng.next()
            for action in candidates {
                // The first move's slip is averaged exactly rather than sampled: it is where
                // the actions differ, so sampling it would drown their difference in noise.
                for move in info.config.moveDistribution(for: action) {
                    var streams = Xoshiro256(seed: seed)
                    score[action] += move.probability * rollout(
                        map: sampled[k], from: cell, first: action, direction: move.direction, stepsLeft: stepsLeft, rng: &streams)
                }
            }
        }
        var best = oracleAction
        for action in candidates where score[action] > score[best] { best = action }
        let margin = settings.switchMargin * Double(settings.samples)
        return score[best] > score[oracleAction] + margin ? best : oracleAction
    }

    /// Successes of the cautious oracle after `first`, on one sampled map: the rest of this
    /// episode and `horizonEpisodes` more.
    private mutating func rollout(
        map cells: [Cell], from cell: Int, first: Int, direction firstDirection: Int, stepsLeft: Int, rng: inout Xoshiro256
    ) -> Double {
        let geometry = info.geometry, config = info.config
        var oracle = base
        var successes = 0.0
        var position = cell
        var action = first
        var left = stepsLeft
        var episodesLeft = settings.horizonEpisodes
        var simulated = 0
        var direction = firstDirection
        while true {
            if simulated > 0, config.slippery {
                let u = rng.nextDouble()
                direction = u < config.failRate ? (action + 3) % 4 : (u < config.failRate + config.successRate ? action : (action + 1) % 4)
            }
            let next = geometry.neighbor(of: position, direction: direction)
            let landed = cells[next]
            let terminated = landed == .hole || landed == .goal
            left -= 1
            simulated += 1
            let reward = landed == .goal ? 1.0 : 0.0
            oracle.observe(Transition(observation: position, action: action, reward: reward, nextObservation: next,
                                      terminated: terminated, truncated: !terminated && left == 0))
            if terminated || left == 0 {
                successes += reward
                oracle.endEpisode()
                guard episodesLeft > 0 else { break }
                episodesLeft -= 1
                left = config.maxSteps
                position = Self.randomStart(cells, rng: &rng)
            } else {
                position = next
            }
            action = oracle.act(observation: position, rng: &rng)
            direction = action
        }
        statistics.simulatedSteps += simulated
        return successes
    }

    /// A start cell of a sampled map, uniformly (as Gymnasium's reset draws it).
    private static func randomStart(_ cells: [Cell], rng: inout Xoshiro256) -> Int {
        var choice = 0
        var seen = 0
        for (i, cell) in cells.enumerated() where cell == .start {
            seen += 1
            if rng.nextInt(below: seen) == 0 { choice = i }
        }
        return choice
    }
}

/// The planner's shortcut for decisions the evidence has settled, recomputed only when the
/// evidence changes.
struct SettledPlan: Sendable {
    private var evidence: [MapPosterior.Evidence] = []
    private var walkedRoles: [GridPlanner.Role] = []
    /// Not slippery: moves to a known goal through walked cells (-1: none).
    private var walkedDistance: [Int] = []
    /// Slippery: success values through walked cells only, and with unknown cells frozen.
    private var walkedValue: [Double] = []
    private var optimisticValue: [Double] = []

    /// Discount of the slippery values: close to 1, so they approximate success probabilities.
    static let gamma = 0.99

    /// The settled action at `cell`, or nil when the unknown cells could still matter.
    mutating func action(
        posterior: MapPosterior, config: EnvConfig, from cell: Int, stepsLeft: Int, tolerance: Double, rng: inout Xoshiro256
    ) -> Int? {
        let geometry = posterior.geometry
        if posterior.evidence != evidence { replan(posterior.evidence, geometry: geometry, config: config) }
        if config.slippery {
            guard walkedValue[cell] > 0, walkedValue[cell] >= optimisticValue[cell] - tolerance else { return nil }
            return GridPlanner.greedy(geometry: geometry, roles: walkedRoles, config: config, gamma: Self.gamma,
                                      value: walkedValue, from: cell, rng: &rng)
        }
        guard walkedDistance[cell] > 0, walkedDistance[cell] <= stepsLeft else { return nil }
        return GridPlanner.descend(geometry: geometry, distance: walkedDistance, from: cell, rng: &rng)
    }

    private mutating func replan(_ evidence: [MapPosterior.Evidence], geometry: GridGeometry, config: EnvConfig) {
        self.evidence = evidence
        walkedRoles = evidence.map { e in
            switch e {
            case .goal: .target
            case .walkable, .start: .open
            case .hole, .unknown: .blocked
            }
        }
        guard config.slippery else {
            walkedDistance = GridPlanner.distances(geometry: geometry, roles: walkedRoles)
            return
        }
        let optimisticRoles: [GridPlanner.Role] = evidence.map { e in
            switch e {
            case .goal: .target
            case .walkable, .start, .unknown: .open
            case .hole: .blocked
            }
        }
        let knowsGoal = evidence.contains(.goal)
        walkedValue = knowsGoal
            ? GridPlanner.values(geometry: geometry, roles: walkedRoles, config: config, gamma: Self.gamma)
            : [Double](repeating: 0, count: evidence.count)
        optimisticValue = knowsGoal
            ? GridPlanner.values(geometry: geometry, roles: optimisticRoles, config: config, gamma: Self.gamma)
            : [Double](repeating: 1, count: evidence.count)
    }
}
