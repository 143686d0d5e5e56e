/// Shortest-path and value-iteration planning on a grid whose cells are classified by
/// the caller — the true map (known-map agent) or a belief about it (oracle).
public enum GridPlanner {
    /// How a planner treats a cell.
    public enum Role: UInt8, Sendable {
        /// Entering it is success (value 1) and ends the plan.
        case target
        /// Entering it is failure (value 0) and ends the plan (a hole, known or assumed).
        case blocked
        /// Walkable: the plan continues from it.
        case open
    }

    /// Fewest moves from every cell to the nearest target, through open cells only
    /// (`-1` where no target can be reached). Multi-source BFS from the targets; moves are
    /// symmetric on a grid, so distances from the targets are distances to them.
    public static func distances(geometry: GridGeometry, roles: [Role]) -> [Int] {
        var distance: [Int] = []
        var queue: [Int] = []
        queue.reserveCapacity(roles.count)
        geometry.multiSourceDistances(
            distance: &distance, queue: &queue, isSource: { roles[$0] == .target }, isOpen: { roles[$0] == .open })
        return distance
    }

    /// An action that moves one step closer to a target along `distance`, chosen uniformly
    /// among the equally short ones; `nil` if `cell` has no finite distance.
    public static func descend(
        geometry: GridGeometry, distance: [Int], from cell: Int, rng: inout Xoshiro256
    ) -> Int? {
        let here = distance[cell]
        guard here > 0 else { return nil }
        var choice: Int?
        var ties = 0
        for action in 0..<Action.count {
            let next = geometry.neighbor(of: cell, direction: action)
            if next != cell, distance[next] == here - 1 {
                ties += 1
                if rng.nextInt(below: ties) == 0 { choice = action }
            }
        }
        return choice
    }

    /// Discounted value iteration for "probability of reaching a target, discounted per
    /// step": `V(s) = max_a Σ_d p_d · w(next)`, with `w = 1` for a target, `0` for a
    /// blocked cell and `γ·V(next)` for an open one. The discount makes shorter routes
    /// preferable among equally safe ones and guarantees convergence.
    ///
    /// The model is flattened once into `(next, probability)` tables so the sweeps do no
    /// allocation (the oracle replans after every newly seen cell).
    public static func values(
        geometry: GridGeometry, roles: [Role], config: EnvConfig, gamma: Double,
        tolerance: Double = 1e-10, maxSweeps: Int = 10_000
    ) -> [Double] {
        let moves = (0..<Action.count).map { config.moveDistribution(for: $0) }
        let outcomes = moves[0].count
        let open = roles.indices.filter { roles[$0] == .open }
        // For open cell i (in `open` order), action a, outcome o:
        // next[(i * 4 + a) * outcomes + o] and weight (probability, or 0 for blocked).
        var next = [Int](repeating: 0, count: open.count * Action.count * outcomes)
        var weight = [Double](repeating: 0, count: next.count)
        var immediate = [Double](repeating: 0, count: open.count * Action.count)
        for (i, cell) in open.enumerated() {
            for action in 0..<Action.count {
                for (o, move) in moves[action].enumerated() {
                    let n = geometry.neighbor(of: cell, direction: move.direction)
                    let slot = (i * Action.count + action) * outcomes + o
                    next[slot] = n
                    switch roles[n] {
                    case .target: immediate[i * Action.count + action] += move.probability
                    case .blocked: break
                    case .open: weight[slot] = move.probability * gamma
                    }
                }
            }
        }
        var value = [Double](repeating: 0, count: roles.count)
        for _ in 0..<maxSweeps {
            var delta = 0.0
            for (i, cell) in open.enumerated() {
                var best = 0.0
                for action in 0..<Action.count {
                    var q = immediate[i * Action.count + action]
                    let base = (i * Action.count + action) * outcomes
                    for o in 0..<outcomes { q += weight[base + o] * value[next[base + o]] }
                    best = max(best, q)
                }
                delta = max(delta, abs(best - value[cell]))
                value[cell] = best
            }
            if delta < tolerance { break }
        }
        return value
    }

    /// `Q(cell, action)` under ``values(geometry:roles:config:gamma:tolerance:maxSweeps:)``'s model.
    public static func actionValue(
        geometry: GridGeometry, roles: [Role], config: EnvConfig, gamma: Double,
        value: [Double], cell: Int, action: Int
    ) -> Double {
        var q = 0.0
        for move in config.moveDistribution(for: action) {
            let next = geometry.neighbor(of: cell, direction: move.direction)
            switch roles[next] {
            case .target: q += move.probability
            case .blocked: break
            case .open: q += move.probability * gamma * value[next]
            }
        }
        return q
    }

    /// The greedy action on `value`, ties (within 1e-12) broken uniformly; `nil` when every
    /// action is worth 0 (no target reachable).
    public static func greedy(
        geometry: GridGeometry, roles: [Role], config: EnvConfig, gamma: Double,
        value: [Double], from cell: Int, rng: inout Xoshiro256
    ) -> Int? {
        var qs = [Double](repeating: 0, count: Action.count)
        for action in 0..<Action.count {
            qs[action] = actionValue(geometry: geometry, roles: roles, config: config, gamma: gamma, value: value, cell: cell, action: action)
        }
        let best = qs.max()!
        guard best > 0 else { return nil }
        return pickTied(qs, best: best, rng: &rng)
    }

    /// Uniform choice among the indices whose value is within 1e-12 of `best`.
    static func pickTied(_ qs: [Double], best: Double, rng: inout Xoshiro256) -> Int {
        var choice = 0
        var ties = 0
        for (action, q) in qs.enumerated() where q >= best - 1e-12 {
            ties += 1
            if rng.nextInt(below: ties) == 0 { choice = action }
        }
        return choice
    }
}
