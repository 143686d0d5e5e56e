import CProtobufC
import Foundation
import ICRLWire

extension WireCodec {
    /// Decodes one envelope. Every failure is a `WireDecodeError` that names the
    /// problem; nothing the bytes contain can crash the process, and the C
    /// structures protobuf-c allocates are always freed.
    ///
    /// - Parameters:
    ///   - maxBytes: frames longer than this are refused before parsing.
    ///   - allocator: protobuf-c allocator for the temporary C structures (tests
    ///     pass a counting one to prove nothing leaks); nil uses malloc.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer,
        maxBytes: Int = .max,
        allocator: UnsafeMutablePointer<ProtobufCAllocator>? = nil
    ) throws(WireDecodeError) -> WireMessage {
        guard bytes.count <= maxBytes else { throw .oversized(byteCount: bytes.count, limit: maxBytes) }
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // protobuf-c reads nothing for an empty buffer, but wants a valid pointer.
        var empty: UInt8 = 0
        guard let envelope = withUnsafePointer(to: &empty, { icrl__envelope__unpack(allocator, bytes.count, data ?? $0) }) else {
            throw .malformed(byteCount: bytes.count)
        }
        defer { icrl__envelope__free_unpacked(envelope, allocator) }
        let e = envelope.pointee
        guard e.schema_version == wireSchemaVersion else {
            throw .unsupportedSchemaVersion(received: e.schema_version, supported: wireSchemaVersion)
        }
        switch e.body_case {
        case ICRL__ENVELOPE__BODY_EXPERIENCE:
            return .experience(try experience(e.experience.pointee))
        case ICRL__ENVELOPE__BODY_WEIGHTS:
            return .weights(try weights(e.weights.pointee))
        case ICRL__ENVELOPE__BODY_HELLO:
            let c = e.hello.pointee
            return .hello(Hello(
                actorID: string(c.actor_id), host: string(c.host), pid: c.pid,
                configFingerprint: c.config_fingerprint, incarnation: c.incarnation, environments: c.environments))
        case ICRL__ENVELOPE__BODY_HELLO_REPLY:
            let c = e.hello_reply.pointee
            return .helloReply(HelloReply(
                accepted: c.accepted != 0, reason: string(c.reason), learnerID: string(c.learner_id),
                weightsVersion: c.weights_version, heartbeatIntervalMilliseconds: c.heartbeat_interval_ms))
        case ICRL__ENVELOPE__BODY_WEIGHTS_REQUEST:
            let c = e.weights_request.pointee
            return .weightsRequest(WeightsRequest(actorID: string(c.actor_id), haveVersion: c.have_version))
        case ICRL__ENVELOPE__BODY_HEARTBEAT:
            let c = e.heartbeat.pointee
            return .heartbeat(Heartbeat(
                actorID: string(c.actor_id), incarnation: c.incarnation,
                unixTimeMilliseconds: c.unix_time_ms, policyVersion: c.policy_version))
        case ICRL__ENVELOPE__BODY_STATS:
            let c = e.stats.pointee
            return .stats(ActorStats(
                actorID: string(c.actor_id), incarnation: c.incarnation, envSteps: c.env_steps,
                episodes: c.episodes, successes: c.successes, envStepsPerSecond: c.env_steps_per_second,
                inferenceMilliseconds: c.inference_ms, chunksSent: c.chunks_sent, chunksDropped: c.chunks_dropped,
                time: ActorTimeSplit(wall: c.wall_s, env: c.env_s, inference: c.inference_s, send: c.send_s,
                                     backpressure: c.backpressure_s, weights: c.weights_s),
                rssBytes: c.rss_bytes, queueDepth: c.queue_depth))
        case ICRL__ENVELOPE__BODY_SHUTDOWN:
            return .shutdown(reason: string(e.shutdown.pointee.reason))
        case ICRL__ENVELOPE__BODY_STATUS_REQUEST:
            return .statusRequest(client: string(e.status_request.pointee.client))
        case ICRL__ENVELOPE__BODY_STATUS_REPLY:
            return .statusReply(try status(e.status_reply.pointee))
        default:
            throw .missingBody
        }
    }

    /// Decodes one envelope held in an array.
    public static func decode(_ bytes: [UInt8], maxBytes: Int = .max) throws(WireDecodeError) -> WireMessage {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(WireDecodeError) in try decode(raw, maxBytes: maxBytes) }
        }.get()
    }

    /// Decodes the frame held by a received ZeroMQ message, without copying it first.
    public static func decode(_ message: ZMQMessage, maxBytes: Int = .max) throws(WireDecodeError) -> WireMessage {
        try message.withUnsafeBytes { (raw) throws(WireDecodeError) -> WireMessage in
            try decode(raw, maxBytes: maxBytes)
        }
    }

    private static func string(_ c: UnsafeMutablePointer<CChar>?) -> String {
        // Invalid UTF-8 from a peer is repaired (U+FFFD), never trusted.
        guard let c else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: c, count: strlen(c)), as: UTF8.self)
    }

    private static func array<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int) -> [T] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    private static func experience(_ c: Icrl__ExperienceChunk) throws(WireDecodeError) -> ExperienceChunk {
        guard let behaviour = Behaviour(rawValue: numericCast(c.behaviour.rawValue)) else {
            throw .invalidField(name: "behaviour", detail: "unknown value \(c.behaviour.rawValue)")
        }
        return ExperienceChunk(
            actorID: string(c.actor_id), incarnation: c.incarnation, trialID: c.trial_id,
            sequence: c.sequence, policyVersion: c.policy_version, configFingerprint: c.config_fingerprint,
            mapRows: c.map_rows, mapCols: c.map_cols, firstStep: c.first_step, trialDone: c.trial_done != 0,
            behaviour: behaviour,
            observations: array(c.observations, c.n_observations),
            actions: array(c.actions, c.n_actions),
            rewards: array(c.rewards, c.n_rewards),
            nextObservations: array(c.next_observations, c.n_next_observations),
            flags: array(c.flags, c.n_flags))
    }

    private static func status(_ c: Icrl__StatusReply) throws(WireDecodeError) -> ClusterStatus {
        var actors: [ActorStatus] = []
        for i in 0..<c.n_actors {
            guard let a = c.actors[i]?.pointee else { continue }
            let stateName = string(a.state)
            guard let state = ActorStatus.State(rawValue: stateName) else {
                throw .invalidField(name: "actors.state", detail: "unknown state '\(stateName)'")
            }
            actors.append(ActorStatus(
                actorID: string(a.actor_id), host: string(a.host), pid: a.pid, state: state,
                secondsSinceSeen: a.seconds_since_seen, envStepsPerSecond: a.env_steps_per_second,
                episodesPerSecond: a.episodes_per_second, success: a.success, policyVersion: a.policy_version,
                policyLag: a.policy_lag, queueDepth: a.queue_depth, rssBytes: a.rss_bytes,
                time: ["env": a.env_share, "inference": a.inference_share, "send": a.send_share,
                       "backpressure": a.backpressure_share, "weights": a.weights_share],
                stepsReceived: a.steps_received, straggler: a.straggler != 0))
        }
        var ranks: [LearnerRankStatus] = []
        for i in 0..<c.n_ranks {
            guard let r = c.ranks[i]?.pointee else { continue }
            ranks.append(LearnerRankStatus(
                rank: r.rank, replaySteps: r.replay_steps, replayTrials: r.replay_trials, updates: r.updates, rejections: r.rejections,
                time: ["sample": r.sample_share, "forward_backward": r.forward_backward_share, "allreduce": r.allreduce_share,
                       "sync": r.sync_share]))
        }
        return ClusterStatus(
            learnerID: string(c.learner_id), elapsedSeconds: c.elapsed_s, updates: c.updates,
            updatesPerSecond: c.updates_per_second, envStepsPerSecond10s: c.env_steps_per_second_10s,
            envStepsPerSecond60s: c.env_steps_per_second_60s, envStepsPerSecond300s: c.env_steps_per_second_300s,
            replaySteps: c.replay_steps, replayCapacity: c.replay_capacity, policyLagMin: c.policy_lag_min,
            policyLagAvg: c.policy_lag_avg, policyLagMax: c.policy_lag_max, rejections: c.rejections,
            rssBytes: c.rss_bytes, weightsVersion: c.weights_version, envSteps: c.env_steps, actors: actors,
            ranks: ranks)
    }

    private static func weights(_ c: Icrl__Weights) throws(WireDecodeError) -> WeightsMessage {
        var tensors: [WireTensor] = []
        tensors.reserveCapacity(c.n_tensors)
        for i in 0..<c.n_tensors {
            guard let t = c.tensors[i]?.pointee else { continue }
            let name = string(t.name)
            let shape = array(t.shape, t.n_shape)
            var elements = 1
            for dim in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dim))
                guard !overflow else { throw .badTensor(name: name, detail: "shape \(shape) overflows") }
                elements = product
            }
            guard t.data.len == elements * MemoryLayout<Float>.size else {
                throw .badTensor(name: name, detail: "shape \(shape) needs \(elements * 4) bytes, got \(t.data.len)")
            }
            var values = [Float](repeating: 0, count: elements)
            if elements > 0, let source = t.data.data {
                // The bytes may sit at any alignment inside the frame: copy, don't rebind.
                values.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: source, count: t.data.len)) }
            }
            tensors.append(WireTensor(name: name, shape: shape, values: values))
        }
        return WeightsMessage(
            version: c.version, configFingerprint: c.config_fingerprint,
            configJSON: string(c.config_json), tensors: tensors)
    }
}
