import CZeroMQ
import Foundation
import Synchronization
import Transport

/// The learner's control loop, on its own thread: a ROUTER socket that answers
/// hello (refusing a mismatched model config), weight requests, heartbeats and
/// stats, and that can tell every actor to shut down.
public final class ControlService: Sendable {
    public let endpoint: String
    let configFingerprint: UInt64
    let learnerID: String
    let heartbeatIntervalMilliseconds: UInt32
    let state: LearnerState
    let context: ZMQContext
    /// Set to ask the loop to send `shutdown` to every actor it knows, then stop.
    let shutdownReason = Mutex<String?>(nil)
    /// CURVE server keys; nil for plain TCP.
    let curve: CurveKeyPair?

    public init(
        context: ZMQContext, endpoint: String, configFingerprint: UInt64, learnerID: String,
        heartbeatIntervalMilliseconds: UInt32, state: LearnerState, curve: CurveKeyPair? = nil
    ) {
        self.context = context
        self.curve = curve
        self.endpoint = endpoint
        self.configFingerprint = configFingerprint
        self.learnerID = learnerID
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        self.state = state
    }

    /// The refusal an actor gets when the learner does not know it (after a learner restart).
    public static let unknownPeerReason = "unknown peer: send hello again"

    /// Asks the loop to tell every actor to shut down and then return.
    public func requestShutdown(reason: String) {
        shutdownReason.withLock { $0 = reason }
    }

    public func run(bound: @Sendable (String) -> Void) throws {
        let router = try ZMQSocket(context, .router)
        defer { router.close() }
        try LearnerIOThreads.pin(router, to: LearnerIOThreads.control, in: context)
        try router.setMaxMessageSize(1 << 20)
        try router.setLinger(milliseconds: 500)
        try router.setTCPKeepalive()
        // An actor back from a partition dials again under the same routing id while its old
        // connection still looks alive here: the new connection takes over (without this,
        // libzmq ignores it, and the actor's hello and heartbeats go nowhere).
        try router.setOption(ZMQ_ROUTER_HANDOVER, 1)
        try router.setReceiveTimeout(milliseconds: 100)
        if let curve { try router.makeCurveServer(keys: curve) }
        try router.bind(endpoint)
        bound(try router.lastEndpoint)
        var identities: [String: [UInt8]] = [:]
        let decoder = WireDecoder(maxBytes: 1 << 20)
        var lastExpiry = -Double.infinity
        while true {
            if let reason = shutdownReason.withLock({ $0 }) {
                let frame = WireCodec.encode(.shutdown(reason: reason))
                for identity in identities.values {
                    _ = try? router.sendMultipart([identity, frame], dontWait: true)
                }
                return
            }
            let frames: [[UInt8]]?
            do {
                frames = try router.receiveMultipart()
            } catch {
                // A terminated context is the signal to stop; anything else is a real failure.
                if error.isContextTerminated { return }
                throw error
            }
            let now = state.now
            let updates = state.updates.load(ordering: .relaxed)
            state.shared.withLock { $0.history.record(time: now, steps: $0.stepsReceived, updates: updates) }
            // On a clock, not only when the socket is idle: hundreds of actors' heartbeats
            // keep it busy, and silent actors must still be declared dead and reaped.
            if frames == nil || now - lastExpiry >= 0.25 {
                lastExpiry = now
                let reaped = state.shared.withLock { s -> [PeerTable.Peer] in
                    s.peers.expire(now: now)
                    let gone = s.peers.reap(now: now)
                    for peer in gone { s.lastSequence[peer.incarnation] = nil }
                    return gone
                }
                for peer in reaped { identities[peer.actorID] = nil }
            }
            guard let frames else { continue }
            guard frames.count == 2 else {
                state.shared.withLock { $0.rejections.count("control_framing") }
                continue
            }
            let identity = frames[0]
            let message: WireMessage
            do {
                message = try frames[1].withUnsafeBytes { raw in
                    Result { () throws(WireDecodeError) in try decoder.decode(raw) }
                }.get()
            } catch {
                state.shared.withLock { $0.rejections.count(error.reason) }
                continue
            }
            if let reply = handle(message, now: state.now) {
                if case .helloReply(let r) = reply, r.accepted, case .hello(let hello) = message {
                    identities[hello.actorID] = identity
                }
                _ = try? router.sendMultipart([identity, WireCodec.encode(reply)], dontWait: true)
            }
            if case .weightsRequest = message {
                let frame = state.shared.withLock { $0.weightsFrame }
                if !frame.isEmpty {
                    _ = try? router.sendMultipart([identity, frame], dontWait: true)
                }
            }
        }
    }

