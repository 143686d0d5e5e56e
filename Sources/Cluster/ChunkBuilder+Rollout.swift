import DQN
import Transport

extension ChunkBuilder {
    /// Adds one step of a rollout worker; at the trial's end also closes it and starts the
    /// next. Returns every chunk that closed. Shared by `icrl actor` and `icrl collect`.
    public mutating func add(_ s: RolloutStep, policyVersion: UInt64, sequence: inout UInt64) -> [ExperienceChunk] {
        var chunks = add(
            observation: Int(s.step.observation), action: Int(s.step.action), reward: Double(s.step.reward),
            nextObservation: Int(s.step.nextObservation), flags: StepFlags(rawValue: UInt32(s.step.flags)),
            rows: Int(s.step.rows), cols: Int(s.step.cols), trialID: s.trialID, behaviour: Behaviour(s.behaviour),
            policyVersion: policyVersion, sequence: &sequence)
        if s.endsTrial {
            if let last = finish(sequence: &sequence) { chunks.append(last) }
            beginTrial()
        }
        return chunks
    }
}
