import DQN
import FrozenLake
import Testing

@Suite("teacher labels")
struct TeacherLabelsTests {
    /// A trial of random moves on one in-distribution map, and the oracle's own choice at
    /// each step when it has seen the whole trial so far.
    static func randomTrial(steps count: Int, unknownStepCost: Int = 0, seed: UInt64 = 12,
                            config: EnvConfig = EnvConfig(maxSteps: 12)) throws -> (steps: [TrialStep], chosen: [Int]) {
        var rng = Xoshiro256(seed: seed)
        let map = MapSuite.inDistribution.generator.sample(split: .train, using: &rng)
        var env = FrozenLakeEnv(map: map, config: config, rng: Xoshiro256(seed: 3))
        var oracle = OracleAgent(unknownStepCost: unknownStepCost)
        oracle.beginTrial(TrialInfo(geometry: map.geometry, config: config))
        var steps: [TrialStep] = [], chosen: [Int] = []
        var observation = env.reset(), episodeStart = true
        for i in 0..<count {
            var probe = oracle
            chosen.append(probe.act(observation: observation, rng: &rng))
            let action = rng.nextInt(below: 4)
            let result = try env.step(action)
            oracle.observe(Transition(observation: observation, action: action, result: result))
            var flags: UInt8 = (episodeStart ? TrialStep.episodeStartBit : 0) | (i == 0 ? TrialStep.mapStartBit : 0)
            if result.terminated { flags |= TrialStep.terminatedBit }
            if result.truncated { flags |= TrialStep.truncatedBit }
            steps.append(TrialStep(
                observation: UInt16(observation), nextObservation: UInt16(result.observation), action: UInt8(action),
                reward: result.reward > 0 ? 1 : 0, flags: flags, rows: UInt8(map.rows), cols: UInt8(map.cols)))
            episodeStart = result.isDone
            if result.isDone { oracle.endEpisode() }
            observation = result.isDone ? env.reset() : result.observation
        }
        return (steps, chosen)
    }

    static func labels(_ steps: ArraySlice<TrialStep>, previous: TrialStep?, unknownStepCost: Int = 0,
                       dynamics: EnvConfig = .paper) -> [UInt8] {
        var out = [UInt8](repeating: 0xFF, count: steps.count)
        Array(steps).withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer {
                TeacherLabels.label($0.baseAddress!, window: w, previous: previous, unknownStepCost: unknownStepCost, dynamics: dynamics)
            }
        }
        return out
    }

    @Test("from a trial's start, the labels hold every action the oracle could choose there")
    func fromTheStart() throws {
        let (steps, chosen) = try Self.randomTrial(steps: 300)
        let labels = Self.labels(steps[...], previous: nil)
        for (label, action) in zip(labels, chosen) where label != 0 { #expect(label & (1 << action) != 0) }
        #expect(labels.filter { $0 != 0 }.count > 250, "most steps get a label")
    }

    @Test("on slippery ice the labels are the slippery oracle's greedy actions, and differ from the non-slippery ones")
    func slippery() throws {
        var differing = 0
        for seed in UInt64(1)...10 {
            let config = EnvConfig(slippery: true, maxSteps: 30)
            let (steps, chosen) = try Self.randomTrial(steps: 200, unknownStepCost: 3, seed: seed, config: config)
            let labels = Self.labels(steps[...], previous: nil, unknownStepCost: 3, dynamics: config)
            for (label, action) in zip(labels, chosen) where label != 0 { #expect(label & (1 << action) != 0) }
            #expect(labels.filter { $0 != 0 }.count > 150, "most steps get a label")
            if labels != Self.labels(steps[...], previous: nil, unknownStepCost: 3) { differing += 1 }
        }
        #expect(differing >= 5, "planning with slips changes the labels")
    }

    @Test("the cautious teacher's labels hold every action the cautious oracle could choose, and differ from the belief-greedy ones")
    func cautiousTeacher() throws {
        var differing = 0
        for seed in UInt64(1)...20 {
            let (steps, chosen) = try Self.randomTrial(steps: 300, unknownStepCost: 3, seed: seed)
            let labels = Self.labels(steps[...], previous: nil, unknownStepCost: 3)
            for (label, action) in zip(labels, chosen) where label != 0 { #expect(label & (1 << action) != 0) }
            if labels != Self.labels(steps[...], previous: nil) { differing += 1 }
        }
        // On small maps a random walk soon stands on most cells; caution matters only while
        // a known goal has a shortcut through unknown ones.
        #expect(differing > 0, "caution changes some labels in some of 20 trials")
    }

    @Test("a window mid-trial is labelled from what it shows alone: the same steps, the same labels, wherever the trial began")
    func windowLocal() throws {
        let (steps, _) = try Self.randomTrial(steps: 300)
        let window = steps[120..<200]
        let labels = Self.labels(window, previous: steps[119])
        // A trial that is exactly this window (rebased to open with a map start) knows the
        // same: its labels may differ only by what the step before the window revealed.
        #expect(labels.count == 80 && labels.allSatisfy { $0 <= 0b1111 })
        let whole = Self.labels(steps[...], previous: nil)
        #expect(labels != Array(whole[120..<200]), "the whole trial knows more than the window")
        // Deterministic: the same window gives the same labels.
        #expect(labels == Self.labels(window, previous: steps[119]))
    }
}
