import DQN
import FrozenLake
import Testing

@Suite("replay of trials")
struct ReplayBufferTests {
    func steps(_ n: Int, from first: Int = 0) -> [TrialStep] { trialWalk(n, from: first) }

    @Test("chunks assemble into trials; a gap drops the partial trial and is reported")
    func assembly() throws {
        var replay = ReplayBuffer(capacitySteps: 1_000)
        let a = ReplayBuffer.TrialKey(incarnation: 1, trialID: 1)
        try replay.append(steps(10), to: a, firstStep: 0, done: false, behaviour: 1)
        try replay.append(steps(5, from: 10), to: a, firstStep: 10, done: true, behaviour: 1)
        #expect(replay.storedSteps == 15)
        #expect(replay.completedTrials == 1)
        #expect(throws: ReplayBuffer.Refusal.gap, "steps after the end") { try replay.append(steps(1), to: a, firstStep: 15, done: false, behaviour: 1) }

        let b = ReplayBuffer.TrialKey(incarnation: 1, trialID: 2)
        try replay.append(steps(10), to: b, firstStep: 0, done: false, behaviour: 1)
        #expect(throws: ReplayBuffer.Refusal.gap) { try replay.append(steps(5), to: b, firstStep: 12, done: false, behaviour: 1) }
        #expect(replay.storedSteps == 15, "the partial trial's steps are gone")
        let c = ReplayBuffer.TrialKey(incarnation: 2, trialID: 1)
        #expect(throws: ReplayBuffer.Refusal.gap) { try replay.append(steps(5), to: c, firstStep: 3, done: false, behaviour: 1) }
    }

    @Test("capacity evicts the oldest trials first")
    func eviction() throws {
        var replay = ReplayBuffer(capacitySteps: 100)
        for i in 0..<30 {
            try replay.append(steps(10), to: .init(incarnation: 1, trialID: UInt64(i)), firstStep: 0, done: true, behaviour: 1)
            #expect(replay.storedSteps <= 100)
        }
        #expect(replay.trials.first?.key.trialID == 20)
        #expect(replay.evictedTrials == 20)
    }

    @Test("windows cover steps uniformly: long trials are picked in proportion to their length")
    func sampling() throws {
        var replay = ReplayBuffer(capacitySteps: 10_000)
        try replay.append(steps(300), to: .init(incarnation: 1, trialID: 1), firstStep: 0, done: true, behaviour: 1)
        try replay.append(steps(100), to: .init(incarnation: 1, trialID: 2), firstStep: 0, done: true, behaviour: 1)
        var rng = SystemRandomNumberGenerator()
        var picks = [0, 0]
        for _ in 0..<8_000 {
            let w = try #require(replay.sampleWindow(length: 64, using: &rng))
            picks[w.trial] += 1
            #expect(w.count == 64 && w.start >= 0 && w.start + w.count <= replay.trials[w.trial].steps.count)
        }
        let share = Double(picks[0]) / 8_000
        #expect(abs(share - 0.75) < 0.03)
    }

    @Test("trialStartFraction puts that share of windows at their trial's first step")
    func trialStarts() throws {
        var replay = ReplayBuffer(capacitySteps: 10_000)
        try replay.append(steps(400), to: .init(incarnation: 1, trialID: 1), firstStep: 0, done: true, behaviour: 1)
        var rng = SystemRandomNumberGenerator()
        for fraction in [0.0, 0.25] {
            var atStart = 0
            for _ in 0..<4_000 {
                let w = try #require(replay.sampleWindow(length: 256, trialStartFraction: fraction, using: &rng))
                if w.start == 0 { atStart += 1 }
            }
            // Uniform starts alone: 1 in 145.
            let expected = fraction + (1 - fraction) / 145
            #expect(abs(Double(atStart) / 4_000 - expected) < 0.03, "fraction \(fraction): \(atStart)")
        }
    }

    @Test("teacher labels: the oracle's own choices are in them, chunking and snapshots do not change them")
    func teacherLabels() throws {
        // A trial of random moves on one in-distribution map: the oracle is told nothing
        // but what the steps show, so its labels must not depend on how the trial arrives.
        var rng = Xoshiro256(seed: 12)
        let map = MapSuite.inDistribution.generator.sample(split: .train, using: &rng)
        var env = FrozenLakeEnv(map: map, config: EnvConfig(maxSteps: 12), rng: Xoshiro256(seed: 3))
        var oracle = OracleAgent()
        oracle.beginTrial(TrialInfo(geometry: map.geometry, config: EnvConfig(maxSteps: 12)))
        var steps: [TrialStep] = [], chosen: [Int] = []
        var observation = env.reset(), episodeStart = true
        for i in 0..<300 {
            var probe = oracle
            chosen.append(probe.act(observation: observation, rng: &rng))
            let action = rng.nextInt(below: 4)
            let result = try env.step(action)
            oracle.observe(Transition(observation: observation, action: action, reward: result.reward, nextObservation: result.observation,
                                      terminated: result.terminated, truncated: result.truncated))
            var flags: UInt8 = (episodeStart ? TrialStep.episodeStartBit : 0) | (i == 0 ? TrialStep.mapStartBit : 0)
            if result.terminated { flags |= TrialStep.terminatedBit }
            if result.truncated { flags |= TrialStep.truncatedBit }
            steps.append(TrialStep(observation: UInt16(observation), nextObservation: UInt16(result.observation), action: UInt8(action),
                                   reward: result.reward > 0 ? 1 : 0, flags: flags, rows: UInt8(map.rows), cols: UInt8(map.cols)))
            episodeStart = result.isDone
            observation = result.isDone ? env.reset() : result.observation
            if result.isDone { oracle.endEpisode() }
        }
        let key = ReplayBuffer.TrialKey(incarnation: 1, trialID: 1)
        var whole = ReplayBuffer(capacitySteps: 10_000, teacherLabels: true)
        try whole.append(steps, to: key, firstStep: 0, done: true, behaviour: 1)
        let labels = whole.trials[0].steps.map(\.teacherActions)
        for (label, action) in zip(labels, chosen) where label != 0 { #expect(label & (1 << action) != 0) }
        #expect(labels.filter { $0 != 0 }.count > 250, "most steps get a label")
        var chunked = ReplayBuffer(capacitySteps: 10_000, teacherLabels: true)
        for start in stride(from: 0, to: 300, by: 37) {
            let end = min(start + 37, 300)
            try chunked.append(Array(steps[start..<end]), to: key, firstStep: start, done: end == 300, behaviour: 1)
        }
        #expect(chunked.trials[0].steps.map(\.teacherActions) == labels)
        // An open trial restored from a snapshot continues with the same labels.
        var open = ReplayBuffer(capacitySteps: 10_000, teacherLabels: true)
        try open.append(Array(steps[..<150]), to: key, firstStep: 0, done: false, behaviour: 1)
        var restored = try ReplayBuffer.restore(snapshot: open.snapshot(), capacitySteps: 10_000, maxTrialSteps: 8_192, teacherLabels: true)
        try restored.append(Array(steps[150...]), to: key, firstStep: 150, done: true, behaviour: 1)
        #expect(restored.trials[0].steps.map(\.teacherActions) == labels)
        // Without labelling, the high nibble stays clear.
        var plain = ReplayBuffer(capacitySteps: 10_000)
        try plain.append(steps, to: key, firstStep: 0, done: true, behaviour: 1)
        #expect(plain.trials[0].steps.allSatisfy { $0.teacherActions == 0 })
    }
}
