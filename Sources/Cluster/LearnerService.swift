import CZeroMQ
import DQN
import Foundation
import FrozenLake
import Logging
import NN
import Synchronization
import Transport

/// `icrl learner`: binds PULL (experience), PUB (weights) and ROUTER (control), trains the
/// transformer with DQN on what arrives, broadcasts weights every `broadcastEvery` updates,
/// writes `metrics.jsonl` and checkpoints, and stops on request (SIGTERM/SIGINT) after a
/// last checkpoint, telling every actor to leave.
public final class LearnerService {
    public struct Options: Sendable {
        public var endpoints: Endpoints
        public var runFolder: URL?
        public var config: RunConfig
        /// Stop after this many seconds of wall time (nil: until stopped).
        public var maxSeconds: Double?
        /// Stop after this many updates (nil: until stopped).
        public var maxUpdates: Int?
        /// Minutes of training at which to keep a copy of the weights as
        /// `RUN/checkpoints/minute-MMM.safetensors` (the time-to-quality curve is scored on them).
        public var keptCheckpointMinutes: [Double] = []
        /// Data-parallel ranks compare a checksum of their weights every this many updates;
        /// a mismatch stops the job.
        public var rankCheckEvery = 100
        /// Continue from the run folder's latest checkpoint.
        public var resume = false
        /// Warm start (ignored when resuming): the online and target networks start from
        /// this checkpoint's online weights; the update counter starts at 0.
        public var initCheckpoint: URL?
        /// With `initCheckpoint`: also take its AdamW moments and step (else AdamW starts
        /// fresh, with this run's warm-up).
        public var initKeepsOptimizer = false
        /// Experience file to train from (offline mode), loaded before training.
        public var dataset: URL?
        /// Frames larger than this are refused (`ZMQ_MAXMSGSIZE`).
        public var maxFrameBytes = 4 << 20
        /// Actors silent this long are declared dead.
        public var heartbeatTimeout: Double = 5
        /// Seconds a dead actor stays in the peer table (and in `icrl top`) before it is forgotten.
        public var forgetDeadAfter: Double = 60
        public var heartbeatIntervalMilliseconds: UInt32 = 500
        public var learnerID: String
        /// Encrypt and authenticate every connection with CURVE, admitting only listed actors.
        public var curve: CurveServerSettings?
        /// Starts where every metrics line is published besides the run folder (the
        /// Prometheus endpoint, `icrl learner --metrics-port`); nil publishes nowhere else.
        /// Called once the learner's sockets are bound; an error stops the learner.
        public var makeMetricsEndpoint: (@Sendable () throws -> any MetricsEndpoint)?

        public init(endpoints: Endpoints, runFolder: URL?, config: RunConfig, learnerID: String) {
            self.endpoints = endpoints
            self.runFolder = runFolder
            self.config = config
            self.learnerID = learnerID
        }
    }

    public let options: Options
    public let learner: DQNLearner
    public let state: LearnerState
    /// What this learner holds of the group's batch and replay (all of it with one rank).
    public struct Shard: Sendable {
        public var batch: Int
        public var replayCapacitySteps: Int
        public var minReplaySteps: Int
    }
    public let shard: Shard
    /// A config that cannot be split over the ranks.
    public struct ShardError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
    /// The data-parallel ranks this learner is one of (nil: a single learner).
    let group: DataParallelGroup?
    /// Rank 0 serves actors, metrics and checkpoints; other ranks only train.
    var isRankZero: Bool { (group?.rank ?? 0) == 0 }
    let logger: Logger
    let metrics: MetricsLog
    /// Where metrics lines go besides the run folder (`Options.makeMetricsEndpoint`).
    var metricsEndpoint: (any MetricsEndpoint)?
    var rng: Xoshiro256
    /// Checkpoint, replay snapshot and kept-weights writes that failed (a full disk, say):
    /// the previous files stay, training goes on; `checkpoint/failures` in the metrics.
    var checkpointFailures = 0
    let context: ZMQContext
    /// Admits listed CURVE keys (nil without CURVE); its counts go to the metrics.
    let authenticator: ZAPAuthenticator?
    /// The memory this learner should need, from its configuration (see the type's formula).
    public var memoryBudget: LearnerMemoryBudget {
        LearnerMemoryBudget(
            config: options.config, parameterCount: learner.online.parameterCount,
            workspaceBytes: learner.online.workspaceBytes + learner.target.workspaceBytes)
    }
    /// Bound endpoints (with the ports the OS chose for `:*`), once running.
    public let boundEndpoints = BoundEndpoints()

