import DQN

/// What a learner's memory is made of, predicted from its configuration. Every term is
/// bounded by a setting, so the sum bounds the learner's RSS (the soak test checks it):
///
///     RSS ≈ runtime + 4·P·6 + workspaces + 2·10·R + trialOverhead·R/L + queues
///
/// - runtime: Swift runtime, Foundation, OpenBLAS and libzmq, measured (`runtimeBytes`);
/// - P parameters, 4 bytes each, in 6 copies: online weights, gradients, Adam m and v,
///   target weights, the encoded weights frame;
/// - workspaces, measured (`Transformer.workspaceBytes` of both networks): the online
///   network's training-pass activations, for one cache block of sequences per thread
///   (S = min(B, threads · max(1, ⌊cacheBlockRows / T⌋)) sequences, cacheBlockRows = 512:
///   about `4·S·T·(9C + 2M + 3)·L + 4·S·H·T²·L` bytes), its per-group gradient buffers
///   (up to 15 more copies of P, fewer for small batches), packed weights, and the target's
///   inference scratch;
/// - replay: `replayCapacitySteps` (R) × 10 bytes (`TrialStep`), twice while a checkpoint
///   holds its snapshot, plus a per-trial record for at most R / L trials (L = the
///   shortest trial, one map of at least one episode);
/// - queues: per actor connection, `ZMQ_RCVHWM` (64) chunk frames of at most
///   `chunkSteps` steps, and up to `publisherQueue` (4) weights frames per subscriber.
public struct LearnerMemoryBudget: Sendable {
    public var runtimeBytes: Int
    public var parameterBytes: Int
    public var workspaceBytes: Int
    public var replayBytes: Int
    public var queueBytes: Int

    /// Measured: RSS of a learner with a tiny model and empty replay, with its threads up.
    public static let runtimeBytes = 48 << 20
    /// Actor connections the queue term is sized for.
    public static let plannedActors = 16

    public init(config: RunConfig, parameterCount: Int, workspaceBytes: Int, actors: Int = plannedActors) {
        runtimeBytes = Self.runtimeBytes
        // The gradient groups' buffers are part of `workspaceBytes`, measured.
        parameterBytes = 4 * parameterCount * 6
        self.workspaceBytes = workspaceBytes
        let shortestTrial = max(1, config.rollout.episodesPerMapMin)
        // Twice the steps while a checkpoint copies the replay into its snapshot.
        replayBytes = 2 * 10 * config.replayCapacitySteps + 96 * (config.replayCapacitySteps / shortestTrial)
        // A chunk frame: ~16 bytes per step on the wire plus the envelope.
        let chunkFrame = 16 * config.rollout.chunkSteps + 256
        queueBytes = actors * (64 * chunkFrame + 4 * 4 * parameterCount)
    }

    public var totalBytes: Int { runtimeBytes + parameterBytes + workspaceBytes + replayBytes + queueBytes }

    public var description: String {
        func mb(_ b: Int) -> String { String(format: "%.0f", Double(b) / 1_048_576) }
        return "memory budget \(mb(totalBytes)) MB: runtime \(mb(runtimeBytes)), parameters \(mb(parameterBytes)), "
            + "activations \(mb(workspaceBytes)), replay \(mb(replayBytes)), queues \(mb(queueBytes)) (for \(Self.plannedActors) actors)"
    }
}
