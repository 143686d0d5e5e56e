/// Who chose the actions of an experience chunk (`icrl.Behaviour`).
public enum Behaviour: UInt32, Sendable, CaseIterable, Codable {
    case unspecified = 0
    case model = 1
    case random = 2
    case qlearning = 3
    case oracle = 4
    case scripted = 5
}

/// Consecutive steps of one trial on one map (`icrl.ExperienceChunk`).
/// Per-step arrays have equal length; see `Proto/icrl.proto` for each field.
public struct ExperienceChunk: Sendable, Equatable {
    public var actorID: String
    public var incarnation: UInt64
    public var trialID: UInt64
    public var sequence: UInt64
    public var policyVersion: UInt64
    public var configFingerprint: UInt64
    public var mapRows: UInt32
    public var mapCols: UInt32
    public var firstStep: UInt64
    public var trialDone: Bool
    public var behaviour: Behaviour
    public var observations: [UInt32]
    public var actions: [UInt32]
    public var rewards: [Float]
    public var nextObservations: [UInt32]
    public var flags: [UInt32]

    public init(
        actorID: String, incarnation: UInt64, trialID: UInt64, sequence: UInt64,
        policyVersion: UInt64, configFingerprint: UInt64, mapRows: UInt32, mapCols: UInt32,
        firstStep: UInt64, trialDone: Bool, behaviour: Behaviour,
        observations: [UInt32], actions: [UInt32], rewards: [Float],
        nextObservations: [UInt32], flags: [UInt32]
    ) {
        self.actorID = actorID
        self.incarnation = incarnation
        self.trialID = trialID
        self.sequence = sequence
        self.policyVersion = policyVersion
        self.configFingerprint = configFingerprint
        self.mapRows = mapRows
        self.mapCols = mapCols
        self.firstStep = firstStep
        self.trialDone = trialDone
        self.behaviour = behaviour
        self.observations = observations
        self.actions = actions
        self.rewards = rewards
        self.nextObservations = nextObservations
        self.flags = flags
    }

    /// Number of steps (the length of `observations`).
    public var count: Int { observations.count }
}

/// One named float32 tensor (`icrl.Tensor`), row-major.
public struct WireTensor: Sendable, Equatable {
    public var name: String
    public var shape: [UInt32]
    public var values: [Float]