    /// - group: the data-parallel ranks, when started by `mpirun -np N` (N > 1). The config
    ///   describes the whole group: each rank samples `batchSize / N` windows (the global
    ///   batch stays `batchSize`, the recipe unchanged) from a replay shard of
    ///   `replayCapacitySteps / N`, and trains once it holds `minReplaySteps / N`.
    public init(options: Options, logger: Logger, group: DataParallelGroup? = nil) throws {
        self.options = options
        self.logger = logger
        let group = group.flatMap { $0.ranks > 1 ? $0 : nil }
        self.group = group
        let rank = group?.rank ?? 0
        let config = options.config
        try config.validate()
        let ranks = group?.ranks ?? 1
        guard config.dqn.batchSize % ranks == 0 else {
            throw ShardError(message: "dqn.batchSize \(config.dqn.batchSize) is the global batch and must split evenly over the \(ranks) learner ranks: choose a batch that \(ranks) divides, or another rank count")
        }
        let shard = Shard(batch: config.dqn.batchSize / ranks, replayCapacitySteps: config.replayCapacitySteps / ranks,
                      minReplaySteps: max(1, config.minReplaySteps / ranks))
        self.shard = shard
        var dqn = config.dqn
        dqn.batchSize = shard.batch
        learner = try DQNLearner(
            config: dqn, tokenizer: Tokenizer(config: config.tokenizer), model: config.model, seed: config.seed)
        try learner.target.copyParameters(from: learner.online)
        learner.teacherDynamics = EnvConfig(slippery: config.rollout.slippery, maxSteps: config.rollout.episodeStepLimit)
        learner.reducer = group
        state = LearnerState(
            replay: ReplayBuffer(
                capacitySteps: shard.replayCapacitySteps, maxTrialSteps: 1 << 16,
                invariants: TrialInvariants(tokenizer: config.tokenizer, actions: config.model.actions)),
            heartbeatTimeout: options.heartbeatTimeout, forgetDeadAfter: options.forgetDeadAfter, ranks: rank == 0 ? ranks : 1)
        rng = Self.samplingRNG(seed: config.seed, rank: rank, updates: nil)
        let context = try ZMQContext(ioThreads: LearnerIOThreads.count)
        self.context = context
        authenticator = options.curve.map { ZAPAuthenticator(context: context, authorizedKeys: $0.authorizedKeys) }
        if rank > 0 {
            // Rank 0 writes the run folder's config and metrics; this rank only its replay shard.
            metrics = try MetricsLog(url: nil)
        } else if let folder = options.runFolder {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(config.json().utf8).write(to: folder.appendingPathComponent("config.json"))
            metrics = try MetricsLog(url: folder.appendingPathComponent("metrics.jsonl"), tensorBoard: folder.appendingPathComponent("tb"))
        } else {
            metrics = try MetricsLog(url: nil)
        }
    }

    /// The weights envelope for the online network's current parameters.
    func weightsFrame(version: UInt64) -> [UInt8] {
        let tensors = learner.online.exportTensors().map {
            WireTensor(name: $0.name, shape: $0.shape.map { UInt32($0) }, values: $0.values)
        }
        return WireCodec.encode(.weights(WeightsMessage(
            version: version, configFingerprint: options.config.fingerprint,
            configJSON: options.config.json(), tensors: tensors)))
    }

