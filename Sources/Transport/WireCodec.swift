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
            envelope.body_case = ICRL__ENVELOPE__BODY_STATS
            envelope.stats = c
        case .shutdown(let reason):
            let c = arena.allocate(Icrl__Shutdown.self, count: 1)
            icrl__shutdown__init(c)
            c.pointee.reason = arena.cString(reason)
            envelope.body_case = ICRL__ENVELOPE__BODY_SHUTDOWN
            envelope.shutdown = c
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
