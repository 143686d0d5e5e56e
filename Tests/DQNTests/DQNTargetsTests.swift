import DQN
import Testing

@Suite("double-DQN targets")
struct DQNTargetsTests {
    /// Two episodes: RIGHT, RIGHT into a hole; then RIGHT onto the goal.
    static let window: [TrialStep] = [
        TrialStep(observation: 0, nextObservation: 1, action: 2, reward: 0, flags: TrialStep.episodeStartBit, rows: 2, cols: 3),
        TrialStep(observation: 1, nextObservation: 2, action: 2, reward: 0, flags: TrialStep.terminatedBit, rows: 2, cols: 3),
        TrialStep(observation: 0, nextObservation: 3, action: 1, reward: 0, flags: TrialStep.episodeStartBit, rows: 2, cols: 3),
        TrialStep(observation: 3, nextObservation: 4, action: 2, reward: 1, flags: TrialStep.terminatedBit, rows: 2, cols: 3),
    ]
    // Online picks action 3 at token 1, action 0 at token 2, action 1 at token 3; target values differ.
    static let qOnline: [Float] = [0, 0, 0, 0,  1, 2, 3, 9,  7, 1, 1, 1,  0, 5, 0, 0]
    static let qTarget: [Float] = [0, 0, 0, 0,  10, 20, 30, 40,  50, 60, 70, 80,  1, 2, 3, 4]

    func run(_ targets: DQNTargets, endsTrial: Bool) -> (targets: [Float], mask: [Float]) {
        var out = [Float](repeating: -1, count: 4), mask = [Float](repeating: -1, count: 4)
        Self.window.withUnsafeBufferPointer { w in
            targets.fill(targets: &out, mask: &mask, window: w, qOnline: Self.qOnline, qTarget: Self.qTarget, actions: 4, endsTrial: endsTrial)
        }
        return (out, mask)
    }

    @Test("per-episode bootstrap: double DQN inside episodes, none across them")
    func perEpisode() {
        let (t, m) = run(DQNTargets(gamma: 0.9, rewardScale: 30, bootstrap: .episode), endsTrial: false)
        // Token 0 → next token 1: online argmax 3, target value 40.
        #expect(t[0] == 0.9 * 40)
        #expect(t[1] == 0)           // fell in a hole
        #expect(t[2] == 0.9 * 2)     // token 3: online argmax 1, target value 2
        #expect(t[3] == 30)          // goal, reward × 30
        #expect(m == [1, 1, 1, 1])
    }

    @Test("trial bootstrap: value flows across the episode boundary, not past the trial's end")
    func perTrial() {
        let targets = DQNTargets(gamma: 0.9, gammaAcrossEpisodes: 0.5, rewardScale: 30, bootstrap: .trial)
        let (t, m) = run(targets, endsTrial: true)
        #expect(t[1] == 0.5 * 50)    // hole, then token 2: online argmax 0, target 50
        #expect(t[3] == 30)
        #expect(m == [1, 1, 1, 1])
        let (open, openMask) = run(targets, endsTrial: false)
        #expect(openMask[3] == 0, "the next episode lies outside the window")
        #expect(open[0] == t[0])
    }

    @Test("a timeout gets no target under per-episode bootstrap (or the legacy 0), and bootstraps across under trial bootstrap")
    func timeouts() {
        var window = Self.window
        window[1].flags = TrialStep.truncatedBit  // the first episode is cut by the step limit
        func run(_ targets: DQNTargets) -> ([Float], [Float], [Float]) {
            var out = [Float](repeating: -1, count: 4), mask = out, maskOnly = out
            window.withUnsafeBufferPointer { w in
                targets.fill(targets: &out, mask: &mask, window: w, qOnline: Self.qOnline, qTarget: Self.qTarget, actions: 4, endsTrial: false)
                targets.fillMask(mask: &maskOnly, window: w, endsTrial: false)
            }
            return (out, mask, maskOnly)
        }
        let (_, masked, maskedOnly) = run(DQNTargets(bootstrap: .episode, masksTimeouts: true))
        #expect(masked == [1, 0, 1, 1] && maskedOnly == masked)
        let (legacy, legacyMask, _) = run(DQNTargets(bootstrap: .episode, masksTimeouts: false))
        #expect(legacy[1] == 0 && legacyMask == [1, 1, 1, 1], "the time-limit bias, kept for old configs")
        let (trial, trialMask, _) = run(DQNTargets(gammaAcrossEpisodes: 0.5, bootstrap: .trial, masksTimeouts: true))
        #expect(trial[1] == 0.5 * 50 && trialMask[1] == 1)
    }
}
