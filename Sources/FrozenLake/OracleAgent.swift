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
///
/// The cautious variant (``unknownStepCost`` > 0) charges a route to a known goal extra
/// steps for every cell on it the agent has never stood on, so it takes the road it has
/// walked over a shortcut through unknown ice — which may hide a hole — unless the shortcut
/// saves more than that. With unknown cells assumed frozen the belief-greedy agent does the
/// opposite, and on maps where the context holds only pieces of a route (the stitching
/// suite) it falls into the holes beside them.
public struct OracleAgent: InContextAgent, Sendable {
    /// What the agent believes about one cell.
    public enum Knowledge: UInt8, Sendable {
        case unknown, safe, hole, goal
    }

    /// Discount of the slippery planner (per step; prefers short routes among safe ones).
    public let discount: Double
    /// Extra steps charged for entering an unknown cell on the way to a known goal
    /// (non-slippery planning; 0: the belief-greedy agent, unknown = frozen).
    public let unknownStepCost: Int
    /// The cautious agent's charge: a hole prior of about 0.2 per unknown cell (the suites'
    /// hole density) against a discount of 0.9 per step is worth ln(1/0.8)/ln(1/0.9) ≈ 2
    /// steps; 3 makes a walked road win every tie with a one-cell shortcut, since routes
    /// on a grid differ by even numbers of steps.
    public static let cautiousStepCost = 3
    /// Current belief, one entry per cell.
    public private(set) var knowledge: [Knowledge] = []

    private var geometry = GridGeometry(rows: 1, cols: 1)
    private var config = EnvConfig.paper
    /// The plan is recomputed only when the belief changed.
    private var planIsCurrent = false
    private var goalRoles: [GridPlanner.Role] = []
    private var exploreRoles: [GridPlanner.Role] = []
    private var goalDistance: [Int] = []
    /// Entry cost per cell of the goal plan; nil when every move costs 1 (no caution).
    private var goalEntryCost: [Int]?
    private var exploreDistance: [Int] = []
    private var goalValue: [Double] = []
    private var exploreValue: [Double] = []
    private var knowsGoal = false

    public init(discount: Double = 0.95, unknownStepCost: Int = 0) {
        precondition(unknownStepCost >= 0, "unknownStepCost is a count of steps")
        self.discount = discount
        self.unknownStepCost = unknownStepCost
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
                geometry: geometry, distance: goalDistance, entryCost: goalEntryCost, from: observation, rng: &rng) {
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
    /// random (nothing left to reach). On slippery ice these are the greedy actions of the
    /// belief MDP (ties within `GridPlanner.greedyMask`'s tolerance), usually one.
    /// Learns, like `act`, that the agent stands on a safe cell.
    public mutating func bestActions(observation: Int) -> UInt8 {
        learn(observation, is: .safe)
        if !planIsCurrent { replan() }
        if config.slippery {
            if knowsGoal, goalValue[observation] > 0 {
                let mask = GridPlanner.greedyMask(
                    geometry: geometry, roles: goalRoles, config: config, gamma: discount, value: goalValue, from: observation)
                if mask != 0 { return mask }
            }
            return GridPlanner.greedyMask(
                geometry: geometry, roles: exploreRoles, config: config, gamma: discount, value: exploreValue, from: observation)
        }
        if knowsGoal {
            let toGoal = Self.descending(geometry: geometry, distance: goalDistance, entryCost: goalEntryCost, from: observation)
            if toGoal != 0 { return toGoal }
        }
        return Self.descending(geometry: geometry, distance: exploreDistance, from: observation)
    }

    /// The actions `GridPlanner.descend` chooses among.
    static func descending(geometry: GridGeometry, distance: [Int], entryCost: [Int]? = nil, from cell: Int) -> UInt8 {
        let here = distance[cell]
        guard here > 0 else { return 0 }
        var mask: UInt8 = 0
        for action in 0..<Action.count {
            let next = geometry.neighbor(of: cell, direction: action)
            if next != cell, GridPlanner.isOnCheapestRoute(to: next, distance: distance, entryCost: entryCost, here: here) {
                mask |= 1 << action
            }
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
            goalEntryCost = unknownStepCost > 0
                ? knowledge.map { $0 == .unknown ? 1 + unknownStepCost : 1 }
                : nil
            if !knowsGoal {
                goalDistance = [Int](repeating: -1, count: knowledge.count)
            } else if let goalEntryCost {
                goalDistance = GridPlanner.costs(geometry: geometry, roles: goalRoles, entryCost: goalEntryCost)
            } else {
                goalDistance = GridPlanner.distances(geometry: geometry, roles: goalRoles)
            }
            exploreDistance = GridPlanner.distances(geometry: geometry, roles: exploreRoles)
        }
        planIsCurrent = true
    }
}
