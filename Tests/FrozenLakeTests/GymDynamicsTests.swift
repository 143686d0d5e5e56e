import FrozenLake
import Testing

/// Pins our dynamics to transition tables and sampled episodes exported from Gymnasium.
@Suite("Dynamics match Gymnasium FrozenLake-v1")
struct GymDynamicsTests {
    @Test("fixtures are present and cover rectangular, slippery and custom success rates")
    func fixtureCoverage() {
        let fixtures = GymFixture.all
        #expect(fixtures.count >= 12)
        #expect(fixtures.contains { $0.map.count != $0.map[0].count })
        #expect(fixtures.contains { $0.is_slippery })
        #expect(fixtures.contains { !$0.is_slippery })
        #expect(fixtures.contains { $0.is_slippery && $0.success_rate != 1.0 / 3.0 })
        #expect(fixtures.contains { $0.map == FrozenLakeMap.gymnasium8x8.rowStrings })
        #expect(fixtures.contains { $0.map == FrozenLakeMap.gymnasium4x4.rowStrings })
        let steps = fixtures.flatMap { $0.episodes.flatMap(\.steps) }
        #expect(steps.contains { $0.truncated && !$0.terminated })
        #expect(steps.contains { $0.terminated && $0.r == 1 })
        #expect(steps.contains { $0.terminated && $0.r == 0 })
    }

    @Test("transition table P[s][a] is identical, entry by entry", arguments: GymFixture.all)
    func transitionTable(_ fixture: GymFixture) throws {
        let map = try FrozenLakeMap(rowStrings: fixture.map)
        #expect(fixture.P.count == map.cellCount)
        for s in 0..<map.cellCount {
            for a in 0..<Action.count {
                let ours = map.transitions(from: s, action: a, config: fixture.config())
                let theirs = fixture.P[s][a]
                #expect(ours.count == theirs.count, "P[\(s)][\(a)] length")
                for (o, t) in zip(ours, theirs) {
                    #expect(o.probability == t.probability && o.nextObservation == t.next
                        && o.reward == t.reward && o.terminated == t.terminated,
                        "P[\(s)][\(a)]: ours \(o), Gymnasium \(t)")
                }
            }
        }
    }

    @Test("start distribution is uniform over S cells", arguments: GymFixture.all)
    func startDistribution(_ fixture: GymFixture) throws {
        let map = try FrozenLakeMap(rowStrings: fixture.map)
        let starts = Set(map.startObservations)
        for (s, p) in fixture.initial_state_distrib.enumerated() {
            #expect(starts.contains(s) == (p > 0))
            if p > 0 { #expect(p == 1.0 / Double(starts.count)) }
        }
    }

    @Test("sampled episodes replay exactly with Gymnasium's uniforms", arguments: GymFixture.all)
    func sampledEpisodes(_ fixture: GymFixture) throws {
        let map = try FrozenLakeMap(rowStrings: fixture.map)
        #expect(!fixture.episodes.isEmpty)
        for episode in fixture.episodes {
            var env = FrozenLakeEnv(map: map, config: fixture.config(maxSteps: episode.max_steps))
            #expect(env.reset(uniform: episode.reset_uniform) == episode.start)
            for step in episode.steps {
                let result = try env.step(step.a, uniform: step.u)
                #expect(result == StepResult(observation: step.s2, reward: step.r, terminated: step.terminated, truncated: step.truncated),
                        "seed \(episode.seed)")
            }
            #expect(env.isDone)
        }
    }

    @Test("empirical slip frequencies follow P (our own random stream)")
    func empiricalSlipFrequencies() throws {
        let map = FrozenLakeMap.gymnasium4x4
        let config = EnvConfig(slippery: true, successRate: 0.6)
        var env = FrozenLakeEnv(map: map, config: config, seed: 99)
        // Cell 6 (row 1, col 2): DOWN may slip LEFT into the hole at 5 or RIGHT to 7 (a hole too).
        let cell = 6
        let draws = 60_000
        var counts: [Int: Int] = [:]
        for _ in 0..<draws {
            try env.reset(startingAt: cell)
            counts[try env.step(Action.down.rawValue).observation, default: 0] += 1
        }
        var expected: [Int: Double] = [:]
        for outcome in map.transitions(from: cell, action: Action.down.rawValue, config: config) {
            expected[outcome.nextObservation, default: 0] += outcome.probability
        }
        #expect(Set(counts.keys) == Set(expected.keys))
        for (next, p) in expected {
            let frequency = Double(counts[next, default: 0]) / Double(draws)
            // 5 standard errors of a binomial proportion.
            #expect(abs(frequency - p) < 5 * (p * (1 - p) / Double(draws)).squareRoot() + 1e-9, "cell \(next)")
        }
    }
}
