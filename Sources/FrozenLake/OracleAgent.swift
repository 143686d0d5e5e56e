/// The belief-greedy explorer: it knows the dynamics but not the cells — the practical
/// ceiling for any in-context learner, which has exactly the same information.
///
/// It remembers every cell it has stood on (safe) and every cell an episode ended on (a
/// hole if the reward was 0, a goal if 1). Unknown cells are assumed frozen. Each step it
/// heads for the nearest known goal along a shortest path (through safe or unknown
/// cells, never known holes); if no goal is known or reachable, it heads for the nearest
/// unknown cell through safe cells — walking onto it is how it learns what it is. When
/// slippery it plans the same targets by value iteration (γ = ``discount``) instead of
/// BFS. Ties are broken uniformly at random; with nothing left to try it acts randomly.
public struct OracleAgent: InContextAgent, Sendable {
    /// What the agent believes about one cell.
    public enum Knowledge: UInt8, Sendable {
        case unknown, safe, hole, goal
    }

    /// Discount of the slippery planner (per step; prefers short routes among safe ones).
    public let discount: Double
    /// Current belief, one entry per cell.
    public private(set) var knowledge: [Knowledge] = []

    private var geometry = GridGeometry(rows: 1, cols: 1)
    private var config = EnvConfig.paper
    /// The plan is recomputed only when the belief changed.
    private var planIsCurrent = false
    private var goalRoles: [GridPlanner.Role] = []
    private var exploreRoles: [GridPlanner.Role] = []
    private var goalDistance: [Int] = []
    private var exploreDistance: [Int] = []
    private var goalValue: [Double] = []
    private var exploreValue: [Double] = []
    private var knowsGoal = false

    public init(discount: Double = 0.95) {
        self.discount = discount
    }

    public mutating func beginTrial(_ info: TrialInfo) {
        geometry = info.geometry
        config = info.config
        knowledge = [Knowledge](repeating: .unknown, count: geometry.cellCount)
        planIsCurrent = false
    }

    public mutating func act(observation: Int, rng: inout Xoshiro256) -> Int {
        learn(observation, is: .safe)
        if !planIsCurrent { replan() }
        if config.slippery {
            if knowsGoal, goalValue[observation] > 0,
               let action = GridPlanner.greedy(
                   geometry: geometry, roles: goalRoles, config: config, gamma: discount,
                   value: goalValue, from: observation, rng: &rng) {
                return action
            }
            if let action = GridPlanner.greedy(
                geometry: geometry, roles: exploreRoles, config: config, gamma: discount,
                value: exploreValue, from: observation, rng: &rng) {
                return action
            }
        } else {
            if knowsGoal, let action = GridPlanner.descend(
                geometry: geometry, distance: goalDistance, from: observation, rng: &rng) {
                return action
            }
            if let action = GridPlanner.descend(
                geometry: geometry, distance: exploreDistance, from: observation, rng: &rng) {
                return action
            }
        }
        return rng.nextInt(below: Action.count)
    }

    /// Every action `act` could choose here, as a bit mask (bit `a` for action `a`), for
    /// relabelling other agents' trials with what the oracle would do; 0 when it would act at
    /// random (nothing left to reach) or the ice is slippery (its choice there is not a set).
    /// Learns, like `act`, that the agent stands on a safe cell.
    public mutating func bestActions(observation: Int) -> UInt8 {
        learn(observation, is: .safe)
        if !planIsCurrent { replan() }
        guard !config.slippery else { return 0 }
        if knowsGoal {
            let toGoal = Self.descending(geometry: geometry, distance: goalDistance, from: observation)
            if toGoal != 0 { return toGoal }
        }
        return Self.descending(geometry: geometry, distance: exploreDistance, from: observation)
    }

    /// The actions `GridPlanner.descend` chooses among.
    static func descending(geometry: GridGeometry, distance: [Int], from cell: Int) -> UInt8 {
        let here = distance[cell]
        guard here > 0 else { return 0 }
        var mask: UInt8 = 0
        for action in 0..<Action.count {
            let next = geometry.neighbor(of: cell, direction: action)
            if next != cell, distance[next] == here - 1 { mask |= 1 << action }
        }
        return mask
    }

    public mutating func observe(_ t: Transition) {
        learn(t.observation, is: .safe)
        if t.terminated {
            learn(t.nextObservation, is: t.reward > 0 ? .goal : .hole)
        } else {
            learn(t.nextObservation, is: .safe)
        }
    }

    public mutating func endEpisode() {}

    private mutating func learn(_ cell: Int, is kind: Knowledge) {
        if knowledge[cell] != kind {
            knowledge[cell] = kind
            planIsCurrent = false
        }
    }

    /// Rebuilds both plans from the belief: to known goals (unknown = frozen), and to
    /// the nearest unknown cells (through safe cells).
    private mutating func replan() {
        knowsGoal = knowledge.contains(.goal)
        goalRoles = knowledge.map { k in
            switch k {
            case .goal: .target
            case .hole: .blocked
            case .safe, .unknown: .open
            }
        }
        exploreRoles = knowledge.map { k in
            switch k {
            case .unknown: .target
            case .hole, .goal: .blocked
            case .safe: .open
            }
        }
        if config.slippery {
            goalValue = knowsGoal
                ? GridPlanner.values(geometry: geometry, roles: goalRoles, config: config, gamma: discount)
                : [Double](repeating: 0, count: knowledge.count)
            exploreValue = GridPlanner.values(geometry: geometry, roles: exploreRoles, config: config, gamma: discount)
        } else {
            goalDistance = knowsGoal
                ? GridPlanner.distances(geometry: geometry, roles: goalRoles)
                : [Int](repeating: -1, count: knowledge.count)
            exploreDistance = GridPlanner.distances(geometry: geometry, roles: exploreRoles)
        }
        planIsCurrent = true
    }
}
