import CZeroMQ
import DQN
import Foundation
import Logging
import Synchronization
import Transport

/// The learner's experience loop, on its own thread: PULL → decode → validate →
/// replay. Every refused frame is counted by reason; nothing is dropped silently.
public final class ExperienceIngest: Sendable {
    public let endpoint: String
    public let maxFrameBytes: Int
    let validator: ExperienceValidator
    let tokenizer: Tokenizer
    let state: LearnerState
    let context: ZMQContext
    /// CURVE server keys; nil for plain TCP.
    let curve: CurveKeyPair?
    /// Where chunks lost in transit and dropped connections are reported.
    let logger: Logger
    /// False on a data-parallel follower: it sees only its own trials' chunks, so its
    /// actors' sequences skip by design (rank 0 counts what was lost in transit).
    let tracksSequences: Bool
    /// Sequence jumps seen so far; only the first and every 50th is logged, since a peer that
    /// sends jumping sequence numbers on purpose would otherwise write a line per chunk
    /// (`transport/lost_chunks` counts every one).
    let jumpsSeen = Atomic<Int>(0)

    public init(
        context: ZMQContext, endpoint: String, maxFrameBytes: Int, validator: ExperienceValidator, tokenizer: Tokenizer,
        state: LearnerState, curve: CurveKeyPair? = nil, logger: Logger = Logger(label: "icrl.learner.ingest"),
        tracksSequences: Bool = true
    ) {
        self.logger = logger
        self.tracksSequences = tracksSequences
        self.context = context
        self.curve = curve
        self.endpoint = endpoint
        self.maxFrameBytes = maxFrameBytes
        self.validator = validator
        self.tokenizer = tokenizer
        self.state = state
    }