    public init(name: String, shape: [UInt32], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The learner's online weights (`icrl.Weights`).
public struct WeightsMessage: Sendable, Equatable {
    public var version: UInt64
    public var configFingerprint: UInt64
    public var configJSON: String
    public var tensors: [WireTensor]

    public init(version: UInt64, configFingerprint: UInt64, configJSON: String, tensors: [WireTensor]) {
        self.version = version
        self.configFingerprint = configFingerprint
        self.configJSON = configJSON
        self.tensors = tensors
    }
}

/// An actor's first message on the control socket (`icrl.Hello`).
public struct Hello: Sendable, Equatable {
    public var actorID: String
    public var host: String
    public var pid: UInt32
    public var configFingerprint: UInt64
    public var incarnation: UInt64
    public var environments: UInt32

    public init(actorID: String, host: String, pid: UInt32, configFingerprint: UInt64, incarnation: UInt64, environments: UInt32) {
        self.actorID = actorID
        self.host = host
        self.pid = pid
        self.configFingerprint = configFingerprint
        self.incarnation = incarnation
        self.environments = environments
    }
}

/// The learner's answer to `Hello` (`icrl.HelloReply`).
public struct HelloReply: Sendable, Equatable {
    public var accepted: Bool
    public var reason: String
    public var learnerID: String
    public var weightsVersion: UInt64
    public var heartbeatIntervalMilliseconds: UInt32

    public init(accepted: Bool, reason: String, learnerID: String, weightsVersion: UInt64, heartbeatIntervalMilliseconds: UInt32) {
        self.accepted = accepted
        self.reason = reason
        self.learnerID = learnerID
        self.weightsVersion = weightsVersion
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
    }
}

/// An actor asking for the current weights (`icrl.WeightsRequest`).
public struct WeightsRequest: Sendable, Equatable {
    public var actorID: String
    public var haveVersion: UInt64

    public init(actorID: String, haveVersion: UInt64) {
        self.actorID = actorID
        self.haveVersion = haveVersion
    }
}

/// Liveness signal (`icrl.Heartbeat`).
public struct Heartbeat: Sendable, Equatable {
    public var actorID: String
    public var incarnation: UInt64
    public var unixTimeMilliseconds: UInt64
    public var policyVersion: UInt64

    public init(actorID: String, incarnation: UInt64, unixTimeMilliseconds: UInt64, policyVersion: UInt64) {
        self.actorID = actorID
        self.incarnation = incarnation
        self.unixTimeMilliseconds = unixTimeMilliseconds
        self.policyVersion = policyVersion
    }
}

/// Periodic actor statistics (`icrl.Stats`).
public struct ActorStats: Sendable, Equatable {
    public var actorID: String
    public var incarnation: UInt64
    public var envSteps: UInt64
    public var episodes: UInt64
    public var successes: UInt64
    public var envStepsPerSecond: Double
    public var inferenceMilliseconds: Double
    public var chunksSent: UInt64
    public var chunksDropped: UInt64
    /// Where the actor's time went since its previous stats.
    public var time: ActorTimeSplit
    /// The actor process's resident memory, and encoded chunks waiting to be sent.
    public var rssBytes: UInt64
    public var queueDepth: UInt64

    public init(
        actorID: String, incarnation: UInt64, envSteps: UInt64, episodes: UInt64, successes: UInt64,
        envStepsPerSecond: Double, inferenceMilliseconds: Double, chunksSent: UInt64, chunksDropped: UInt64,
        time: ActorTimeSplit = ActorTimeSplit(), rssBytes: UInt64 = 0, queueDepth: UInt64 = 0
    ) {
        self.time = time
        self.rssBytes = rssBytes
        self.queueDepth = queueDepth
        self.actorID = actorID
        self.incarnation = incarnation
        self.envSteps = envSteps
        self.episodes = episodes
        self.successes = successes
        self.envStepsPerSecond = envStepsPerSecond
        self.inferenceMilliseconds = inferenceMilliseconds
        self.chunksSent = chunksSent
        self.chunksDropped = chunksDropped
    }
}

/// Seconds an actor spent in each stage over an interval (`wall`), as its stats report
/// them. Values from the wire are clamped to [0, 10⁶] (NaN reads 0), so a broken or
/// hostile peer cannot poison the learner's sums.
public struct ActorTimeSplit: Sendable, Equatable {
    public var wall: Double
    /// Stepping environments (FrozenLake dynamics, teachers, tokenizing).
    public var env: Double
    /// The model's forward pass over the environments' new tokens.
    public var inference: Double
    /// Encoding chunks and handing them to ZeroMQ.
    public var send: Double
    /// Waiting because the learner was not taking experience.
    public var backpressure: Double
    /// Loading new weights and re-encoding the contexts in flight.
    public var weights: Double

    public init(wall: Double = 0, env: Double = 0, inference: Double = 0, send: Double = 0, backpressure: Double = 0, weights: Double = 0) {
        func clamp(_ x: Double) -> Double { x.isNaN ? 0 : min(max(x, 0), 1e6) }
        self.wall = clamp(wall)
        self.env = clamp(env)
        self.inference = clamp(inference)
        self.send = clamp(send)
        self.backpressure = clamp(backpressure)
        self.weights = clamp(weights)
    }

    /// The stages by metric name, in a fixed order.
    public var stages: [(name: String, seconds: Double)] {
        [("env", env), ("inference", inference), ("send", send), ("backpressure", backpressure), ("weights", weights)]
    }
}

/// Every message that crosses the wire: the body of one `icrl.Envelope`.
public enum WireMessage: Sendable, Equatable {
    case experience(ExperienceChunk)
    case weights(WeightsMessage)
    case hello(Hello)
    case helloReply(HelloReply)
    case weightsRequest(WeightsRequest)
    case heartbeat(Heartbeat)
    case stats(ActorStats)
    case shutdown(reason: String)
    /// A monitor asks the learner for `statusReply` (`icrl.StatusRequest`).
    case statusRequest(client: String)
    case statusReply(ClusterStatus)

    /// Short name for logs and rejection counters.
    public var kind: String {
        switch self {
        case .experience: "experience"
        case .weights: "weights"
        case .hello: "hello"
        case .helloReply: "hello_reply"
        case .weightsRequest: "weights_request"
        case .heartbeat: "heartbeat"
        case .stats: "stats"
        case .shutdown: "shutdown"
        case .statusRequest: "status_request"
        case .statusReply: "status_reply"
        }
    }
}
