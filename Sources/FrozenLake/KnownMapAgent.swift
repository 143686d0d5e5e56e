/// The optimum with the map revealed: the ceiling no agent that must explore can reach.
///
/// Unlike every other agent it is *given the map* — through its initialiser, so any code
/// that builds one visibly hands it the answer. Not slippery: it follows a shortest path
/// to the nearest goal (BFS; ties uniformly at random), which succeeds in every episode
/// from any start that can reach a goal within the step limit. Slippery: it maximises the
/// probability of reaching a goal before the step limit by finite-horizon value iteration
/// over (cell, steps left) — the exact optimum of `FrozenLake-v1` with its `TimeLimit`.
public struct KnownMapAgent: InContextAgent {
    /// The map this agent was shown.
    public let map: FrozenLakeMap
    private var config = EnvConfig.paper
    private var distance: [Int] = []
    /// `bestActions[(stepsLeft - 1) * cellCount + cell]`: bit mask of optimal actions.
    private var bestActions: [UInt8] = []
    private var stepsTaken = 0

    public init(map: FrozenLakeMap) {
        self.map = map
    }

    public mutating func beginTrial(_ info: TrialInfo) {
        precondition(info.geometry == map.geometry, "KnownMapAgent was given a \(map.rows)x\(map.cols) map for a \(info.geometry.rows)x\(info.geometry.cols) trial")
        config = info.config
        stepsTaken = 0
        if config.slippery {
            planFiniteHorizon()
        } else {
            let roles: [GridPlanner.Role] = map.cells.map { $0 == .goal ? .target : ($0 == .hole ? .blocked : .open) }
            distance = GridPlanner.distances(geometry: map.geometry, roles: roles)
        }
    }

    public mutating func act(observation: Int, rng: inout Xoshiro256) -> Int {
        if config.slippery {
            let stepsLeft = max(1, config.maxSteps - stepsTaken)
            let mask = bestActions[(stepsLeft - 1) * map.cellCount + observation]
            if mask != 0 {
                var choice = 0
                var ties = 0
                for action in 0..<Action.count where mask & (1 << action) != 0 {
                    ties += 1
                    if rng.nextInt(below: ties) == 0 { choice = action }
                }
                return choice
            }
        } else if let action = GridPlanner.descend(geometry: map.geometry, distance: distance, from: observation, rng: &rng) {
            return action
        }
        return rng.nextInt(below: Action.count)
    }

    public mutating func observe(_ transition: Transition) {
        stepsTaken += 1
    }

    public mutating func endEpisode() {
        stepsTaken = 0
    }

    /// `V_h(s) = max_a Σ P(s'|s,a)·(1 if s' is a goal, 0 if a hole, V_{h-1}(s') otherwise)`,
    /// `V_0 = 0`, for `h = 1…maxSteps`, keeping the optimal actions of every `(h, s)`.
    private mutating func planFiniteHorizon() {
        let n = map.cellCount
        let geometry = map.geometry
        let horizon = config.maxSteps
        var previous = [Double](repeating: 0, count: n)
        var current = [Double](repeating: 0, count: n)
        bestActions = [UInt8](repeating: 0, count: horizon * n)
        let moves = (0..<Action.count).map { config.moveDistribution(for: $0) }
        var qs = [Double](repeating: 0, count: Action.count)
        for h in 1...horizon {
            for s in 0..<n where map.cells[s].isWalkable {
                for action in 0..<Action.count {
                    var q = 0.0
                    for move in moves[action] {
                        let next = geometry.neighbor(of: s, direction: move.direction)
                        switch map.cells[next] {
                        case .goal: q += move.probability
                        case .hole: break
                        case .start, .frozen: q += move.probability * previous[next]
                        }
                    }
                    qs[action] = q
                }
                let best = qs.max()!
                current[s] = best
                var mask: UInt8 = 0
                if best > 0 {
                    for action in 0..<Action.count where qs[action] >= best - 1e-12 {
                        mask |= 1 << action
                    }
                }
                bestActions[(h - 1) * n + s] = mask
            }
            swap(&previous, &current)
        }
    }
}
