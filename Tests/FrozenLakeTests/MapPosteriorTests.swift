import FrozenLake
import Testing

@Suite("Posterior over maps")
struct MapPosteriorTests {
    /// Evidence of a 3×3 trial: started on 0, walked 0 → 1, fell into 2.
    static func evidence(_ posterior: inout MapPosterior) {
        do { let ok = posterior.observeStart(0); #expect(ok) }
        do { let ok = posterior.observe(Transition(observation: 0, action: 2, reward: 0, nextObservation: 1, terminated: false, truncated: false)); #expect(ok) }
        do { let ok = posterior.observe(Transition(observation: 1, action: 2, reward: 0, nextObservation: 2, terminated: true, truncated: false)); #expect(ok) }
    }

    @Test("samples agree with the evidence and pass the generator's rule")
    func samplesAreConsistent() {
        let generator = MapGenerator.paper(rows: 3...3, cols: 3...3)
        var posterior = MapPosterior(geometry: GridGeometry(rows: 3, cols: 3), rule: generator.rule)
        Self.evidence(&posterior)
        var rng = Xoshiro256(seed: 5)
        var cells: [Cell] = []
        for _ in 0..<500 {
            do { let ok = posterior.sample(into: &cells, rng: &rng); #expect(ok) }
            #expect(cells[0] == .start && cells[1].isWalkable && cells[2] == .hole)
            let map = try! FrozenLakeMap(rows: 3, cols: 3, cells: cells)
            #expect(generator.accepts(map), "\(map)")
        }
    }

    /// The marginals of the posterior against brute force: maps drawn from the generator
    /// itself, kept when they explain the evidence, weighted by the start likelihood 1/nS.
    @Test("marginals match brute-force rejection from the generator")
    func marginalsMatchBruteForce() {
        let generator = MapGenerator.paper(rows: 3...3, cols: 3...3)
        var posterior = MapPosterior(geometry: GridGeometry(rows: 3, cols: 3), rule: generator.rule)
        Self.evidence(&posterior)
        var rng = Xoshiro256(seed: 11)
        var reference = [Double](repeating: 0, count: 9), total = 0.0
        for _ in 0..<300_000 {
            let map = generator.sample(using: &rng)
            guard map.cells[0] == .start, map.cells[1].isWalkable, map.cells[2] == .hole else { continue }
            let weight = 1.0 / Double(map.count(of: .start))
            total += weight
            for i in 0..<9 where map.cells[i] == .goal { reference[i] += weight }
        }
        var sampled = [Double](repeating: 0, count: 9)
        var cells: [Cell] = []
        let draws = 20_000
        for _ in 0..<draws {
            _ = posterior.sample(into: &cells, rng: &rng)
            for i in 0..<9 where cells[i] == .goal { sampled[i] += 1 }
        }
        for i in 0..<9 {
            let p = reference[i] / total, q = sampled[i] / Double(draws)
            #expect(abs(p - q) < 0.02, "P(goal at \(i)): brute force \(p), posterior \(q)")
        }
        #expect(total > 2_000, "too few brute-force maps explain the evidence: \(total)")
    }

    @Test("many episodes from one start make extra starts unlikely")
    func startLikelihood() {
        var posterior = MapPosterior(geometry: GridGeometry(rows: 4, cols: 4), rule: MapGenerator.paper(rows: 4...4, cols: 4...4).rule)
        var rng = Xoshiro256(seed: 2)
        var cells: [Cell] = []
        func meanStarts() -> Double {
            var sum = 0
            for _ in 0..<2_000 {
                _ = posterior.sample(into: &cells, rng: &rng)
                sum += cells.filter { $0 == .start }.count
            }
            return Double(sum) / 2_000
        }
        do { let ok = posterior.observeStart(0); #expect(ok) }
        let afterOne = meanStarts()
        for _ in 0..<20 { let ok = posterior.observeStart(0); #expect(ok) }
        let afterMany = meanStarts()
        #expect(afterOne > 1.2, "\(afterOne)")
        #expect(afterMany < 1.01, "\(afterMany)")
    }

    @Test("contradictions are reported, and Gymnasium's corners are fixed")
    func contradictionsAndCorners() {
        var posterior = MapPosterior(geometry: GridGeometry(rows: 4, cols: 4), rule: MapGenerator.gymnasium(size: 4).rule)
        do { let ok = posterior.observe(5, is: .hole); #expect(ok) }
        do { let ok = posterior.observe(5, is: .walkable); #expect(!ok) }
        do { let ok = posterior.observe(5, is: .goal); #expect(!ok) }
        var rng = Xoshiro256(seed: 3)
        var cells: [Cell] = []
        for _ in 0..<200 {
            do { let ok = posterior.sample(into: &cells, rng: &rng); #expect(ok) }
            #expect(cells[0] == .start && cells[15] == .goal && cells[5] == .hole)
            #expect(cells.filter { $0 == .start }.count == 1 && cells.filter { $0 == .goal }.count == 1)
        }
        // A goal anywhere but the corner is no map of Gymnasium's rule.
        do { let ok = posterior.observe(6, is: .goal); #expect(ok) }
        do { let ok = posterior.sample(into: &cells, rng: &rng, maxAttempts: 50); #expect(!ok) }
    }
}
