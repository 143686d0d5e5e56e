import CZeroMQ
import DQN
import Foundation
import FrozenLake
import Logging
import NN
import Synchronization
import Transport

/// `icrl actor`: joins a learner, takes its configuration and weights, runs a batch of
/// FrozenLake trials through a KV-cache decoder, and ships experience chunks. It waits
/// for a learner that is not up yet, survives learner restarts (ZeroMQ reconnects; the
/// actor says hello again when asked), and leaves cleanly on shutdown or SIGTERM.
public final class ActorService {
    public struct Options: Sendable {
        public var endpoints: Endpoints
        public var actorID: String
        public var seed: UInt64
        /// Changes to the learner's rollout settings for this actor only (environments,
        /// behaviour mix, ε); they do not touch the model, so the fingerprint still matches.
        public var rolloutOverrides: @Sendable (inout RolloutConfig) -> Void = { _ in }
        /// Stop after this many seconds (nil: until shutdown).
        public var maxSeconds: Double?
        /// Chunks held locally while the learner is unreachable; older ones are dropped (counted).
        public var maxPendingChunks = 20_000
        /// Chunks waiting to be sent before the actor pauses its environments.
        public var backlogChunks = 16
        public var statsSeconds: Double = 5
        /// Talk CURVE (encrypted, authenticated) to a learner that requires it.
        public var curve: CurveClientSettings?

        public init(endpoints: Endpoints, actorID: String, seed: UInt64) {
            self.endpoints = endpoints
            self.actorID = actorID
            self.seed = seed
        }
    }

