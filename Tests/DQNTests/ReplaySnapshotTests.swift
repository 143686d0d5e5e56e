import DQN
import Testing

@Suite("replay snapshots")
struct ReplaySnapshotTests {
    func steps(_ n: Int, from first: Int = 0) -> [TrialStep] {
        trialWalk(n, from: first, rows: 5, cols: 4, episodeLength: 7, placement: Tokenizer.placement(rowOffset: 3, colOffset: 2))
    }

    func filled() throws -> ReplayBuffer {
        var replay = ReplayBuffer(capacitySteps: 1_000, maxTrialSteps: 500)
        try replay.append(steps(40), to: .init(incarnation: 7, trialID: 1), firstStep: 0, done: true, behaviour: 4)
        try replay.append(steps(30), to: .init(incarnation: 7, trialID: 2), firstStep: 0, done: false, behaviour: 1)
        try replay.append(steps(12), to: .init(incarnation: 9, trialID: 1), firstStep: 0, done: false, behaviour: 2)
        return replay
    }

    @Test("a snapshot restores every trial, step for step, and open trials still accept their next chunk")
    func roundTrip() throws {
        let replay = try filled()
        var restored = try ReplayBuffer.restore(snapshot: replay.snapshot(), capacitySteps: 1_000, maxTrialSteps: 500)
        #expect(restored.storedSteps == replay.storedSteps)
        #expect(restored.trialCount == 3)
        for (a, b) in zip(replay.trials, restored.trials) {
            #expect(a.key == b.key && a.done == b.done && a.behaviour == b.behaviour && a.steps == b.steps)
        }
        // The chunk that continues an open trial where it stopped before the restart fits.
        try restored.append(steps(5, from: 30), to: .init(incarnation: 7, trialID: 2), firstStep: 30, done: true, behaviour: 1)
        #expect(restored.storedSteps == replay.storedSteps + 5)
        #expect(throws: ReplayBuffer.Refusal.gap) {
            try restored.append(steps(5), to: .init(incarnation: 9, trialID: 1), firstStep: 13, done: false, behaviour: 2)
        }
        // A smaller capacity keeps the newest trials.
        let small = try ReplayBuffer.restore(snapshot: replay.snapshot(), capacitySteps: 50, maxTrialSteps: 500)
        #expect(small.storedSteps <= 50 && small.trials.last?.key == .init(incarnation: 9, trialID: 1))
        let empty = try ReplayBuffer.restore(snapshot: ReplayBuffer(capacitySteps: 10).snapshot(), capacitySteps: 10, maxTrialSteps: 10)
        #expect(empty.storedSteps == 0)
    }

    @Test("corrupt, truncated or foreign bytes are refused whole")
    func corruption() throws {
        let bytes = try filled().snapshot()
        for position in [0, 9, 20, bytes.count / 2, bytes.count - 1] {
            var flipped = bytes
            flipped[position] ^= 0x40
            #expect(throws: ReplayBuffer.SnapshotError.self, "byte \(position)") {
                try ReplayBuffer.restore(snapshot: flipped, capacitySteps: 1_000, maxTrialSteps: 500)
            }
        }
        for length in [0, 5, 16, bytes.count / 3, bytes.count - 1] {
            #expect(throws: ReplayBuffer.SnapshotError.self, "prefix \(length)") {
                try ReplayBuffer.restore(snapshot: Array(bytes.prefix(length)), capacitySteps: 1_000, maxTrialSteps: 500)
            }
        }
        #expect(throws: ReplayBuffer.SnapshotError.self) {
            try ReplayBuffer.restore(snapshot: Array("not a snapshot at all, really".utf8), capacitySteps: 1_000, maxTrialSteps: 500)
        }
        // Valid bytes whose trial is longer than this buffer allows.
        #expect(throws: ReplayBuffer.SnapshotError.self) {
            try ReplayBuffer.restore(snapshot: bytes, capacitySteps: 1_000, maxTrialSteps: 20)
        }
    }
}
