import CZeroMQ
import DQN
import Foundation
import Transport

/// One lightweight actor of a load test (`icrl bench swarm`): real sockets, hello,
/// heartbeats, stats and experience chunks, with trials from a random-walk rollout (valid
/// by construction, no model inference). Many peers share one thread: `pump` does a slice
/// of an actor's work without blocking. Not Sendable.
public final class SwarmPeer {
    public let actorID: String
    public let incarnation: UInt64
    let control: ZMQSocket
    let weights: ZMQSocket
    let push: ZMQSocket
    let worker: RolloutWorker
    var builders: [ChunkBuilder]
    var pending: [[UInt8]] = []
    var sequence: UInt64 = 0
    let hello: [UInt8]
    let fingerprint: UInt64
    var helloSent: Double
    var lastHeartbeat = -Double.infinity
    var lastStats: Double
    var lastWeightsCheck = -Double.infinity
    let decoder = WireDecoder(maxBytes: 64 << 20)
    /// Chunks kept while the learner is not taking them; beyond this the peer stops stepping.
    let backlog = 16

    /// Seconds from each hello to its accepted reply.
    public private(set) var helloRoundTrips: [Double] = []
    public private(set) var policyVersion: UInt64 = 0
    public private(set) var stepsSent = 0
    public private(set) var chunksSent = 0
    public private(set) var refusal: String?
    public private(set) var accepted = false

    /// Connects to `endpoints` and says hello. `config` is the learner's run config (as its
    /// weights carry it); the peer plays `environments` random-walk trials of its rollout.
    public init(
        context: ZMQContext, endpoints: Endpoints, config: RunConfig, actorID: String, incarnation: UInt64,
        environments: Int, seed: UInt64, now: Double, curve: CurveClientSettings? = nil
    ) throws {
        self.actorID = actorID
        self.incarnation = incarnation
        fingerprint = config.fingerprint
        var rollout = config.rollout
        rollout.environments = environments
        rollout.modelWeight = 0
        rollout.oracleWeight = 0
        rollout.qlearningWeight = 0
        rollout.randomWeight = 1
        worker = try RolloutWorker(config: rollout, tokenizer: Tokenizer(config: config.tokenizer), incarnation: incarnation, seed: seed)
        builders = (0..<environments).map { _ in
            ChunkBuilder(actorID: actorID, incarnation: incarnation, configFingerprint: config.fingerprint, capacity: rollout.chunkSteps)
        }
        for i in builders.indices { builders[i].beginTrial() }
        control = try ZMQSocket(context, .dealer)
        weights = try ZMQSocket(context, .sub)
        push = try ZMQSocket(context, .push)
        for socket in [control, weights, push] {
            try socket.setLinger(milliseconds: 0)
            // The experience socket as the actor's: no TCP_USER_TIMEOUT on a throttled link.
            if socket === push { try socket.setOption(ZMQ_CONNECT_TIMEOUT, 2_000) } else { try socket.setLivenessChecks() }
            if let curve { try socket.makeCurveClient(serverKey: curve.learnerPublicKey, keys: curve.keys) }
        }
        try control.setOption(ZMQ_ROUTING_ID, bytes: Array("\(actorID)/\(String(incarnation, radix: 16))".utf8))
        try control.connect(endpoints.control)
        try weights.setOption(ZMQ_RCVHWM, 2)
        try weights.subscribe()
        try weights.connect(endpoints.weights)
        try push.setOption(ZMQ_SNDHWM, 16)
        try push.setOption(ZMQ_SNDBUF, 64 << 10)
        try push.connect(endpoints.experience)
        hello = WireCodec.encode(.hello(Hello(
            actorID: actorID, host: ProcessInfo.processInfo.hostName, pid: UInt32(getpid()),
            configFingerprint: config.fingerprint, incarnation: incarnation, environments: UInt32(environments))))
        _ = try control.send(hello, dontWait: true)
        helloSent = now
        lastStats = now
    }

    /// Closes the sockets. `flush` gives queued chunks up to a second to leave (a clean exit);
    /// without it they are dropped on the floor, as a process killed with -9 drops them.
    public func close(flush: Bool) {
        if flush {
            let deadline = Date().addingTimeInterval(1)
            while !pending.isEmpty, Date() < deadline {
                if (try? push.send(pending[0], dontWait: true)) == true { pending.removeFirst() } else { Thread.sleep(forTimeInterval: 0.001) }
            }
            try? push.setLinger(milliseconds: 1_000)
        }
        control.close()
        weights.close()
        push.close()
    }

    /// Chunks the peer gave up on (none unless `close(flush: false)` drops them).
    public var queuedChunks: Int { pending.count }

    /// One slice of work: step the trials if the learner is taking chunks, send, heartbeat,
    /// stats, read control replies, and note the newest weights version now and then.
    public func pump(now: Double) throws {
        guard refusal == nil else { return }
        if pending.count < backlog {
            worker.step(policy: nil, epsilon: 1) { s in
                for chunk in builders[s.slot].add(s, policyVersion: policyVersion, sequence: &sequence) {
                    pending.append(WireCodec.encode(chunk))
                    stepsSent += chunk.count
                }
            }
        }
        while !pending.isEmpty, try push.send(pending[0], dontWait: true) {
            pending.removeFirst()
            chunksSent += 1
        }
        if now - lastHeartbeat >= 0.5 {
            lastHeartbeat = now
            _ = try control.send(WireCodec.encode(.heartbeat(Heartbeat(
                actorID: actorID, incarnation: incarnation, unixTimeMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000),
                policyVersion: policyVersion))), dontWait: true)
        }
        if now - lastStats >= 5 {
            let dt = now - lastStats
            lastStats = now
            let stats = ActorStats(
                actorID: actorID, incarnation: incarnation, envSteps: UInt64(worker.stepsTaken),
                episodes: UInt64(worker.episodes.values.reduce(0, +)), successes: UInt64(worker.successes.values.reduce(0, +)),
                envStepsPerSecond: 0, inferenceMilliseconds: 0, chunksSent: UInt64(chunksSent), chunksDropped: 0,
                time: ActorTimeSplit(wall: dt), rssBytes: 0, queueDepth: UInt64(pending.count))
            _ = try control.send(WireCodec.encode(.stats(stats)), dontWait: true)
        }
        while let message = try control.receiveMessage(dontWait: true) {
            guard case .helloReply(let reply)? = try? decoder.decode(message) else { continue }
            if reply.accepted {
                if !accepted { helloRoundTrips.append(now - helloSent) }
                accepted = true
            } else if reply.reason == ControlService.unknownPeerReason {
                accepted = false
                helloSent = now
                _ = try control.send(hello, dontWait: true)
            } else {
                refusal = reply.reason
            }
        }
        // Only the newest broadcast matters; decoding each would cost more than the peer's rollout.
        if now - lastWeightsCheck >= 1 {
            lastWeightsCheck = now
            var newest: ZMQMessage?
            while let message = try weights.receiveMessage(dontWait: true) { newest = message }
            if let newest, case .weights(let w)? = try? decoder.decode(newest), w.configFingerprint == fingerprint {
                policyVersion = max(policyVersion, w.version)
            }
        }
    }
}
