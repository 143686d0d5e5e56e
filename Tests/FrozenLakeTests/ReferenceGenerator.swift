import FrozenLake

/// An independent re-implementation of the paper's and Gymnasium's map rules, written
/// the way the notebooks state them (a start with p 0.1, else a goal with 0.1, else a
/// hole with 0.2, as separate draws; its own BFS that stops at the first goal met; a
/// different random generator), so the distribution tests compare two implementations
/// rather than the library with itself.
struct ReferenceGenerator {
    /// A map as ASCII letters, row-major.
    struct Grid {
        var rows: Int
        var cols: Int
        var letters: [UInt8]
    }

    /// Per-cell fractions averaged over maps, plus mean height and width.
    struct Averages {
        var holes = 0.0, starts = 0.0, goals = 0.0, rows = 0.0, cols = 0.0
    }

    static let start = UInt8(ascii: "S"), goal = UInt8(ascii: "G"), hole = UInt8(ascii: "H"), frozen = UInt8(ascii: "F")

    var rng: SplitMix64

    mutating func uniform() -> Double { Double(rng.next() >> 11) * 0x1.0p-53 }

    /// One accepted map of the paper's rule (size redrawn on every attempt, as in the notebooks).
    mutating func paperMap(rows rowRange: ClosedRange<Int>, cols colRange: ClosedRange<Int>) -> Grid {
        while true {
            let rows = rowRange.lowerBound + Int(rng.next() % UInt64(rowRange.count))
            let cols = colRange.lowerBound + Int(rng.next() % UInt64(colRange.count))
            var letters = [UInt8](repeating: Self.frozen, count: rows * cols)
            for i in letters.indices {
                if uniform() < 0.1 {
                    letters[i] = Self.start
                } else if uniform() < 0.1 {
                    letters[i] = Self.goal
                } else if uniform() < 0.2 {
                    letters[i] = Self.hole
                }
            }
            let grid = Grid(rows: rows, cols: cols, letters: letters)
            if Self.valid(grid, minimumHops: 4) { return grid }
        }
    }

    /// One accepted map of Gymnasium's `generate_random_map(size, p)` rule.
    mutating func gymnasiumMap(size: Int, p: Double) -> Grid {
        while true {
            var letters = [UInt8](repeating: Self.frozen, count: size * size)
            for i in letters.indices where !(uniform() < p) { letters[i] = Self.hole }
            letters[0] = Self.start
            letters[size * size - 1] = Self.goal
            let grid = Grid(rows: size, cols: size, letters: letters)
            if Self.valid(grid, minimumHops: 1) { return grid }
        }
    }

    /// The notebooks' test: a start exists, and from every start a BFS meets a goal
    /// whose distance is at least `minimumHops`.
    static func valid(_ grid: Grid, minimumHops: Int) -> Bool {
        var sawStart = false
        for i in grid.letters.indices where grid.letters[i] == start {
            sawStart = true
            guard let hops = hopsToGoal(grid, from: i), hops >= minimumHops else { return false }
        }
        return sawStart
    }

    static func hopsToGoal(_ grid: Grid, from start: Int) -> Int? {
        var hops = [Int](repeating: -1, count: grid.letters.count)
        hops[start] = 0
        var frontier = [start]
        var head = 0
        while head < frontier.count {
            let i = frontier[head]
            head += 1
            let r = i / grid.cols, c = i % grid.cols
            for (dr, dc) in [(1, 0), (0, 1), (-1, 0), (0, -1)] {
                let nr = r + dr, nc = c + dc
                guard nr >= 0, nr < grid.rows, nc >= 0, nc < grid.cols else { continue }
                let n = nr * grid.cols + nc
                if grid.letters[n] == goal { return hops[i] + 1 }
                if grid.letters[n] != hole, hops[n] < 0 {
                    hops[n] = hops[i] + 1
                    frontier.append(n)
                }
            }
        }
        return nil
    }

    static func averages(_ grids: [Grid]) -> Averages {
        var a = Averages()
        for g in grids {
            let cells = Double(g.letters.count)
            var h = 0, s = 0, gl = 0
            for letter in g.letters {
                if letter == hole { h += 1 } else if letter == start { s += 1 } else if letter == goal { gl += 1 }
            }
            a.holes += Double(h) / cells
            a.starts += Double(s) / cells
            a.goals += Double(gl) / cells
            a.rows += Double(g.rows)
            a.cols += Double(g.cols)
        }
        let n = Double(grids.count)
        return Averages(holes: a.holes / n, starts: a.starts / n, goals: a.goals / n, rows: a.rows / n, cols: a.cols / n)
    }
}

extension FrozenLakeMap {
    /// The map as a reference grid of ASCII letters.
    var referenceGrid: ReferenceGenerator.Grid {
        ReferenceGenerator.Grid(rows: rows, cols: cols, letters: cells.map(\.rawValue))
    }
}
