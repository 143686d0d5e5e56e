import CProtobufC
import ICRLWire

/// Encodes `WireMessage`s into `icrl.Envelope` bytes and back, through the
/// protobuf-c code generated from `Proto/icrl.proto`.
public enum WireCodec {
    /// The envelope bytes for `message`, stamped with `wireSchemaVersion`.
    public static func encode(_ message: WireMessage, schemaVersion: UInt32 = wireSchemaVersion) -> [UInt8] {
        let arena = CArena()
        var envelope = Icrl__Envelope()
        icrl__envelope__init(&envelope)
        envelope.schema_version = schemaVersion
        switch message {
        case .experience(let chunk):
            return encode(chunk, schemaVersion: schemaVersion)
        case .weights(let weights):
            envelope.body_case = ICRL__ENVELOPE__BODY_WEIGHTS
            envelope.weights = cStruct(weights, arena)
        case .hello(let hello):
            let c = arena.allocate(Icrl__Hello.self, count: 1)
            icrl__hello__init(c)
            c.pointee.actor_id = arena.cString(hello.actorID)
            c.pointee.host = arena.cString(hello.host)
            c.pointee.pid = hello.pid
            c.pointee.config_fingerprint = hello.configFingerprint
            c.pointee.incarnation = hello.incarnation
            c.pointee.environments = hello.environments
            envelope.body_case = ICRL__ENVELOPE__BODY_HELLO
            envelope.hello = c
        case .helloReply(let reply):
            let c = arena.allocate(Icrl__HelloReply.self, count: 1)
            icrl__hello_reply__init(c)
            c.pointee.accepted = reply.accepted ? 1 : 0
            c.pointee.reason = arena.cString(reply.reason)
            c.pointee.learner_id = arena.cString(reply.learnerID)
            c.pointee.weights_version = reply.weightsVersion
            c.pointee.heartbeat_interval_ms = reply.heartbeatIntervalMilliseconds
            envelope.body_case = ICRL__ENVELOPE__BODY_HELLO_REPLY
            envelope.hello_reply = c
        case .weightsRequest(let request):
            let c = arena.allocate(Icrl__WeightsRequest.self, count: 1)
            icrl__weights_request__init(c)
            c.pointee.actor_id = arena.cString(request.actorID)
            c.pointee.have_version = request.haveVersion
            envelope.body_case = ICRL__ENVELOPE__BODY_WEIGHTS_REQUEST
            envelope.weights_request = c
        case .heartbeat(let beat):
            let c = arena.allocate(Icrl__Heartbeat.self, count: 1)
            icrl__heartbeat__init(c)
            c.pointee.actor_id = arena.cString(beat.actorID)
            c.pointee.incarnation = beat.incarnation
            c.pointee.unix_time_ms = beat.unixTimeMilliseconds
            c.pointee.policy_version = beat.policyVersion
            envelope.body_case = ICRL__ENVELOPE__BODY_HEARTBEAT
            envelope.heartbeat = c
        case .stats(let stats):
            let c = arena.allocate(Icrl__Stats.self, count: 1)
            icrl__stats__init(c)
            c.pointee.actor_id = arena.cString(stats.actorID)
            c.pointee.incarnation = stats.incarnation
            c.pointee.env_steps = stats.envSteps
            c.pointee.episodes = stats.episodes
            c.pointee.successes = stats.successes
            c.pointee.env_steps_per_second = stats.envStepsPerSecond
            c.pointee.inference_ms = stats.inferenceMilliseconds
            c.pointee.wall_s = stats.time.wall
            c.pointee.env_s = stats.time.env
            c.pointee.inference_s = stats.time.inference
            c.pointee.send_s = stats.time.send
            c.pointee.backpressure_s = stats.time.backpressure
            c.pointee.weights_s = stats.time.weights
            c.pointee.chunks_sent = stats.chunksSent
            c.pointee.chunks_dropped = stats.chunksDropped
            c.pointee.rss_bytes = stats.rssBytes
            c.pointee.queue_depth = stats.queueDepth
            envelope.body_case = ICRL__ENVELOPE__BODY_STATS
            envelope.stats = c
        case .shutdown(let reason):
            let c = arena.allocate(Icrl__Shutdown.self, count: 1)
            icrl__shutdown__init(c)
            c.pointee.reason = arena.cString(reason)
            envelope.body_case = ICRL__ENVELOPE__BODY_SHUTDOWN
            envelope.shutdown = c
        case .statusRequest(let client):
            let c = arena.allocate(Icrl__StatusRequest.self, count: 1)
            icrl__status_request__init(c)
            c.pointee.client = arena.cString(client)
            envelope.body_case = ICRL__ENVELOPE__BODY_STATUS_REQUEST
            envelope.status_request = c
        case .statusReply(let status):
            envelope.body_case = ICRL__ENVELOPE__BODY_STATUS_REPLY
            envelope.status_reply = cStruct(status, arena)
        }
        return pack(&envelope)
    }

