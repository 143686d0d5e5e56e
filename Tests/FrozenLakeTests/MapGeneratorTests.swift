import FrozenLake
import Testing

@Suite("Map generator and suites")
struct MapGeneratorTests {
    @Test("paper suites: every map has starts and goals, every start reaches a goal in ≥ 4 moves", arguments: [MapSuite.inDistribution, .outOfDistribution])
    func paperRules(_ suite: MapSuite) {
        let range = suite == .inDistribution ? 3...5 : 6...7
        for split in MapSplit.allCases {
            for map in suite.generator.maps(count: 500, seed: 1, split: split, unique: false) {
                #expect(range.contains(map.rows) && range.contains(map.cols))
                #expect(!map.startObservations.isEmpty && !map.goalObservations.isEmpty)
                let paths = map.shortestPathLengths
                #expect(paths.allSatisfy { $0 != nil && $0! >= 4 }, "\(map)")
            }
        }
    }

    @Test("Gymnasium suites: S top-left, G bottom-right, a path exists", arguments: [MapSuite.classic4x4, .classic8x8])
    func gymnasiumRules(_ suite: MapSuite) {
        let size = suite == .classic4x4 ? 4 : 8
        for map in suite.maps(count: 300, seed: 2, split: .train) {
            #expect(map.rows == size && map.cols == size)
            #expect(map.startObservations == [0] && map.goalObservations == [size * size - 1])
            #expect(map.everyStartReachesGoal)
            #expect(map.count(of: .start) + map.count(of: .goal) == 2)
        }
    }

    @Test("in-dist cell and size averages match an independent Monte Carlo of the rule")
    func paperDistribution() {
        let ours = ReferenceGenerator.averages(
            MapSuite.inDistribution.generator.maps(count: 3_000, seed: 7, split: .train, unique: false).map(\.referenceGrid))
        var reference = ReferenceGenerator(rng: SplitMix64(seed: 123))
        let theirs = ReferenceGenerator.averages((0..<6_000).map { _ in reference.paperMap(rows: 3...5, cols: 3...5) })
        // Per-map fractions have a standard deviation ≲ 0.1, so the combined standard error
        // of the two means is ≲ 0.0025 and 0.012 is about five of them; rows and columns
        // (sd ≈ 0.8) get ≈ 4 combined standard errors.
        #expect(abs(ours.holes - theirs.holes) < 0.012, "holes \(ours.holes) vs \(theirs.holes)")
        #expect(abs(ours.starts - theirs.starts) < 0.012, "starts \(ours.starts) vs \(theirs.starts)")
        #expect(abs(ours.goals - theirs.goals) < 0.012, "goals \(ours.goals) vs \(theirs.goals)")
        #expect(abs(ours.rows - theirs.rows) < 0.08, "rows \(ours.rows) vs \(theirs.rows)")
        #expect(abs(ours.cols - theirs.cols) < 0.08, "cols \(ours.cols) vs \(theirs.cols)")
        // Rejection changes the raw rates (S 0.1, G 0.09, H 0.162): a second start must
        // also be 4 moves from every goal, so starts are thinned.
        #expect(theirs.starts < 0.1, "starts \(theirs.starts)")
        print("in-dist averages (ours, reference): holes \(ours.holes) \(theirs.holes), starts \(ours.starts) \(theirs.starts), goals \(ours.goals) \(theirs.goals), rows \(ours.rows) \(theirs.rows)")
    }

    @Test("4x4 hole fraction matches an independent Monte Carlo of generate_random_map")
    func gymnasiumDistribution() {
        let ours = ReferenceGenerator.averages(
            MapSuite.classic4x4.generator.maps(count: 4_000, seed: 8, split: .train, unique: false).map(\.referenceGrid))
        var reference = ReferenceGenerator(rng: SplitMix64(seed: 456))
        let theirs = ReferenceGenerator.averages((0..<12_000).map { _ in reference.gymnasiumMap(size: 4, p: 0.8) })
        #expect(abs(ours.holes - theirs.holes) < 0.01, "holes \(ours.holes) vs \(theirs.holes)")
    }

    @Test("the generator rejects maps that break the rule")
    func acceptance() throws {
        let paper = MapGenerator.paper(rows: 3...5, cols: 3...5)
        #expect(paper.accepts(try FrozenLakeMap("SFH,FFF,HFG")))  // path of exactly 4
        #expect(!paper.accepts(try FrozenLakeMap("SFG,FFF,HFF")))  // path of 2: too short
        #expect(!paper.accepts(try FrozenLakeMap("SHF,HFF,FFG")))  // start cut off
        #expect(!paper.accepts(try FrozenLakeMap("SFFFFG")))  // 1 row: wrong size
        #expect(!paper.accepts(try FrozenLakeMap("SFFF,FFFF,FFFF,FFGS")))  // one start fine, the other too close
        let gym = MapGenerator.gymnasium(size: 4)
        #expect(gym.accepts(.gymnasium4x4))
        #expect(!gym.accepts(try FrozenLakeMap("SFFF,FFFF,FFHH,FFHG")))
    }

    @Test("maps are a pure function of (seed, split, index)")
    func determinism() {
        let generator = MapSuite.inDistribution.generator
        let a = generator.maps(count: 50, seed: 11, split: .train, unique: false)
        #expect(a == generator.maps(count: 50, seed: 11, split: .train, unique: false))
        #expect(a != generator.maps(count: 50, seed: 12, split: .train, unique: false))
        #expect(generator.map(index: 37, seed: 11, split: .train) == a[37])
        #expect(MapSuite.inDistribution.maps(count: 20, seed: 3) == MapSuite.inDistribution.maps(count: 20, seed: 3))
        // Pinned: if this changes, every published evaluation set changes with it.
        #expect(MapSuite.inDistribution.maps(count: 1, seed: 0)[0].compactString == "FFFSS,HFFFF,FFHFH,FHFFG")
        // Suites draw from unrelated streams even with one seed.
        #expect(MapSuite.inDistribution.maps(count: 5, seed: 3).map(\.rows) != MapSuite.outOfDistribution.maps(count: 5, seed: 3).map(\.rows))
    }

    @Test("training, validation and evaluation maps never overlap", arguments: MapSuite.allCases)
    func disjointSplits(_ suite: MapSuite) {
        let train = suite.generator.maps(count: 2_000, seed: 0, split: .train, unique: false)
        let evaluation = suite.maps(count: 200, seed: 0, split: .evaluation)
        let validation = suite.maps(count: 200, seed: 0, split: .validation)
        #expect(train.allSatisfy { MapSplit.of($0) == .train })
        #expect(evaluation.allSatisfy { MapSplit.of($0) == .evaluation })
        #expect(validation.allSatisfy { MapSplit.of($0) == .validation })
        #expect(Set(train).isDisjoint(with: Set(evaluation)))
        #expect(Set(train).isDisjoint(with: Set(validation)))
        #expect(Set(validation).isDisjoint(with: Set(evaluation)))
        #expect(Set(evaluation).count == evaluation.count, "evaluation maps are distinct")
        #expect(Set(validation).count == validation.count, "validation maps are distinct")
        // The held-out bucket holds about a tenth of the distinct maps.
        var rng = Xoshiro256(seed: 9)
        let raw = Set((0..<2_000).map { _ in suite.generator.sample(using: &rng) })
        let heldOut = Double(raw.filter { MapSplit.of($0) == .evaluation }.count) / Double(raw.count)
        #expect(heldOut > 0.05 && heldOut < 0.16, "held-out fraction \(heldOut)")
    }
}
