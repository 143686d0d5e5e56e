import DQN
import FrozenLake
import Testing

@Suite("grid symmetries")
struct GridSymmetryTests {
    /// The map seen through `symmetry`: cell (r, c) of the result is the cell that maps there.
    static func transformed(_ map: FrozenLakeMap, by symmetry: GridSymmetry) throws -> FrozenLakeMap {
        let size = symmetry.size(rows: map.rows, cols: map.cols)
        var cells = [Cell](repeating: .frozen, count: map.cells.count)
        for o in map.cells.indices { cells[symmetry.cell(o, rows: map.rows, cols: map.cols)] = map.cells[o] }
        return try FrozenLakeMap(rows: size.rows, cols: size.cols, cells: cells)
    }

    @Test("each of the eight symmetries commutes with the environment: a moved cell and action land where the moved landing is")
    func dynamics() throws {
        #expect(Set(GridSymmetry.all).count == 8)
        var rng = Xoshiro256(seed: 5)
        let config = EnvConfig(slippery: false, maxSteps: 100)
        for _ in 0..<20 {
            let map = MapSuite.inDistribution.generator.sample(split: .train, using: &rng)
            for symmetry in GridSymmetry.all {
                let image = try Self.transformed(map, by: symmetry)
                var cellsSeen = Set<Int>()
                for o in map.cells.indices {
                    let moved = symmetry.cell(o, rows: map.rows, cols: map.cols)
                    cellsSeen.insert(moved)
                    #expect(image.cells[moved] == map.cells[o])
                    for a in 0..<4 {
                        let before = try #require(map.transitions(from: o, action: a, config: config).first)
                        let after = try #require(image.transitions(from: moved, action: symmetry.action(a), config: config).first)
                        #expect(after.nextObservation == symmetry.cell(before.nextObservation, rows: map.rows, cols: map.cols))
                        #expect(after.reward == before.reward && after.terminated == before.terminated)
                    }
                }
                #expect(cellsSeen.count == map.cells.count, "a permutation of the cells")
            }
        }
    }

    @Test("augmented windows keep the replay's invariants, one placement per map, and the teacher's labels move with the actions")
    func augmentedWindows() throws {
        let tokenizer = Tokenizer(config: TokenizerConfig())
        let invariants = TrialInvariants(canvas: tokenizer.config.canvas)
        var rng = Xoshiro256(seed: 9)
        var moved = 0
        for seed in UInt64(1)...12 {
            let (trial, _) = try TeacherLabelsTests.randomTrial(steps: 300, unknownStepCost: 3, seed: seed)
            let start = Int(seed) * 7 % 40, count = 200
            let previous = start > 0 ? trial[start - 1] : nil
            let original = TeacherLabelsTests.labels(trial[start..<(start + count)], previous: previous, unknownStepCost: 3)
            var window = Array(trial[start..<(start + count)])
            var augmentedPrevious = previous
            window.withUnsafeMutableBufferPointer {
                GridSymmetry.augment($0, previous: &augmentedPrevious, tokenizer: tokenizer, using: &rng)
            }
            try invariants.check(window, after: augmentedPrevious)
            #expect(Set(window.map(\.placement)).count == 1)
            #expect(zip(window, trial[start...]).allSatisfy { $0.reward == $1.reward && $0.flags == $1.flags })
            let symmetry = try #require(GridSymmetry.all.first { s in
                zip(window, trial[start...]).allSatisfy { Int($0.action) == s.action(Int($1.action)) &&
                    Int($0.observation) == s.cell(Int($1.observation), rows: Int($1.rows), cols: Int($1.cols)) }
            })
            if symmetry != .identity { moved += 1 }
            let labels = TeacherLabelsTests.labels(window[...], previous: augmentedPrevious, unknownStepCost: 3)
            for (label, before) in zip(labels, original) {
                var expected: UInt8 = 0
                for a in 0..<4 where before & (1 << a) != 0 { expected |= 1 << symmetry.action(a) }
                #expect(label == expected)
            }
        }
        #expect(moved >= 8, "random symmetries, not the identity")
    }
}