    /// Packs a filled-in envelope into exactly-sized bytes.
    static func pack(_ envelope: inout Icrl__Envelope) -> [UInt8] {
        let size = icrl__envelope__get_packed_size(&envelope)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = icrl__envelope__pack(&envelope, buffer.baseAddress)
            precondition(count == size, "protobuf-c packed \(count) bytes, expected \(size)")
        }
    }

    private static func cStruct(_ status: ClusterStatus, _ arena: CArena) -> UnsafeMutablePointer<Icrl__StatusReply> {
        let c = arena.allocate(Icrl__StatusReply.self, count: 1)
        icrl__status_reply__init(c)
        c.pointee.learner_id = arena.cString(status.learnerID)
        c.pointee.elapsed_s = status.elapsedSeconds
        c.pointee.updates = status.updates
        c.pointee.updates_per_second = status.updatesPerSecond
        c.pointee.env_steps_per_second_10s = status.envStepsPerSecond10s
        c.pointee.env_steps_per_second_60s = status.envStepsPerSecond60s
        c.pointee.env_steps_per_second_300s = status.envStepsPerSecond300s
        c.pointee.replay_steps = status.replaySteps
        c.pointee.replay_capacity = status.replayCapacity
        c.pointee.policy_lag_min = status.policyLagMin
        c.pointee.policy_lag_avg = status.policyLagAvg
        c.pointee.policy_lag_max = status.policyLagMax
        c.pointee.rejections = status.rejections
        c.pointee.rss_bytes = status.rssBytes
        c.pointee.weights_version = status.weightsVersion
        c.pointee.env_steps = status.envSteps
        let actors = arena.allocate(UnsafeMutablePointer<Icrl__ActorStatus>?.self, count: status.actors.count)
        for (i, actor) in status.actors.enumerated() {
            let a = arena.allocate(Icrl__ActorStatus.self, count: 1)
            icrl__actor_status__init(a)
            a.pointee.actor_id = arena.cString(actor.actorID)
            a.pointee.host = arena.cString(actor.host)
            a.pointee.pid = actor.pid
            a.pointee.state = arena.cString(actor.state.rawValue)
            a.pointee.seconds_since_seen = actor.secondsSinceSeen
            a.pointee.env_steps_per_second = actor.envStepsPerSecond
            a.pointee.episodes_per_second = actor.episodesPerSecond
            a.pointee.success = actor.success
            a.pointee.policy_version = actor.policyVersion
            a.pointee.policy_lag = actor.policyLag
            a.pointee.queue_depth = actor.queueDepth
            a.pointee.rss_bytes = actor.rssBytes
            a.pointee.env_share = actor.time["env"] ?? 0
            a.pointee.inference_share = actor.time["inference"] ?? 0
            a.pointee.send_share = actor.time["send"] ?? 0
            a.pointee.backpressure_share = actor.time["backpressure"] ?? 0
            a.pointee.weights_share = actor.time["weights"] ?? 0
            a.pointee.steps_received = actor.stepsReceived
            a.pointee.straggler = actor.straggler ? 1 : 0
            actors[i] = a
        }
        c.pointee.n_actors = status.actors.count
        c.pointee.actors = actors
        let ranks = arena.allocate(UnsafeMutablePointer<Icrl__LearnerRankStatus>?.self, count: status.ranks.count)
        for (i, rank) in status.ranks.enumerated() {
            let r = arena.allocate(Icrl__LearnerRankStatus.self, count: 1)
            icrl__learner_rank_status__init(r)
            r.pointee.rank = rank.rank
            r.pointee.replay_steps = rank.replaySteps
            r.pointee.replay_trials = rank.replayTrials
            r.pointee.updates = rank.updates
            r.pointee.rejections = rank.rejections
            r.pointee.sample_share = rank.time["sample"] ?? 0
            r.pointee.forward_backward_share = rank.time["forward_backward"] ?? 0
            r.pointee.allreduce_share = rank.time["allreduce"] ?? 0
            r.pointee.sync_share = rank.time["sync"] ?? 0
            ranks[i] = r
        }
        c.pointee.n_ranks = status.ranks.count
        c.pointee.ranks = ranks
        return c
    }

    private static func cStruct(_ weights: WeightsMessage, _ arena: CArena) -> UnsafeMutablePointer<Icrl__Weights> {
        let c = arena.allocate(Icrl__Weights.self, count: 1)
        icrl__weights__init(c)
        c.pointee.version = weights.version
        c.pointee.config_fingerprint = weights.configFingerprint
        c.pointee.config_json = arena.cString(weights.configJSON)
        let tensors = arena.allocate(UnsafeMutablePointer<Icrl__Tensor>?.self, count: weights.tensors.count)
        for (i, tensor) in weights.tensors.enumerated() {
            let t = arena.allocate(Icrl__Tensor.self, count: 1)
            icrl__tensor__init(t)
            t.pointee.name = arena.cString(tensor.name)
            t.pointee.n_shape = tensor.shape.count
            t.pointee.shape = arena.copy(tensor.shape)
            t.pointee.data.len = tensor.values.count * MemoryLayout<Float>.size
            t.pointee.data.data = arena.copy(tensor.values).map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt8.self) }
            tensors[i] = t
        }
        c.pointee.n_tensors = weights.tensors.count
        c.pointee.tensors = tensors
        return c
    }
}
