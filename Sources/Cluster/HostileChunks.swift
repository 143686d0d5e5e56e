import Transport

/// Experience a hostile or broken peer can send that each chunk's validator alone lets
/// through or that once trapped the learner, with the `rejected/<reason>` counter each must
/// raise. Sent to a real learner by `icrl bench hostile-sender` (scripts/test_faults.sh).
public enum HostileChunks {
    /// One attack: its chunks in order, and the reason the last one must be refused for.
    public struct Sequence: Sendable {
        public var name: String
        public var reason: String
        public var chunks: [ExperienceChunk]
    }

    /// Every attack, for a learner whose config has `fingerprint` and a canvas of at least 4.
    /// Trial ids are distinct per attack; `incarnation` identifies the sender.
    public static func sequences(fingerprint: UInt64, incarnation: UInt64) -> [Sequence] {
        func chunk(
            _ trial: UInt64, first: UInt64, rows: UInt32 = 3, cols: UInt32 = 3, observations: [UInt32], next: [UInt32],
            flags: [StepFlags], sequence: UInt64 = 0, policyVersion: UInt64 = 0
        ) -> ExperienceChunk {
            ExperienceChunk(
                actorID: "hostile", incarnation: incarnation, trialID: trial, sequence: sequence, policyVersion: policyVersion,
                configFingerprint: fingerprint, mapRows: rows, mapCols: cols, firstStep: first, trialDone: false,
                behaviour: .random, observations: observations, actions: observations.map { _ in 1 },
                rewards: observations.map { _ in 0 }, nextObservations: next, flags: flags.map(\.rawValue))
        }
        // Two honest steps on a 3×3 map: 0 → 3 → 6, the episode still running.
        func opening(_ trial: UInt64, sequence: UInt64 = 0, policyVersion: UInt64 = 0) -> ExperienceChunk {
            chunk(trial, first: 0, observations: [0, 3], next: [3, 6], flags: [[.episodeStart, .mapStart], []],
                  sequence: sequence, policyVersion: policyVersion)
        }
        return [
            // The sequence that once trapped the learner used 8×8 and cell 63; 4×4 fits every canvas
            // the validator accepts, so the replay's rule is what refuses it.
            Sequence(name: "continuation claims a larger map without a map start", reason: "map_size_change", chunks: [
                opening(1), chunk(1, first: 2, rows: 4, cols: 4, observations: [15], next: [14], flags: [[]]),
            ]),
            Sequence(name: "continuation starts away from where the trial stood", reason: "discontinuity", chunks: [
                opening(2), chunk(2, first: 2, observations: [1], next: [2], flags: [[]]),
            ]),
            Sequence(name: "a new episode while the last one is still running", reason: "episode_flags", chunks: [
                opening(3), chunk(3, first: 2, observations: [0], next: [1], flags: [[.episodeStart]]),
            ]),
            Sequence(name: "a trial that opens without a map start", reason: "episode_flags", chunks: [
                chunk(4, first: 0, observations: [0], next: [1], flags: [[]]),
            ]),
            Sequence(name: "steps after the trial's end", reason: "gap", chunks: [
                opening(5), chunk(5, first: 9, observations: [6], next: [7], flags: [[]]),
            ]),
            // Accepted (the learner must do its bookkeeping on such numbers without trapping), then a gap.
            Sequence(name: "sequence, policy version and first step at UInt64.max", reason: "gap", chunks: [
                opening(6, sequence: .max, policyVersion: .max),
                chunk(6, first: .max, observations: [6], next: [7], flags: [[]], sequence: .max, policyVersion: .max),
            ]),
        ]
    }
}
