/// Checks a decoded experience chunk against what the learner will accept.
/// Everything a buggy or hostile actor can put in a chunk is checked here, so
/// the replay buffer only ever holds steps the tokenizer can encode.
public struct ExperienceValidator: Sendable {
    /// Why a chunk was refused; `rawValue` names the rejection counter.
    public enum Rejection: String, Error, Sendable, CaseIterable {
        case configFingerprint = "config_fingerprint"
        case emptyChunk = "empty_chunk"
        case lengthMismatch = "length_mismatch"
        case tooManySteps = "too_many_steps"
        case mapSize = "map_size"
        case observationRange = "observation_range"
        case actionRange = "action_range"
        case rewardRange = "reward_range"
        case flags = "flags"
        case missingActorID = "missing_actor_id"
    }

    /// The fingerprint of the model config the learner trains; chunks from another config are refused.
    public var configFingerprint: UInt64
    /// Largest map side accepted (rows and cols).
    public var maxMapSide: UInt32
    /// Largest chunk accepted, in steps.
    public var maxSteps: Int
    /// Number of actions (FrozenLake: 4).
    public var actions: UInt32

    public init(configFingerprint: UInt64, maxMapSide: UInt32 = 16, maxSteps: Int = 4096, actions: UInt32 = 4) {
        self.configFingerprint = configFingerprint
        self.maxMapSide = maxMapSide
        self.maxSteps = maxSteps
        self.actions = actions
    }

    /// Throws the first rule the chunk breaks.
    public func validate(_ chunk: ExperienceChunk) throws(Rejection) {
        guard !chunk.actorID.isEmpty else { throw .missingActorID }
        guard chunk.configFingerprint == configFingerprint else { throw .configFingerprint }
        let n = chunk.observations.count
        guard n > 0 else { throw .emptyChunk }
        guard n <= maxSteps else { throw .tooManySteps }
        guard chunk.actions.count == n, chunk.rewards.count == n,
              chunk.nextObservations.count == n, chunk.flags.count == n else { throw .lengthMismatch }
        guard (1...maxMapSide).contains(chunk.mapRows), (1...maxMapSide).contains(chunk.mapCols) else { throw .mapSize }
        let cells = chunk.mapRows * chunk.mapCols
        let validFlags = StepFlags.all.rawValue
        for i in 0..<n {
            guard chunk.observations[i] < cells, chunk.nextObservations[i] < cells else { throw .observationRange }
            guard chunk.actions[i] < actions else { throw .actionRange }
            // FrozenLake rewards are 0 or 1; anything else (NaN included) is a bug or an attack.
            let r = chunk.rewards[i]
            guard r == 0 || r == 1 else { throw .rewardRange }
            guard chunk.flags[i] & ~validFlags == 0 else { throw .flags }
            let f = StepFlags(rawValue: chunk.flags[i])
            // A new map always begins a new episode.
            guard !f.contains(.mapStart) || f.contains(.episodeStart) else { throw .flags }
            // A reward only comes with the step that ends the episode on a goal.
            guard r == 0 || f.contains(.terminated) else { throw .rewardRange }
        }
    }
}
