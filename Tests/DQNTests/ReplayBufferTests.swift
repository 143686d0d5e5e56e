import DQN
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

    @Test("the continuation of a trial evicted while open is refused as evicted, not as a gap")
    func evictedOpenTrial() throws {
        var replay = ReplayBuffer(capacitySteps: 30)
        let long = ReplayBuffer.TrialKey(incarnation: 1, trialID: 0)
        try replay.append(steps(10), to: long, firstStep: 0, done: false, behaviour: 1)
        for i in 1...3 {
            try replay.append(steps(10), to: .init(incarnation: 2, trialID: UInt64(i)), firstStep: 0, done: true, behaviour: 1)
        }
        #expect(replay.evictedTrials == 1)
        #expect(throws: ReplayBuffer.Refusal.evicted) { try replay.append(steps(5, from: 10), to: long, firstStep: 10, done: false, behaviour: 1) }
        #expect(throws: ReplayBuffer.Refusal.gap, "a trial never seen is a gap") {
            try replay.append(steps(5, from: 10), to: .init(incarnation: 3, trialID: 0), firstStep: 10, done: false, behaviour: 1)
        }
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

    @Test("balanced sampling gives each acting policy an equal share, whatever it holds; counts follow drops and evictions")
    func behaviourBalance() throws {
        var replay = ReplayBuffer(capacitySteps: 2_000)
        // Behaviour 1 holds three times the steps of behaviour 2, in trials of two lengths.
        for i in 0..<6 {
            try replay.append(steps(i.isMultiple(of: 2) ? 100 : 200), to: .init(incarnation: 1, trialID: UInt64(i)),
                              firstStep: 0, done: true, behaviour: 1)
        }
        try replay.append(steps(150), to: .init(incarnation: 1, trialID: 10), firstStep: 0, done: true, behaviour: 2)
        try replay.append(steps(150), to: .init(incarnation: 1, trialID: 11), firstStep: 0, done: true, behaviour: 2)
        #expect(replay.stepsByBehaviour == [1: 900, 2: 300])
        var rng = SystemRandomNumberGenerator()
        for balanced in [false, true] {
            var second = 0, long = 0, first = 0
            for _ in 0..<12_000 {
                let w = try #require(replay.sampleWindow(length: 64, balancingBehaviours: balanced, using: &rng))
                let trial = replay.trials[w.trial]
                if trial.behaviour == 2 { second += 1 } else {
                    first += 1
                    if trial.steps.count == 200 { long += 1 }
                }
            }
            #expect(abs(Double(second) / 12_000 - (balanced ? 0.5 : 0.25)) < 0.03, "balanced \(balanced): \(second)")
            // Within a behaviour, trials still go in proportion to their length.
            #expect(abs(Double(long) / Double(first) - 2.0 / 3) < 0.04)
        }
        // A dropped open trial and evicted ones leave the counts.
        try replay.append(steps(50), to: .init(incarnation: 2, trialID: 1), firstStep: 0, done: false, behaviour: 3)
        #expect(replay.stepsByBehaviour[3] == 50)
        replay.drop(.init(incarnation: 2, trialID: 1))
        #expect(replay.stepsByBehaviour[3] == nil)
        try replay.append(steps(1_000), to: .init(incarnation: 3, trialID: 1), firstStep: 0, done: true, behaviour: 2)
        #expect(replay.stepsByBehaviour.values.reduce(0, +) == replay.storedSteps)
        #expect(replay.stepsByBehaviour[1] == replay.trials.filter { $0.behaviour == 1 }.map(\.steps.count).reduce(0, +))
    }
}
