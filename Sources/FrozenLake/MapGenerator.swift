/// Random FrozenLake maps, seeded and reproducible, under one of two rules.
///
/// - ``Rule/paper(rows:cols:startProbability:goalProbability:holeProbability:minimumPath:)``:
///   the distribution of Rentschler & Roberts' notebooks. Each *attempt* draws the height
///   and width independently and uniformly from their ranges, then every cell is a start
///   with probability 0.1, else a goal with 0.1, else a hole with 0.2, else frozen. An
///   attempt is kept only if it has a start and a goal and every start's shortest path to
///   a goal is at least `minimumPath` (4) moves. As in the notebooks the size is redrawn
///   with the cells on each rejected attempt, so kept maps lean towards sizes that pass
///   more often (3×3 rarely does).
/// - ``Rule/gymnasium(size:frozenProbability:)``: Gymnasium's `generate_random_map`:
///   every cell frozen with probability `p` else a hole, `S` top-left, `G` bottom-right,
///   redrawn until a path from `S` to `G` exists. Same rule, different random numbers
///   (NumPy's generator is not reproduced), so the maps are not Gymnasium's maps.
///
/// Every draw also belongs to a ``MapSplit``; see there for why train and evaluation
/// maps can never coincide.
public struct MapGenerator: Sendable, Hashable {
    /// The rule maps are drawn under.
    public enum Rule: Sendable, Hashable {
        case paper(
            rows: ClosedRange<Int>, cols: ClosedRange<Int>,
            startProbability: Double, goalProbability: Double, holeProbability: Double,
            minimumPath: Int)
        case gymnasium(size: Int, frozenProbability: Double)
    }

    public let rule: Rule

    public init(rule: Rule) {
        switch rule {
        case .paper(let rows, let cols, _, _, _, _):
            precondition(rows.lowerBound >= 1 && cols.lowerBound >= 1, "maps need at least one row and column")
        case .gymnasium(let size, let p):
            precondition(size >= 2, "Gymnasium's generator needs size ≥ 2 (S and G are different cells)")
            precondition(p > 0 && p <= 1, "the frozen probability must lie in (0, 1]")
        }
        self.rule = rule
    }

    /// The paper's rule with its probabilities (0.1 / 0.1 / 0.2) and minimum path 4.
    public static func paper(rows: ClosedRange<Int>, cols: ClosedRange<Int>) -> MapGenerator {
        MapGenerator(rule: .paper(
            rows: rows, cols: cols, startProbability: 0.1, goalProbability: 0.1,
            holeProbability: 0.2, minimumPath: 4))
    }

    /// Gymnasium's `generate_random_map(size, p)` rule.
    public static func gymnasium(size: Int, frozenProbability: Double = 0.8) -> MapGenerator {
        MapGenerator(rule: .gymnasium(size: size, frozenProbability: frozenProbability))
    }

    /// True if `map` could have come out of this generator (ignoring the split): right
    /// size, and the rule's reachability and path-length conditions hold.
    public func accepts(_ map: FrozenLakeMap) -> Bool {
        switch rule {
        case .paper(let rows, let cols, _, _, _, let minimumPath):
            guard rows.contains(map.rows), cols.contains(map.cols) else { return false }
            guard let shortest = map.minimumShortestPath else { return false }
            return shortest >= minimumPath
        case .gymnasium(let size, _):
            guard map.rows == size, map.cols == size,
                  map.startObservations == [0], map.goalObservations == [size * size - 1]
            else { return false }
            return map.everyStartReachesGoal
        }
    }

    /// Draws maps until one satisfies the rule, ignoring the split.
    public func sample(using rng: inout Xoshiro256) -> FrozenLakeMap {
        let scratch = RejectionScratch(capacity: maximumCellCount)
        while true {
            if let map = attempt(using: &rng, scratch: scratch) { return map }
        }
    }

    /// Draws maps until one satisfies the rule and belongs to `split`.
    public func sample(split: MapSplit, using rng: inout Xoshiro256) -> FrozenLakeMap {
        let scratch = RejectionScratch(capacity: maximumCellCount)
        while true {
            if let map = attempt(using: &rng, scratch: scratch), MapSplit.of(map) == split { return map }
        }
    }

