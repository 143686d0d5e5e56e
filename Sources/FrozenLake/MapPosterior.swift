/// What a trial has shown about its map, and exact samples of the maps it could be.
///
/// The prior is a generator's rule at the trial's (known) size: under the paper's rule the
/// cells are independent given the size — start 0.1, else goal 0.1, else hole 0.2, else
/// frozen — and a map is kept only if it has a start and a goal and every start reaches a
/// goal in at least `minimumPath` moves; under Gymnasium's rule `S` is the top-left corner,
/// `G` the bottom-right one, every other cell frozen with probability `p`, and a path must
/// exist. The size redraw of the paper's rule does not matter once the size is known.
///
/// The likelihood of a trial given a map is 0 or 1 for every step (the dynamics, slippery
/// or not, do not depend on the cells except through where episodes end) with one
/// exception: an episode begins on a start cell drawn uniformly, so `E` observed episode
/// starts have likelihood `nS^-E` on a map with `nS` start cells. ``sample(into:rng:maxAttempts:)``
/// draws unknown cells from the prior given the evidence, rejects maps the rule refuses,
/// and accepts the rest with probability `(k / nS)^E` (`k` distinct starts seen, so the
/// ratio is at most 1): rejection sampling from the exact posterior.
public struct MapPosterior {
    /// What the trial has shown about one cell.
    public enum Evidence: UInt8, Sendable {
        /// Never stood on nor ended on.
        case unknown
        /// Stood on (so a start or frozen cell).
        case walkable
        /// An episode began here (so a start cell).
        case start
        case hole
        case goal
    }

    /// The map's shape.
    public let geometry: GridGeometry
    /// The generator rule the map was drawn under.
    public let rule: MapGenerator.Rule
    /// The evidence, one entry per cell.
    public private(set) var evidence: [Evidence]
    /// Episodes whose start cell was observed (the exponent of the start likelihood).
    public private(set) var observedStarts = 0
    /// Distinct start cells seen.
    public private(set) var distinctStarts = 0

    /// Shared by copies, which is safe because no copy leaves the thread that made it.
    private let scratch: RejectionScratch

    public init(geometry: GridGeometry, rule: MapGenerator.Rule) {
        self.geometry = geometry
        self.rule = rule
        evidence = [Evidence](repeating: .unknown, count: geometry.cellCount)
        scratch = RejectionScratch(capacity: geometry.cellCount)
    }

    /// Forgets all evidence (the map may have been swapped).
    public mutating func reset() {
        evidence = [Evidence](repeating: .unknown, count: geometry.cellCount)
        observedStarts = 0
        distinctStarts = 0
    }

    /// Records that an episode began on `cell`. False if the evidence already says otherwise.
    public mutating func observeStart(_ cell: Int) -> Bool {
        switch evidence[cell] {
        case .hole, .goal: return false
        case .start: break
        case .unknown, .walkable:
            evidence[cell] = .start
            distinctStarts += 1
        }
        observedStarts += 1
        return true
    }

    /// Records what `cell` is. False if the evidence already says otherwise.
    public mutating func observe(_ cell: Int, is kind: Evidence) -> Bool {
        let old = evidence[cell]
        switch (old, kind) {
        case (_, .start): return observeStart(cell)
        case (.unknown, _): evidence[cell] = kind
        case (.walkable, .walkable), (.start, .walkable), (.hole, .hole), (.goal, .goal): break
        default: return false
        }
        return true
    }

    /// Records what a transition showed: the cell left is walkable, the cell entered is
    /// walkable, or a hole or goal if the step ended the episode. False on a contradiction.
    public mutating func observe(_ transition: Transition) -> Bool {
        guard observe(transition.observation, is: .walkable) else { return false }
        let entered: Evidence = transition.terminated ? (transition.reward > 0 ? .goal : .hole) : .walkable
        return observe(transition.nextObservation, is: entered)
    }

    /// Draws one map from the posterior into `cells` (row-major, `geometry.cellCount`
    /// entries); false if `maxAttempts` draws were all rejected (the evidence may be one
    /// no map of the rule explains, e.g. a scripted episode that began on a frozen cell).
    public func sample(into cells: inout [Cell], rng: inout Xoshiro256, maxAttempts: Int = 5_000) -> Bool {
        let n = geometry.cellCount
        if cells.count != n { cells = [Cell](repeating: .frozen, count: n) }
        for _ in 0..<maxAttempts {
            var starts = 0
            var goals = 0
            switch rule {
            case .paper(_, _, let ps, let pg, let ph, _):
                let pStart = ps, pGoal = (1 - ps) * pg, pHole = (1 - ps) * (1 - pg) * ph
                let pFrozen = 1 - pStart - pGoal - pHole
                let startGivenWalkable = pStart / (pStart + pFrozen)
                for i in 0..<n {
                    let cell: Cell
                    switch evidence[i] {
                    case .start: cell = .start
                    case .hole: cell = .hole
                    case .goal: cell = .goal
                    case .walkable: cell = rng.nextDouble() < startGivenWalkable ? .start : .frozen
                    case .unknown:
                        let u = rng.nextDouble()
                        cell = u < pStart ? .start : (u < pStart + pGoal ? .goal : (u < pStart + pGoal + pHole ? .hole : .frozen))
                    }
                    if cell == .start { starts += 1 } else if cell == .goal { goals += 1 }
                    cells[i] = cell
                }
            case .gymnasium(_, let p):
                for i in 0..<n {
                    let fixed: Cell? = i == 0 ? .start : (i == n - 1 ? .goal : nil)
                    let cell: Cell
                    switch evidence[i] {
                    case .start: cell = .start
                    case .hole: cell = .hole
                    case .goal: cell = .goal
                    case .walkable: cell = fixed ?? .frozen
                    case .unknown: cell = fixed ?? (rng.nextDouble() < p ? .frozen : .hole)
                    }
                    // Evidence that contradicts the fixed corners leaves no valid map.
                    if let fixed, cell != fixed { return false }
                    if cell == .start { starts += 1 } else if cell == .goal { goals += 1 }
                    cells[i] = cell
                }
                if starts != 1 || goals != 1 { return false }
            }
            guard starts > 0, goals > 0 else { continue }
            for i in 0..<n { scratch.cells[i] = cells[i] }
            guard scratch.startsReachGoals(rows: geometry.rows, cols: geometry.cols, starts: starts, minimumPath: minimumPath)
            else { continue }
            if observedStarts > 0, starts > distinctStarts {
                let ratio = Double(distinctStarts) / Double(starts)
                var accept = 1.0
                for _ in 0..<observedStarts where accept > 1e-12 { accept *= ratio }
                guard rng.nextDouble() < accept else { continue }
            }
            return true
        }
        return false
    }

    /// The rule's shortest allowed path from a start to a goal.
    private var minimumPath: Int {
        switch rule {
        case .paper(_, _, _, _, _, let minimumPath): minimumPath
        case .gymnasium: 1
        }
    }
}
