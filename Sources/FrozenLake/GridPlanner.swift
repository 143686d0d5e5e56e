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

    /// Cheapest route from every cell to the nearest target, through open cells only, when
    /// entering cell `c` costs `entryCost[c]` (≥ 1; a target's entry cost counts too); `-1`
    /// where no target can be reached. With every cost 1 this is ``distances(geometry:roles:)``.
    /// Dijkstra from the targets with a linear scan for the minimum: grids have at most a
    /// few hundred cells, and moves are symmetric, so costs from the targets are costs to them.
    public static func costs(geometry: GridGeometry, roles: [Role], entryCost: [Int]) -> [Int] {
        precondition(entryCost.count == roles.count, "one entry cost per cell")
        var cost = [Int](repeating: -1, count: roles.count)
        var settled = [Bool](repeating: false, count: roles.count)
        for i in roles.indices where roles[i] == .target { cost[i] = 0 }
        while true {
            var current = -1
            for i in cost.indices where !settled[i] && cost[i] >= 0 && (current < 0 || cost[i] < cost[current]) {
                current = i
            }
            guard current >= 0 else { return cost }
            settled[current] = true
            let through = cost[current] + entryCost[current]
            for direction in 0..<Action.count {
                let previous = geometry.neighbor(of: current, direction: direction)
                if previous != current, roles[previous] == .open, !settled[previous],
                   cost[previous] < 0 || through < cost[previous] {
                    cost[previous] = through
                }
            }
        }
    }

    /// Whether moving into `next` from a cell whose cost is `here` stays on a cheapest route
    /// (entry costs 1 when `entryCost` is nil, as for ``distances(geometry:roles:)``).
    static func isOnCheapestRoute(to next: Int, distance: [Int], entryCost: [Int]?, here: Int) -> Bool {
        distance[next] >= 0 && distance[next] + (entryCost?[next] ?? 1) == here
    }

    /// An action that moves one step closer to a target along `distance`, chosen uniformly
    /// among the equally short ones; `nil` if `cell` has no finite distance. With
    /// `entryCost`, `distance` holds ``costs(geometry:roles:entryCost:)`` and a move is on a
    /// cheapest route when its entry cost plus the cost from where it lands is the cost here.
    public static func descend(
        geometry: GridGeometry, distance: [Int], entryCost: [Int]? = nil, from cell: Int, rng: inout Xoshiro256
    ) -> Int? {
        let here = distance[cell]
        guard here > 0 else { return nil }
        var choice: Int?
        var ties = 0
        for action in 0..<Action.count {
            let next = geometry.neighbor(of: cell, direction: action)
            if next != cell, isOnCheapestRoute(to: next, distance: distance, entryCost: entryCost, here: here) {
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

    /// The actions ``greedy(geometry:roles:config:gamma:value:from:rng:)`` chooses among,
    /// as a bit mask (bit `a` for action `a`); 0 when every action is worth 0.
    public static func greedyMask(
        geometry: GridGeometry, roles: [Role], config: EnvConfig, gamma: Double, value: [Double], from cell: Int
    ) -> UInt8 {
        var qs = [Double](repeating: 0, count: Action.count)
        for action in 0..<Action.count {
            qs[action] = actionValue(geometry: geometry, roles: roles, config: config, gamma: gamma, value: value, cell: cell, action: action)
        }
        let best = qs.max()!
        guard best > 0 else { return 0 }
        var mask: UInt8 = 0
        for (action, q) in qs.enumerated() where q >= best - 1e-12 { mask |= 1 << action }
        return mask
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
