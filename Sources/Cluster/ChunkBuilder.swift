import Transport

/// Collects one environment slot's steps into experience chunks: a chunk closes
/// when it is full, before a map change (a chunk never spans two maps), and at the
/// end of a trial. Stamps actor id, incarnation, trial id, sequence and policy version.
public struct ChunkBuilder: Sendable {
    public let actorID: String
    public let incarnation: UInt64
    public let configFingerprint: UInt64
    /// Steps per chunk at most.
    public let capacity: Int

    private var pending: ExperienceChunk?
    private var nextStepInTrial: UInt64 = 0

    public init(actorID: String, incarnation: UInt64, configFingerprint: UInt64, capacity: Int) {
        precondition(capacity > 0)
        self.actorID = actorID
        self.incarnation = incarnation
        self.configFingerprint = configFingerprint
        self.capacity = capacity
    }

    /// Starts a new trial; any open chunk must have been taken with `finish`.
    public mutating func beginTrial() {
        precondition(pending == nil, "finish the previous trial first")
        nextStepInTrial = 0
    }

    /// Adds one step. Returns the chunk that closes before this step, if any: the open chunk
    /// is full, or the map changes. A full chunk waits for the next step, so that `finish`
    /// always has the trial's last step to mark done. `sequence` is the caller's
    /// per-incarnation counter, advanced per chunk.
    public mutating func add(
        observation: Int, action: Int, reward: Double, nextObservation: Int, flags: StepFlags,
        rows: Int, cols: Int, trialID: UInt64, behaviour: Behaviour, policyVersion: UInt64,
        sequence: inout UInt64
    ) -> [ExperienceChunk] {
        var closed: [ExperienceChunk] = []
        if flags.contains(.mapStart) || pendingSteps >= capacity, let open = take(done: false, sequence: &sequence) {
            closed.append(open)
        }
        if pending == nil {
            pending = ExperienceChunk(
                actorID: actorID, incarnation: incarnation, trialID: trialID, sequence: 0,
                policyVersion: policyVersion, configFingerprint: configFingerprint,
                mapRows: UInt32(rows), mapCols: UInt32(cols), firstStep: nextStepInTrial, trialDone: false,
                behaviour: behaviour, observations: [], actions: [], rewards: [], nextObservations: [], flags: [])
            pending!.observations.reserveCapacity(capacity)
        }
        pending!.observations.append(UInt32(observation))
        pending!.actions.append(UInt32(action))
        pending!.rewards.append(Float(reward))
        pending!.nextObservations.append(UInt32(nextObservation))
        pending!.flags.append(flags.rawValue)
        // The oldest policy that acted in the chunk bounds its lag.
        pending!.policyVersion = min(pending!.policyVersion, policyVersion)
        nextStepInTrial += 1
        return closed
    }

    /// Closes the trial: returns its last chunk, marked done; nil if the trial had no steps.
    public mutating func finish(sequence: inout UInt64) -> ExperienceChunk? {
        take(done: true, sequence: &sequence)
    }

    private mutating func take(done: Bool, sequence: inout UInt64) -> ExperienceChunk? {
        guard var chunk = pending, chunk.count > 0 else { return nil }
        pending = nil
        chunk.trialDone = done
        chunk.sequence = sequence
        sequence += 1
        return chunk
    }

    /// Steps waiting in the open chunk.
    public var pendingSteps: Int { pending?.count ?? 0 }
}