    /// Runs until `stop` is set, the time or update budget is spent, or the context fails.
    public func run(stop: borrowing Atomic<Bool>) throws {
        if let group, group.rank > 0 {
            try runFollower(group)
            return
        }
        let config = options.config
        let tokenizer = Tokenizer(config: config.tokenizer)
        let validator = ExperienceValidator(
            configFingerprint: config.fingerprint, maxMapSide: UInt32(min(config.tokenizer.canvas, 16)),
            maxSteps: 1 << 14, actions: UInt32(config.model.actions))
        let ingest = ExperienceIngest(
            context: context, endpoint: options.endpoints.experience, maxFrameBytes: options.maxFrameBytes,
            validator: validator, tokenizer: tokenizer, state: state, curve: options.curve?.keys, logger: logger)
        let control = ControlService(
            context: context, endpoint: options.endpoints.control, configFingerprint: config.fingerprint,
            learnerID: options.learnerID, heartbeatIntervalMilliseconds: options.heartbeatIntervalMilliseconds, state: state,
            curve: options.curve?.keys)
        if options.resume {
            guard let folder = options.runFolder else { throw ResumeError(message: "--resume needs --out RUN_FOLDER") }
            let url = Self.latestCheckpoint(in: folder)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ResumeError(message: "nothing to resume: \(url.path) does not exist")
            }
            let updates = try restoreCheckpoint(from: url)
            logger.info("resumed from \(url.path) at update \(updates)")
            metrics.markRestart(step: updates)
            restoreReplay(from: folder)
        }
        if !options.resume, let initial = options.initCheckpoint {
            let info = try Checkpoint.restore(
                from: initial, online: learner.online, optimizer: options.initKeepsOptimizer ? learner.optimizer : nil)
            try learner.target.copyParameters(from: learner.online)
            logger.info("""
                warm start from \(initial.path) (trained \(info.counters["updates"] ?? 0) updates); \
                optimizer \(options.initKeepsOptimizer ? "state kept" : "reset"), update counter from 0
                """)
        }
        if let dataset = options.dataset {
            try load(dataset: dataset, into: ingest)
        }
        // Every rank starts from rank 0's weights, optimizer and counters.
        group?.broadcastState(learner, configFingerprint: config.fingerprint)
        let stepsPerUpdate = max(1, config.dqn.batchSize * config.dqn.windowLength / max(1, Int(config.replayRatio)))
        // Every shard needs its minReplaySteps / N before the group trains; trials spread over
        // the ranks unevenly at first, and the waiting loop below tops the budget up.
        state.ingestBudget.store(state.stepsAccepted.load(ordering: .relaxed) + config.minReplaySteps + stepsPerUpdate, ordering: .relaxed)
        state.shared.withLock {
            $0.weightsVersion = UInt64(learner.updates)
            $0.weightsFrame = weightsFrame(version: UInt64(learner.updates))
        }
        let ready = DispatchSemaphore(value: 0)
        let logger = self.logger
        let bound = boundEndpoints
        let state = self.state
        var threads: [DedicatedThread] = []
        if let authenticator {
            // Bound before any CURVE socket: libzmq admits everyone when no handler is there.
            let authReady = DispatchSemaphore(value: 0)
            threads.append(DedicatedThread(name: "zap") {
                do {
                    // Serves until the context terminates, after every other socket is closed:
                    // stopping earlier would leave a window in which libzmq admits anyone.
                    try authenticator.run(ready: { authReady.signal() }, until: { false })
                } catch {
                    logger.error("authentication handler stopped: \(error)")
                    authReady.signal()
                }
            })
            authReady.wait()
            guard authenticator.running.load(ordering: .relaxed) else {
                // Fail closed: without a handler libzmq would let every CURVE client in.
                context.shutdown()
                for thread in threads { thread.join() }
                throw AuthenticationError(message: "the CURVE authentication handler could not start (is another learner in this process?); refusing to serve unauthenticated")
            }
            logger.info("CURVE on: learner public key \(options.curve!.keys.publicKey), \(authenticator.authorizedKeys.count) authorized actor keys")
        }
        threads += [
            DedicatedThread(name: "ingest") {
                do {
                    try ingest.run { endpoint in bound.set("experience", endpoint); ready.signal() }
                } catch {
                    logger.error("experience loop stopped: \(error)")
                    ready.signal()
                }
            },
            DedicatedThread(name: "control") {
                do {
                    try control.run { endpoint in bound.set("control", endpoint); ready.signal() }
                } catch {
                    logger.error("control loop stopped: \(error)")
                    ready.signal()
                }
            },
        ]
        ready.wait()
        ready.wait()
        // A port another process holds is a reason to stop, not to train unreachable.
        let missing = ["experience", "control"].filter { bound.all[$0] == nil }
        guard missing.isEmpty else {
            state.stopping.store(true, ordering: .relaxed)
            context.shutdown()
            for thread in threads { thread.join() }
            throw BindError(message: """
                could not bind the \(missing.joined(separator: " and ")) port of \(options.endpoints.experience) \
                (see the log line above; is another learner or program on these ports?): choose another --bind port
                """)
        }
        let publisher = try ZMQSocket(context, .pub)
        try LearnerIOThreads.pin(publisher, to: LearnerIOThreads.bulk, in: context)
        try publisher.setOption(ZMQ_SNDHWM, 4)
        try publisher.setLinger(milliseconds: 0)
        try publisher.setTCPKeepalive()
        if let curve = options.curve { try publisher.makeCurveServer(keys: curve.keys) }
        try publisher.bind(options.endpoints.weights)
        let weightsEndpoint = try publisher.lastEndpoint
        bound.set("weights", weightsEndpoint)
        if let makeMetricsEndpoint = options.makeMetricsEndpoint {
            do {
                metricsEndpoint = try makeMetricsEndpoint()
            } catch {
                control.requestShutdown(reason: "learner could not start")
                state.stopping.store(true, ordering: .relaxed)
                publisher.close()
                context.shutdown()
                for thread in threads { thread.join() }
                throw error
            }
            bound.set("metrics", "http://\(metricsEndpoint!.address)/metrics")
        }
        if let folder = options.runFolder {
            // Where monitors find this learner (`icrl top RUN_FOLDER`).
            var record: [String: Any] = bound.all.mapValues { $0 as Any }
            record["pid"] = Int(getpid())
            record["learner_id"] = options.learnerID
            if let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .prettyPrinted]) {
                try? data.write(to: folder.appendingPathComponent("learner.json"), options: .atomic)
            }
        }
        logger.info("learner \(options.learnerID) listening: \(bound.all.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        logger.info("model \(learner.online.parameterCount) parameters, fingerprint \(String(config.fingerprint, radix: 16))")
        logger.info("\(memoryBudget.description)")

        let clock = ContinuousClock()
        let start = clock.now
        var window = MetricsWindow(start: 0, updates: learner.updates)
        state.updates.store(learner.updates, ordering: .relaxed)
        var lastMetrics = 0.0
        var lastCheckpoint = 0.0
        var lastWeightCheck = learner.updates
        var keptMarks = options.keptCheckpointMinutes.sorted()[...]
        var diverged: RankDivergenceError?
        while true {
            var stopping = stop.load(ordering: .relaxed)
            if let authenticator, !authenticator.running.load(ordering: .relaxed) {
                logger.critical("the CURVE authentication handler stopped; stopping the learner rather than admit actors unchecked")
                stopping = true
            }
            let elapsed = (clock.now - start).seconds
            if let maxSeconds = options.maxSeconds, elapsed >= maxSeconds { stopping = true }
            if let maxUpdates = options.maxUpdates, learner.updates >= maxUpdates { stopping = true }
            // Decided here, once per iteration, so that data-parallel ranks act on them together.
            var orders = DataParallelGroup.Orders(
                stop: stopping, checkpoint: elapsed - lastCheckpoint >= config.checkpointSeconds,
                metrics: elapsed - lastMetrics >= config.metricsSeconds,
                checkWeights: group != nil && learner.updates - lastWeightCheck >= options.rankCheckEvery)
            if let group {
                let syncStart = clock.now
                orders = group.broadcast(orders: orders)
                let frames = state.shared.withLock { s in
                    defer { for r in s.forwarded.indices { s.forwarded[r].removeAll(keepingCapacity: true) } }
                    return s.forwarded
                }
                _ = group.scatter(frames: frames)
                window.time(.rankSync, since: syncStart, clock: clock)
            }
            if orders.stop { break }
            let sampleStart = clock.now
            if sampleShardBatch(group: group) {
                window.time(.sample, since: sampleStart, clock: clock)
                let stats = learner.trainOnSampledBatch()
                state.updates.store(learner.updates, ordering: .relaxed)
                window.add(stats)
                state.ingestBudget.add(stepsPerUpdate, ordering: .relaxed)
                if learner.updates % config.broadcastEvery == 0 {
                    let broadcastStart = clock.now
                    let frame = weightsFrame(version: UInt64(learner.updates))
                    state.shared.withLock {
                        $0.weightsFrame = frame
                        $0.weightsVersion = UInt64(learner.updates)
                    }
                    _ = try? publisher.send(frame, dontWait: true)
                    window.time(.broadcast, since: broadcastStart, clock: clock)
                }
            } else {
                // A shard short of minReplaySteps while the others are full must not wait on a
                // budget that only updates raise.
                if group != nil { state.ingestBudget.add(stepsPerUpdate, ordering: .relaxed) }
                Thread.sleep(forTimeInterval: 0.02)
                window.time(.waitingForData, since: sampleStart, clock: clock)
            }
            if orders.checkWeights, let group {
                lastWeightCheck = learner.updates
                if let error = checkWeights(group) {
                    diverged = error
                    break
                }
            }
            if orders.metrics {
                let rankRows = group.map { rankStatistics($0, window: window, now: elapsed) } ?? nil
                writeMetrics(&window, now: elapsed, ranks: rankRows)
                lastMetrics = elapsed
            }
            if orders.checkpoint {
                lastCheckpoint = elapsed
                let checkpointStart = clock.now
                do {
                    try writeCheckpoint()
                } catch {
                    checkpointFailures += 1
                    logger.error("checkpoint failed (training continues; the last good checkpoint stays; checkpoint/failures \(checkpointFailures)): \(error)")
                }
                window.time(.checkpoint, since: checkpointStart, clock: clock)
            }
            if let mark = keptMarks.first, elapsed >= mark * 60 {
                keptMarks.removeFirst()
                let checkpointStart = clock.now
                writeKeptCheckpoint(minute: mark)
                window.time(.checkpoint, since: checkpointStart, clock: clock)
            }
        }
        if let diverged {
            // The last good checkpoint stays; these weights are not to be trusted.
            control.requestShutdown(reason: "learner stopped: \(diverged)")
            Thread.sleep(forTimeInterval: 0.3)
            state.stopping.store(true, ordering: .relaxed)
            publisher.close()
            metricsEndpoint?.stop()
            context.shutdown()
            for thread in threads { thread.join() }
            throw diverged
        }
        do {
            try writeCheckpoint()
        } catch {
            checkpointFailures += 1
            logger.error("final checkpoint failed (the last good checkpoint stays): \(error)")
        }
        // A mark at the very end (--minutes 60 with a mark at 60) is reached as the loop stops.
        let finished = (clock.now - start).seconds
        for mark in keptMarks where mark * 60 <= finished + 1 { writeKeptCheckpoint(minute: mark) }
        writeMetrics(&window, now: (clock.now - start).seconds, ranks: nil)
        control.requestShutdown(reason: stop.load(ordering: .relaxed) ? "learner stopped" : "training finished")
        // Give the control loop a moment to tell the actors before the context goes.
        Thread.sleep(forTimeInterval: 0.3)
        state.stopping.store(true, ordering: .relaxed)
        publisher.close()
        metricsEndpoint?.stop()
        context.shutdown()
        for thread in threads { thread.join() }
        logger.info("learner stopped after \(learner.updates) updates")
    }

    /// Why a CURVE learner refused to run.
    public struct AuthenticationError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    private func load(dataset: URL, into ingest: ExperienceIngest) throws {
        let decoder = WireDecoder(maxBytes: options.maxFrameBytes)
        var frames = 0
        try ExperienceFile.forEachFrame(in: dataset, maxFrameBytes: options.maxFrameBytes) { bytes in
            frames += 1
            do {
                guard case .experience(let chunk) = try decoder.decode(bytes) else {
                    state.shared.withLock { $0.rejections.count("wrong_message") }
                    return
                }
                ingest.ingest(chunk)
            } catch let error as WireDecodeError {
                state.shared.withLock { $0.rejections.count(error.reason) }
            }
        }
        let (steps, rejected) = state.shared.withLock { ($0.stepsReceived, $0.rejections.total) }
        logger.info("dataset \(dataset.path): \(frames) frames, \(steps) steps stored, \(rejected) rejected")
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}

/// The endpoints a learner actually bound (ports chosen by the OS for `:*` included).
public final class BoundEndpoints: Sendable {
    let table = Mutex<[String: String]>([:])
    public var all: [String: String] { table.withLock { $0 } }
    func set(_ name: String, _ endpoint: String) { table.withLock { $0[name] = endpoint } }
}

/// The learner could not bind one of its ports.
public struct BindError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
