/// One actor as the learner sees it (`icrl.ActorStatus`), for monitors.
public struct ActorStatus: Sendable, Equatable, Codable {
    /// How recently the learner heard from an actor.
    public enum State: String, Sendable, Codable {
        /// Heard from within two heartbeat intervals.
        case live
        /// Silent for longer, not yet past the heartbeat timeout.
        case stale
        /// Declared dead after the heartbeat timeout.
        case dead
    }

    public var actorID: String
    public var host: String
    public var pid: UInt32
    public var state: State
    public var secondsSinceSeen: Double
    public var envStepsPerSecond: Double
    public var episodesPerSecond: Double
    /// Its episodes that reached the goal, cumulative.
    public var success: Double
    /// Weights version of its newest experience, and how far that is behind the learner.
    public var policyVersion: UInt64
    public var policyLag: UInt64
    /// Chunks waiting in its send queue.
    public var queueDepth: UInt64
    public var rssBytes: UInt64
    /// Shares of its latest stats interval: env, inference, send, backpressure, weights.
    public var time: [String: Double]
    public var stepsReceived: UInt64
    /// Live, but under half the median live actor's steps/s.
    public var straggler: Bool

    public init(
        actorID: String, host: String = "", pid: UInt32 = 0, state: State = .live, secondsSinceSeen: Double = 0,
        envStepsPerSecond: Double = 0, episodesPerSecond: Double = 0, success: Double = 0, policyVersion: UInt64 = 0,
        policyLag: UInt64 = 0, queueDepth: UInt64 = 0, rssBytes: UInt64 = 0, time: [String: Double] = [:],
        stepsReceived: UInt64 = 0, straggler: Bool = false
    ) {
        self.actorID = actorID
        self.host = host
        self.pid = pid
        self.state = state
        self.secondsSinceSeen = secondsSinceSeen
        self.envStepsPerSecond = envStepsPerSecond
        self.episodesPerSecond = episodesPerSecond
        self.success = success
        self.policyVersion = policyVersion
        self.policyLag = policyLag
        self.queueDepth = queueDepth
        self.rssBytes = rssBytes
        self.time = time
        self.stepsReceived = stepsReceived
        self.straggler = straggler
    }

    /// JSON keys: the proto's field names (`time` holds the shares).
    enum CodingKeys: String, CodingKey {
        case actorID = "actor_id", host, pid, state, secondsSinceSeen = "seconds_since_seen"
        case envStepsPerSecond = "env_steps_per_second", episodesPerSecond = "episodes_per_second", success
        case policyVersion = "policy_version", policyLag = "policy_lag", queueDepth = "queue_depth", rssBytes = "rss_bytes"
        case time, stepsReceived = "steps_received", straggler
    }

    /// The stages of `time`, in the order monitors show them.
    public static let stageNames = ["env", "inference", "send", "backpressure", "weights"]
}

/// One rank of a data-parallel learner (`icrl.LearnerRankStatus`), as rank 0 last gathered it.
public struct LearnerRankStatus: Sendable, Equatable, Codable {
    public var rank: UInt32
    public var replaySteps: UInt64
    public var replayTrials: UInt64
    public var updates: UInt64
    public var rejections: UInt64
    /// Shares of its training loop's time: sample, forward_backward, allreduce, sync.
    public var time: [String: Double]

    public init(rank: UInt32, replaySteps: UInt64 = 0, replayTrials: UInt64 = 0, updates: UInt64 = 0, rejections: UInt64 = 0,
                time: [String: Double] = [:]) {
        self.rank = rank
        self.replaySteps = replaySteps
        self.replayTrials = replayTrials
        self.updates = updates
        self.rejections = rejections
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case rank, replaySteps = "replay_steps", replayTrials = "replay_trials", updates, rejections, time
    }

    /// The stages of `time`, in the order monitors show them.
    public static let stageNames = ["sample", "forward_backward", "allreduce", "sync"]
}

/// A running cluster as its learner sees it (`icrl.StatusReply`): what `icrl top` shows.
public struct ClusterStatus: Sendable, Equatable, Codable {
    public var learnerID: String
    public var elapsedSeconds: Double
    public var updates: UInt64
    public var updatesPerSecond: Double
    /// Environment steps accepted per second over the last 10 s, 60 s and 5 min.
    public var envStepsPerSecond10s: Double
    public var envStepsPerSecond60s: Double
    public var envStepsPerSecond300s: Double
    public var replaySteps: UInt64
    public var replayCapacity: UInt64
    /// Policy lag over live actors.
    public var policyLagMin: UInt64
    public var policyLagAvg: Double
    public var policyLagMax: UInt64
    public var rejections: UInt64
    public var rssBytes: UInt64
    public var weightsVersion: UInt64
    public var envSteps: UInt64
    public var actors: [ActorStatus]
    /// The learner's data-parallel ranks (empty for a single learner).
    public var ranks: [LearnerRankStatus] = []

    /// JSON keys: the proto's field names.
    enum CodingKeys: String, CodingKey {
        case learnerID = "learner_id", elapsedSeconds = "elapsed_s", updates, updatesPerSecond = "updates_per_second"
        case envStepsPerSecond10s = "env_steps_per_second_10s", envStepsPerSecond60s = "env_steps_per_second_60s"
        case envStepsPerSecond300s = "env_steps_per_second_300s", replaySteps = "replay_steps", replayCapacity = "replay_capacity"
        case policyLagMin = "policy_lag_min", policyLagAvg = "policy_lag_avg", policyLagMax = "policy_lag_max"
        case rejections, rssBytes = "rss_bytes", weightsVersion = "weights_version", envSteps = "env_steps", actors, ranks
    }

    public init(
        learnerID: String = "", elapsedSeconds: Double = 0, updates: UInt64 = 0, updatesPerSecond: Double = 0,
        envStepsPerSecond10s: Double = 0, envStepsPerSecond60s: Double = 0, envStepsPerSecond300s: Double = 0,
        replaySteps: UInt64 = 0, replayCapacity: UInt64 = 0, policyLagMin: UInt64 = 0, policyLagAvg: Double = 0,
        policyLagMax: UInt64 = 0, rejections: UInt64 = 0, rssBytes: UInt64 = 0, weightsVersion: UInt64 = 0,
        envSteps: UInt64 = 0, actors: [ActorStatus] = [], ranks: [LearnerRankStatus] = []
    ) {
        self.learnerID = learnerID
        self.elapsedSeconds = elapsedSeconds
        self.updates = updates
        self.updatesPerSecond = updatesPerSecond
        self.envStepsPerSecond10s = envStepsPerSecond10s
        self.envStepsPerSecond60s = envStepsPerSecond60s
        self.envStepsPerSecond300s = envStepsPerSecond300s
        self.replaySteps = replaySteps
        self.replayCapacity = replayCapacity
        self.policyLagMin = policyLagMin
        self.policyLagAvg = policyLagAvg
        self.policyLagMax = policyLagMax
        self.rejections = rejections
        self.rssBytes = rssBytes
        self.weightsVersion = weightsVersion
        self.envSteps = envSteps
        self.actors = actors
        self.ranks = ranks
    }
}