    /// Binds and receives until the context shuts down. Returns the bound endpoint through `bound`.
    public func run(bound: @Sendable (String) -> Void) throws {
        let pull = try ZMQSocket(context, .pull)
        defer { pull.close() }
        try LearnerIOThreads.pin(pull, to: LearnerIOThreads.bulk, in: context)
        // libzmq drops a peer that sends a larger frame before we ever see it; the frame
        // never reaches decode, so the validator's size check covers the rest.
        try pull.setMaxMessageSize(Int64(maxFrameBytes))
        // Per connection; small, so a throttled learner holds little stale experience.
        try pull.setHighWaterMark(64)
        try pull.setOption(ZMQ_RCVBUF, 64 << 10)
        try pull.setLinger(milliseconds: 0)
        // A partitioned or vanished actor's connection is freed by TCP keepalive (the actor
        // re-dials when the link heals). Not ZMTP heartbeats on this side: libzmq 4.3 aborts
        // when a connection fails with output pending (libzmq #4841), and heartbeats would
        // give every actor connection pending output.
        try pull.setTCPKeepalive()
        try pull.setReceiveTimeout(milliseconds: 100)
        if let curve { try pull.makeCurveServer(keys: curve) }
        try pull.bind(endpoint)
        // Frames over ZMQ_MAXMSGSIZE never reach us: libzmq closes the connection they came
        // on. The socket monitor's DISCONNECTED events are how those drops get counted.
        let monitorEndpoint = "inproc://icrl-ingest-monitor-\(UInt64.random(in: 0...UInt64.max))"
        try pull.startMonitor(endpoint: monitorEndpoint, events: ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED)
        let monitor = try ZMQSocket(context, .pair)
        defer { monitor.close() }
        try monitor.setLinger(milliseconds: 0)
        try monitor.connect(monitorEndpoint)
        bound(try pull.lastEndpoint)
        let decoder = WireDecoder(maxBytes: maxFrameBytes)
        var sinceMonitorCheck = 0
        while !state.stopping.load(ordering: .relaxed) {
            sinceMonitorCheck += 1
            if sinceMonitorCheck >= 64 {
                sinceMonitorCheck = 0
                try countConnectionEvents(monitor)
            }
            if state.stepsAccepted.load(ordering: .relaxed) >= state.ingestBudget.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: 0.002)
                continue
            }
            let message: ZMQMessage?
            do {
                message = try pull.receiveMessage()
            } catch {
                // A terminated context is the signal to stop; anything else is a real failure.
                if error.isContextTerminated { return }
                throw error
            }
            guard let message else {
                try countConnectionEvents(monitor)
                continue
            }
            let started = DispatchTime.now().uptimeNanoseconds
            ingest(message, decoder: decoder)
            state.ingestNanoseconds.add(Int(DispatchTime.now().uptimeNanoseconds - started), ordering: .relaxed)
        }
        return
    }

    /// Counts the connections libzmq accepted and dropped since the last call.
    private func countConnectionEvents(_ monitor: ZMQSocket) throws {
        var accepted = 0, dropped = 0
        while let event = try monitor.receiveMonitorEvent(dontWait: true) {
            if event.event == ZMQMonitorEvent.accepted { accepted += 1 }
            if event.event == ZMQMonitorEvent.disconnected { dropped += 1 }
        }
        guard accepted + dropped > 0 else { return }
        if dropped > 0 { logger.notice("experience socket: \(dropped) actor connection(s) dropped (a peer gone, a link cut, or a frame over the size limit); chunks queued on them are lost") }
        state.shared.withLock {
            $0.connectionsAccepted += accepted
            $0.connectionsDropped += dropped
        }
    }

    /// Decodes, validates and stores one frame (also used by the offline dataset reader).
    public func ingest(_ message: ZMQMessage, decoder: WireDecoder) {
        let decoded: WireMessage
        do {
            decoded = try decoder.decode(message)
        } catch {
            state.shared.withLock { $0.rejections.count(error.reason) }
            return
        }
        guard case .experience(let chunk) = decoded else {
            state.shared.withLock { $0.rejections.count("wrong_socket") }
            return
        }
        ingest(chunk)
    }

    /// Validates and stores one decoded chunk; on a data-parallel rank 0, a chunk of a
    /// trial another rank owns is validated and queued for that rank instead.
    public func ingest(_ chunk: ExperienceChunk) {
        let now = state.now
        if state.ranks > 1 {
            let owner = DataParallelGroup.owner(incarnation: chunk.incarnation, trialID: chunk.trialID, ranks: state.ranks)
            if owner != 0 {
                forward(chunk, to: owner, now: now)
                return
            }
        }
        let jump = state.shared.withLock { s -> SequenceJump? in
            let steps: [TrialStep]
            do throws(ChunkRefusal) {
                steps = try s.replay.ingest(chunk, validator: validator, tokenizer: tokenizer)
            } catch {
                s.rejections.count(error.reason)
                // It arrived: a later chunk of its actor must not count it as lost in transit.
                return error.wellFormed ? trackSequence(chunk, in: &s) : nil
            }
            return record(chunk, steps: steps, now: now, in: &s)
        }
        report(jump)
    }

    /// A jump in one actor's chunk sequence: the chunks between were lost in transit.
    struct SequenceJump {
        var actorID: String
        var last: UInt64
        var next: UInt64
    }

    /// Counts sequence gaps (chunks lost between the actor and here) and remembers the newest.
    @discardableResult
    private func trackSequence(_ chunk: ExperienceChunk, in s: inout LearnerState.Shared) -> SequenceJump? {
        guard tracksSequences else { return nil }
        guard let last = s.lastSequence[chunk.incarnation] else {
            s.lastSequence[chunk.incarnation] = chunk.sequence
            return nil
        }
        // The newest sequence seen, never an older one: a chunk that arrives after a later
        // one (two connections of one actor drained together) must not make every chunk
        // after it look like a jump.
        guard chunk.sequence > last else { return nil }
        s.lastSequence[chunk.incarnation] = chunk.sequence
        // Sequence numbers come from the peer: arithmetic on them must not trap.
        guard chunk.sequence - last > 1 else { return nil }
        let lost = Int(min(chunk.sequence - last - 1, 1 << 32))
        s.lostChunks = s.lostChunks > Int.max - lost ? Int.max : s.lostChunks + lost
        return SequenceJump(actorID: chunk.actorID, last: last, next: chunk.sequence)
    }

    /// Says which actor lost chunks, so that a user can match it with its network's trouble.
    private func report(_ jump: SequenceJump?) {
        guard let jump else { return }
        let seen = jumpsSeen.add(1, ordering: .relaxed).newValue
        guard seen % 50 == 1 else { return }
        logger.warning("""
            \(jump.next - jump.last - 1) chunks from actor \(jump.actorID) lost in transit (sequence \(jump.last) then \(jump.next)): \
            its connection dropped with them queued; the trials they belonged to are refused from here on\
            \(seen > 1 ? " (sequence jump \(seen); only every 50th is logged, transport/lost_chunks counts all)" : "")
            """)
    }

    /// Queues a chunk for the rank that owns its trial. The stateless checks run here, so
    /// refusals of a peer's bytes are counted where the peer is; the owner checks the
    /// trial's continuity and counts those refusals itself (`ranks/rank-R/rejected`).
    private func forward(_ chunk: ExperienceChunk, to owner: Int, now: Double) {
        do throws(ExperienceValidator.Rejection) {
            try validator.validate(chunk)
        } catch {
            state.shared.withLock { $0.rejections.count(error.rawValue) }
            return
        }
        let frame = WireCodec.encode(.experience(chunk))
        let steps = chunk.trialSteps(tokenizer: tokenizer, previous: nil)
        let jump = state.shared.withLock { s in
            s.forwarded[owner].append(frame)
            return record(chunk, steps: steps, now: now, in: &s)
        }
        report(jump)
    }

    /// The counters of an accepted (or forwarded) chunk: steps, episodes, lag, peers.
    private func record(_ chunk: ExperienceChunk, steps: [TrialStep], now: Double, in s: inout LearnerState.Shared) -> SequenceJump? {
        let jump = trackSequence(chunk, in: &s)
        s.stepsReceived += chunk.count
        state.stepsAccepted.add(chunk.count, ordering: .relaxed)
        s.chunksReceived += 1
        for step in steps where step.endsEpisode {
            s.episodesByBehaviour[chunk.behaviour.rawValue, default: 0] += 1
            if step.reward > 0 { s.successesByBehaviour[chunk.behaviour.rawValue, default: 0] += 1 }
        }
        // Versions come from the peer too: arithmetic on them must not trap.
        let lag = s.weightsVersion > chunk.policyVersion ? Int(clamping: s.weightsVersion - chunk.policyVersion) : 0
        s.lagMin = min(s.lagMin, lag)
        s.lagMax = max(s.lagMax, lag)
        s.lagSum += lag
        s.lagCount += 1
        s.peers.received(chunk.actorID, incarnation: chunk.incarnation, policyVersion: chunk.policyVersion, steps: chunk.count)
        return jump
    }
}