    /// Why the actor stopped early.
    public struct RefusedError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "the learner refused this actor: \(reason)" }
    }

    public let options: Options
    let logger: Logger
    let incarnation: UInt64

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
        var generator = SystemRandomNumberGenerator()
        incarnation = generator.next() | 1
    }

    public func run(stop: borrowing Atomic<Bool>) throws {
        let context = try ZMQContext()
        let control = try ZMQSocket(context, .dealer)
        try control.setLinger(milliseconds: 0)
        try control.setLivenessChecks()
        // Unique per process, so a restarted actor is a new connection to the ROUTER.
        try control.setOption(ZMQ_ROUTING_ID, bytes: Array("\(options.actorID)/\(String(incarnation, radix: 16))".utf8))
        // Handshake failures (a refused key, CURVE on one side only) are reported on the
        // control socket's monitor, so the actor can say why it cannot join.
        let monitorEndpoint = "inproc://icrl-actor-monitor-\(incarnation)"
        try control.startMonitor(endpoint: monitorEndpoint, events: Self.handshakeEvents)
        let monitor = try ZMQSocket(context, .pair)
        try monitor.setLinger(milliseconds: 0)
        try monitor.connect(monitorEndpoint)
        if let curve = options.curve { try control.makeCurveClient(serverKey: curve.learnerPublicKey, keys: curve.keys) }
        try control.connect(options.endpoints.control)
        let weightsSocket = try ZMQSocket(context, .sub)
        try weightsSocket.setLivenessChecks()
        try weightsSocket.setOption(ZMQ_RCVHWM, 2)
        try weightsSocket.subscribe()
        if let curve = options.curve { try weightsSocket.makeCurveClient(serverKey: curve.learnerPublicKey, keys: curve.keys) }
        try weightsSocket.connect(options.endpoints.weights)
        let push = try ZMQSocket(context, .push)
        // No TCP_USER_TIMEOUT here: the learner throttles this connection on purpose, and the
        // kernel then aborts a healthy link (zero-window probes count against the timeout),
        // losing what was in flight and reordering what was not. After a partition the
        // socket is re-dialled when the control connection comes back instead.
        try push.setOption(ZMQ_CONNECT_TIMEOUT, 2_000)
        // A short send queue: experience waiting in queues goes stale (policy lag), and the
        // learner's back-pressure should reach the environments quickly.
        try push.setOption(ZMQ_SNDHWM, 16)
        // Kernel socket buffers hold experience too (megabytes on loopback by default):
        // keep them small so back-pressure is felt in milliseconds, not minutes.
        try push.setOption(ZMQ_SNDBUF, 64 << 10)
        try push.setLinger(milliseconds: 2_000)
        if let curve = options.curve { try push.makeCurveClient(serverKey: curve.learnerPublicKey, keys: curve.keys) }
        try push.connect(options.endpoints.experience)
        defer {
            monitor.close()
            push.close()
            weightsSocket.close()
            control.close()
        }
        let decoder = WireDecoder()
        let clock = ContinuousClock()
        let start = clock.now

        // 1. The learner's configuration and current weights.
        var firstWeights: WeightsMessage?
        var lastAsk = clock.now - .seconds(10)
        var handshakeFailures = 0
        var lostControl = false
        logger.info("actor \(options.actorID) joining learner at \(options.endpoints.experience) (seed \(options.seed))")
        while firstWeights == nil {
            if stop.load(ordering: .relaxed) { return }
            if clock.now - lastAsk > .seconds(2) {
                _ = try control.send(WireCodec.encode(.weightsRequest(WeightsRequest(actorID: options.actorID, haveVersion: 0))), dontWait: true)
                if clock.now - start > .seconds(3) { logger.info("waiting for the learner at \(options.endpoints.control)") }
                lastAsk = clock.now
            }
            try checkHandshake(monitor, failures: &handshakeFailures, lostControl: &lostControl)
            try control.setReceiveTimeout(milliseconds: 200)
            if let message = try control.receiveMessage(), case .weights(let w)? = try? decoder.decode(message) {
                firstWeights = w
            }
        }
        var config = try RunConfig.from(json: firstWeights!.configJSON)
        options.rolloutOverrides(&config.rollout)
        guard config.fingerprint == firstWeights!.configFingerprint else {
            throw RefusedError(reason: "the learner's weights do not match its own config (fingerprint)")
        }
        do { try config.validate() } catch { throw RefusedError(reason: "the learner's config cannot run: \(error)") }
        let model = try Transformer(config: config.model, seed: 0)
        try load(firstWeights!, into: model)
        var version = firstWeights!.version
        let policy = try DecoderPolicy(model: model, sequences: config.rollout.environments, run: config)
        let tokenizer = Tokenizer(config: config.tokenizer)
        let worker = try RolloutWorker(config: config.rollout, tokenizer: tokenizer, incarnation: incarnation, seed: options.seed)

        // 2. Hello.
        let hello = WireCodec.encode(.hello(Hello(
            actorID: options.actorID, host: ProcessInfo.processInfo.hostName, pid: UInt32(getpid()),
            configFingerprint: config.fingerprint, incarnation: incarnation, environments: UInt32(config.rollout.environments))))
        _ = try control.send(hello, dontWait: true)

        // 3. Roll out.
        var builders = (0..<config.rollout.environments).map { _ in
            ChunkBuilder(actorID: options.actorID, incarnation: incarnation, configFingerprint: config.fingerprint, capacity: config.rollout.chunkSteps)
        }
        for i in builders.indices { builders[i].beginTrial() }
        var pending: [[UInt8]] = []
        var pendingHead = 0
        var sequence: UInt64 = 0
        var sent = 0, dropped = 0
        var lastHeartbeat = clock.now, lastStats = clock.now
        var statsSteps = 0
        var statsInference = 0.0, statsCalls = 0
        // Seconds per stage since the last stats message (inference is read off the policy).
        var stepSeconds = 0.0, sendSeconds = 0.0, backpressureSeconds = 0.0, weightsSeconds = 0.0
        let heartbeatEvery = Duration.milliseconds(500)
        while !stop.load(ordering: .relaxed) {
            if let maxSeconds = options.maxSeconds, (clock.now - start).seconds >= maxSeconds { break }
            let weightsStart = clock.now
            // Newest weights win; older broadcasts still queued are skipped.
            var newest: WeightsMessage?
            while let message = try weightsSocket.receiveMessage(dontWait: true) {
                if case .weights(let w)? = try? decoder.decode(message), w.configFingerprint == config.fingerprint, w.version > version {
                    newest = w
                }
            }
            if let newest {
                do {
                    try load(newest, into: model)
                    version = newest.version
                    // The trials in flight keep their context, encoded by the new weights.
                    policy.refreshAfterWeightsChange()
                } catch {
                    logger.warning("ignoring weights version \(newest.version): \(error)")
                }
            }
            let stepStart = clock.now
            weightsSeconds += (stepStart - weightsStart).seconds
            let epsilon = config.rollout.epsilon(updates: Int(version))
            // Back-pressure: while the learner is not taking chunks, wait instead of piling them up.
            let backlog = pending.count - pendingHead
            if backlog >= options.backlogChunks {
                Thread.sleep(forTimeInterval: 0.001)
                backpressureSeconds += (clock.now - stepStart).seconds
            } else {
                var encodeSeconds = 0.0
                worker.step(policy: policy, epsilon: epsilon) { s in
                    for chunk in builders[s.slot].add(s, policyVersion: version, sequence: &sequence) {
                        let encodeStart = clock.now
                        pending.append(WireCodec.encode(chunk))
                        encodeSeconds += (clock.now - encodeStart).seconds
                    }
                }
                stepSeconds += (clock.now - stepStart).seconds - encodeSeconds
                sendSeconds += encodeSeconds
                statsSteps += config.rollout.environments
            }
            // Ship what the learner will take now; keep the rest, bounded.
            let sendStart = clock.now
            while pendingHead < pending.count, try push.send(pending[pendingHead], dontWait: true) {
                pendingHead += 1
                sent += 1
            }
            sendSeconds += (clock.now - sendStart).seconds
            if pending.count - pendingHead > options.maxPendingChunks {
                let excess = pending.count - pendingHead - options.maxPendingChunks
                dropped += excess
                pendingHead += excess
            }
            if pendingHead > 4_096 || pendingHead == pending.count {
                pending.removeFirst(pendingHead)
                pendingHead = 0
            }
            // Control: heartbeats, stats, and what the learner says.
            let now = clock.now
            if now - lastHeartbeat >= heartbeatEvery {
                lastHeartbeat = now
                // Keep draining the monitor: libzmq blocks its I/O thread once ~1000 unread
                // events pile up (a learner that restarted and now refuses us reconnects 10×/s).
                if try checkHandshake(monitor, failures: &handshakeFailures, lostControl: &lostControl) {
                    // Retransmissions to a peer that was unreachable back off to tens of
                    // seconds; a fresh connection resumes now. What sat in the old one is lost
                    // either way, and the learner counts it.
                    try push.disconnect(options.endpoints.experience)
                    try push.connect(options.endpoints.experience)
                    logger.info("control connection to the learner is back: re-dialled the experience socket")
                }
                _ = try control.send(WireCodec.encode(.heartbeat(Heartbeat(
                    actorID: options.actorID, incarnation: incarnation,
                    unixTimeMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000), policyVersion: version))), dontWait: true)
            }
            while let message = try control.receiveMessage(dontWait: true) {
                switch try? decoder.decode(message) {
                case .shutdown(let reason)?:
                    logger.info("learner asked actors to stop: \(reason)")
                    stop.store(true, ordering: .relaxed)
                case .helloReply(let reply)? where !reply.accepted:
                    if reply.reason == ControlService.unknownPeerReason {
                        _ = try control.send(hello, dontWait: true)
                    } else {
                        throw RefusedError(reason: reply.reason)
                    }
                default:
                    break
                }
            }
            if (now - lastStats).seconds >= options.statsSeconds {
                let dt = (now - lastStats).seconds
                lastStats = now
                let inferenceSeconds = policy.inferenceSeconds - statsInference
                let inferenceMs = inferenceSeconds * 1000 / Double(max(1, policy.inferenceCalls - statsCalls))
                statsInference = policy.inferenceSeconds
                statsCalls = policy.inferenceCalls
                let episodes = worker.episodes.values.reduce(0, +), wins = worker.successes.values.reduce(0, +)
                // Inference happens inside the rollout step; the rest of the step is the environments'.
                let time = ActorTimeSplit(
                    wall: dt, env: max(0, stepSeconds - inferenceSeconds), inference: min(inferenceSeconds, stepSeconds),
                    send: sendSeconds, backpressure: backpressureSeconds, weights: weightsSeconds)
                stepSeconds = 0; sendSeconds = 0; backpressureSeconds = 0; weightsSeconds = 0
                let stats = ActorStats(
                    actorID: options.actorID, incarnation: incarnation, envSteps: UInt64(worker.stepsTaken),
                    episodes: UInt64(episodes), successes: UInt64(wins), envStepsPerSecond: Double(statsSteps) / dt,
                    inferenceMilliseconds: inferenceMs, chunksSent: UInt64(sent), chunksDropped: UInt64(dropped), time: time,
                    rssBytes: UInt64(ProcessResources.residentBytes ?? 0), queueDepth: UInt64(pending.count - pendingHead))
                _ = try control.send(WireCodec.encode(.stats(stats)), dontWait: true)
                let split = time.stages.map { "\($0.name) \(Int(($0.seconds / max(dt, 1e-9) * 100).rounded()))%" }.joined(separator: " ")
                logger.info("""
                    env steps/s \(String(format: "%.0f", stats.envStepsPerSecond)) inference \(String(format: "%.2f", inferenceMs)) ms/step \
                    weights v\(version) epsilon \(String(format: "%.3f", epsilon)) chunks sent \(sent) queued \(pending.count - pendingHead) dropped \(dropped) \
                    time: \(split)
                    """)
                statsSteps = 0
            }
        }
        logger.info("actor \(options.actorID) stopping: \(sent) chunks sent, \(dropped) dropped, \(pending.count - pendingHead) unsent")
    }

    private func load(_ weights: WeightsMessage, into model: Transformer) throws {
        try model.importTensors(weights.tensors.map { NamedTensor(name: $0.name, shape: $0.shape.map { Int($0) }, values: $0.values) })
    }
}

extension Behaviour {
    public init(_ behaviour: RolloutBehaviour) {
        switch behaviour {
        case .model: self = .model
        case .random: self = .random
        case .qlearning: self = .qlearning
        case .oracle: self = .oracle
        }
    }
}
