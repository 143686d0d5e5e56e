import DQN
import Transport

/// Why the learner refused a chunk: the validator's or the replay's reason, which names the
/// `rejected/<reason>` counter.
public struct ChunkRefusal: Error, Sendable, Equatable {
    public var reason: String
    /// The chunk passed the stateless checks, so its sequence number is its actor's: it
    /// arrived (refused for what it says, not lost in transit).
    public var wellFormed = false

    public init(reason: String, wellFormed: Bool = false) {
        self.reason = reason
        self.wellFormed = wellFormed
    }
}

extension ReplayBuffer {
    /// The learner's whole path from a decoded chunk to the replay, shared by the ingest
    /// loop, experience files, the stateful fuzz target and its property test. Returns the
    /// steps stored.
    ///
    /// The validator checks the chunk alone; a continuation is then converted against the
    /// trial's newest stored step and checked against it (`TrialInvariants`), so the rules
    /// that span chunk boundaries hold too. Any refusal of a continuation drops the rest of
    /// its trial, as a gap does: a context with a hole or a contradiction lies.
    @discardableResult
    public mutating func ingest(
        _ chunk: ExperienceChunk, validator: ExperienceValidator, tokenizer: Tokenizer
    ) throws(ChunkRefusal) -> [TrialStep] {
        let key = TrialKey(incarnation: chunk.incarnation, trialID: chunk.trialID)
        do throws(ExperienceValidator.Rejection) {
            try validator.validate(chunk)
        } catch {
            // A refused first chunk leaves nothing to drop; a refused continuation leaves a hole.
            if chunk.firstStep > 0 { drop(key) }
            throw ChunkRefusal(reason: error.rawValue)
        }
        let steps = chunk.trialSteps(tokenizer: tokenizer, previous: chunk.firstStep == 0 ? nil : lastStep(of: key))
        do throws(Refusal) {
            try append(steps, to: key, firstStep: Int(clamping: chunk.firstStep), done: chunk.trialDone, behaviour: chunk.behaviour.rawValue)
        } catch {
            throw ChunkRefusal(reason: error.rawValue, wellFormed: true)
        }
        return steps
    }
}