    /// Map number `index` of `split` for `seed`: a pure function of its arguments, so an
    /// actor can draw "training map 12 345" without drawing the ones before it.
    public func map(index: Int, seed: UInt64, split: MapSplit) -> FrozenLakeMap {
        var rng = streamGenerator(index: index, seed: seed, split: split)
        return sample(split: split, using: &rng)
    }

    /// The first `count` maps of `split` for `seed`.
    ///
    /// With `unique: true` (how evaluation suites are built, as in the paper's
    /// `generate_unique_map`), map `i` keeps drawing from its own stream until it differs
    /// from maps `0..<i`; if a split is too small for that (10 000 duplicate draws in a
    /// row), the duplicate is kept rather than looping forever.
    public func maps(count: Int, seed: UInt64, split: MapSplit, unique: Bool) -> [FrozenLakeMap] {
        var result: [FrozenLakeMap] = []
        result.reserveCapacity(count)
        var seen = Set<FrozenLakeMap>()
        for index in 0..<count {
            var rng = streamGenerator(index: index, seed: seed, split: split)
            var map = sample(split: split, using: &rng)
            var duplicates = 0
            while unique, seen.contains(map), duplicates < 10_000 {
                map = sample(split: split, using: &rng)
                duplicates += 1
            }
            seen.insert(map)
            result.append(map)
        }
        return result
    }

    /// The random stream of one map: seed, rule, split and index all mixed in.
    func streamGenerator(index: Int, seed: UInt64, split: MapSplit) -> Xoshiro256 {
        Xoshiro256(seed: seed, stream: ruleTag, split.rawValue, UInt64(bitPattern: Int64(index)))
    }

    /// A stable number identifying the rule and its parameters, so different suites draw
    /// from unrelated streams even with the same seed.
    var ruleTag: UInt64 {
        let text: String
        switch rule {
        case .paper(let rows, let cols, let ps, let pg, let ph, let minimumPath):
            text = "paper \(rows.lowerBound)-\(rows.upperBound)x\(cols.lowerBound)-\(cols.upperBound) \(ps) \(pg) \(ph) \(minimumPath)"
        case .gymnasium(let size, let p):
            text = "gymnasium \(size) \(p)"
        }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    /// The largest number of cells a map of this rule can have.
    var maximumCellCount: Int {
        switch rule {
        case .paper(let rows, let cols, _, _, _, _): rows.upperBound * cols.upperBound
        case .gymnasium(let size, _): size * size
        }
    }

    /// One attempt under the rule: the kept map, or `nil` if the rule rejects the draw.
    func attempt(using rng: inout Xoshiro256, scratch: RejectionScratch) -> FrozenLakeMap? {
        let rows: Int, cols: Int, minimumPath: Int
        var starts = 0, goals = 0
        let cells = scratch.cells
        switch rule {
        case .paper(let rowRange, let colRange, let ps, let pg, let ph, let minPath):
            rows = rng.nextInt(in: rowRange)
            cols = rng.nextInt(in: colRange)
            minimumPath = minPath
            // One uniform per cell, split at the cumulative probabilities of the paper's
            // sequential draws: P(S) = ps, P(G) = (1-ps)·pg, P(H) = (1-ps)(1-pg)·ph.
            let goalEdge = ps + (1 - ps) * pg
            let holeEdge = goalEdge + (1 - ps) * (1 - pg) * ph
            for i in 0..<(rows * cols) {
                let u = rng.nextDouble()
                if u < ps {
                    cells[i] = .start
                    starts += 1
                } else if u < goalEdge {
                    cells[i] = .goal
                    goals += 1
                } else if u < holeEdge {
                    cells[i] = .hole
                } else {
                    cells[i] = .frozen
                }
            }
        case .gymnasium(let size, let p):
            rows = size
            cols = size
            minimumPath = 1
            for i in 0..<(size * size) {
                cells[i] = rng.nextDouble() < p ? .frozen : .hole
            }
            cells[0] = .start
            cells[size * size - 1] = .goal
            starts = 1
            goals = 1
        }
        guard starts > 0, goals > 0,
              scratch.startsReachGoals(rows: rows, cols: cols, starts: starts, minimumPath: minimumPath)
        else { return nil }
        return try? FrozenLakeMap(rows: rows, cols: cols, cells: Array(cells[0..<(rows * cols)]))
    }
}