    /// The reply to one control message, if it needs one; updates the shared state.
    func handle(_ message: WireMessage, now: Double) -> WireMessage? {
        switch message {
        case .hello(let hello):
            guard hello.configFingerprint == configFingerprint else {
                state.shared.withLock { $0.rejections.count("config_fingerprint") }
                return .helloReply(HelloReply(
                    accepted: false,
                    reason: String(format: "model config fingerprint %016llx differs from the learner's %016llx: start the actor with the learner's config", hello.configFingerprint, configFingerprint),
                    learnerID: learnerID, weightsVersion: 0, heartbeatIntervalMilliseconds: heartbeatIntervalMilliseconds))
            }
            let version = state.shared.withLock { s in
                s.peers.hello(hello, now: now)
                return s.weightsVersion
            }
            return .helloReply(HelloReply(
                accepted: true, reason: "", learnerID: learnerID, weightsVersion: version,
                heartbeatIntervalMilliseconds: heartbeatIntervalMilliseconds))
        case .heartbeat(let beat):
            let known = state.shared.withLock { s in
                s.peers.seen(beat.actorID, incarnation: beat.incarnation, now: now)
                return s.peers.knows(beat.actorID, incarnation: beat.incarnation)
            }
            // A learner that restarted does not know its actors yet: ask them to say hello again.
            return known ? nil : .helloReply(HelloReply(
                accepted: false, reason: Self.unknownPeerReason, learnerID: learnerID, weightsVersion: 0,
                heartbeatIntervalMilliseconds: heartbeatIntervalMilliseconds))
        case .stats(let stats):
            state.shared.withLock { $0.peers.record(stats, now: now) }
            return nil
        case .weightsRequest:
            return nil
        case .statusRequest:
            return .statusReply(status(now: now))
        case .experience, .weights, .helloReply, .shutdown, .statusReply:
            state.shared.withLock { $0.rejections.count("control_unexpected_\(message.kind)") }
            return nil
        }
    }

    /// The cluster as this learner sees it now, for `icrl top`.
    func status(now: Double) -> ClusterStatus {
        let updates = state.updates.load(ordering: .relaxed)
        let interval = Double(heartbeatIntervalMilliseconds) / 1000
        var status = state.shared.withLock { s -> ClusterStatus in
            let version = s.weightsVersion
            let actors = s.peers.peers.values.sorted { $0.actorID < $1.actorID }.map { peer -> ActorStatus in
                let silent = max(0, now - peer.lastSeen)
                let state: ActorStatus.State = !peer.alive ? .dead : silent > 2 * interval ? .stale : .live
                var episodesPerSecond = 0.0
                if let stats = peer.stats, let before = peer.previousStats, peer.statsTime > peer.previousStatsTime {
                    episodesPerSecond = Double(stats.episodes &- before.episodes) / (peer.statsTime - peer.previousStatsTime)
                }
                var time: [String: Double] = [:]
                if let split = peer.stats?.time, split.wall > 0 {
                    for (name, seconds) in split.stages { time[name] = min(1, seconds / split.wall) }
                }
                return ActorStatus(
                    actorID: peer.actorID, host: peer.host, pid: peer.pid, state: state, secondsSinceSeen: silent,
                    envStepsPerSecond: peer.stats?.envStepsPerSecond ?? 0, episodesPerSecond: episodesPerSecond,
                    success: peer.stats.map { $0.episodes > 0 ? Double($0.successes) / Double($0.episodes) : 0 } ?? 0,
                    policyVersion: peer.policyVersion, policyLag: version > peer.policyVersion ? version - peer.policyVersion : 0,
                    queueDepth: peer.stats?.queueDepth ?? 0, rssBytes: peer.stats?.rssBytes ?? 0, time: time,
                    stepsReceived: UInt64(max(0, peer.stepsReceived)))
            }
            let r10 = s.history.rate(over: 10), r60 = s.history.rate(over: 60), r300 = s.history.rate(over: 300)
            return ClusterStatus(
                learnerID: learnerID, elapsedSeconds: now, updates: UInt64(max(0, updates)), updatesPerSecond: r10.updates,
                envStepsPerSecond10s: r10.steps, envStepsPerSecond60s: r60.steps, envStepsPerSecond300s: r300.steps,
                replaySteps: UInt64(s.replay.storedSteps), replayCapacity: UInt64(s.replay.capacitySteps),
                rejections: UInt64(s.rejections.total), rssBytes: UInt64(ProcessResources.residentBytes ?? 0),
                weightsVersion: version, envSteps: UInt64(max(0, s.stepsReceived)), actors: actors, ranks: s.ranks)
        }
        let live = status.actors.filter { $0.state == .live }
        if !live.isEmpty {
            let lags = live.map(\.policyLag)
            status.policyLagMin = lags.min() ?? 0
            status.policyLagMax = lags.max() ?? 0
            status.policyLagAvg = Double(lags.reduce(0, +)) / Double(lags.count)
            let rates = live.map(\.envStepsPerSecond).sorted()
            let median = rates[rates.count / 2]
            // A lone actor has nobody to lag behind.
            if live.count >= 2 {
                for i in status.actors.indices where status.actors[i].state == .live {
                    status.actors[i].straggler = status.actors[i].envStepsPerSecond < 0.5 * median
                }
            }
        }
        return status
    }
}
