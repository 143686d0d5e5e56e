import DQN
import Transport

extension ExperienceChunk {
    /// The chunk's steps in replay form. Each new map gets its canvas placement from the
    /// trial's identity (`Tokenizer.placementSeed`); continuing steps inherit `previous`'s.
    /// Call only on a validated chunk (sizes and ranges checked).
    public func trialSteps(tokenizer: Tokenizer, previous: TrialStep?) -> [TrialStep] {
        var placement = previous?.placement ?? 0
        var steps: [TrialStep] = []
        steps.reserveCapacity(count)
        for i in 0..<count {
            let flags = UInt8(truncatingIfNeeded: self.flags[i])
            if flags & TrialStep.mapStartBit != 0 || (previous == nil && i == 0) {
                let seed = Tokenizer.placementSeed(incarnation: incarnation, trialID: trialID, step: firstStep &+ UInt64(i))
                placement = tokenizer.placement(rows: Int(mapRows), cols: Int(mapCols), seed: seed)
            }
            steps.append(TrialStep(
                observation: UInt16(observations[i]), nextObservation: UInt16(nextObservations[i]),
                action: UInt8(actions[i]), reward: rewards[i] > 0 ? 1 : 0, flags: flags,
                rows: UInt8(mapRows), cols: UInt8(mapCols), placement: placement))
        }
        return steps
    }
}
