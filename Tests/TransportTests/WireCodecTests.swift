import Foundation
import Testing
@testable import Transport

@Suite("protobuf-c wire codec")
struct WireCodecTests {
    /// Decodes through the counting allocator, catching the typed error.
    func decode<C: Collection<UInt8>>(_ bytes: C, _ counting: CountingAllocator) -> Result<WireMessage, WireDecodeError> {
        Array(bytes).withUnsafeBytes { raw in
            Result { () throws(WireDecodeError) in try WireCodec.decode(raw, allocator: counting.allocator) }
        }
    }

    @Test("every message type round-trips through the generated C code", arguments: WireSamples.all)
    func roundTrip(message: WireMessage) throws {
        let bytes = WireCodec.encode(message)
        let decoded = try WireCodec.decode(bytes)
        #expect(decoded == message)
    }

    @Test("every strict prefix of every message is refused with a clear error, and nothing leaks",
          arguments: WireSamples.all)
    func truncated(message: WireMessage) {
        let bytes = WireCodec.encode(message)
        let counting = CountingAllocator()
        for length in 0..<bytes.count {
            let result = decode(bytes.prefix(length), counting)
            switch result {
            case .success(let m):
                Issue.record(Comment(rawValue: "a \(length)-byte prefix of a \(bytes.count)-byte \(message.kind) decoded as \(m.kind)"))
            case .failure(let error):
                #expect(!error.description.isEmpty)
            }
        }
        #expect(counting.counter.live == 0, "protobuf-c allocations leaked: \(counting.counter.live)")
    }

    @Test("random byte strings never crash, never leak, and fail with a reason")
    func randomBytes() {
        var rng = SystemRandomNumberGenerator()
        let counting = CountingAllocator()
        var failures = 0
        let trials = 20_000
        for _ in 0..<trials {
            let count = Int.random(in: 0..<300, using: &rng)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let result = decode(bytes, counting)
            if case .failure(let error) = result {
                failures += 1
                #expect(["decode_error", "schema_version", "empty_envelope", "bad_tensor", "invalid_field"].contains(error.reason))
            }
        }
        // Random bytes can, rarely, be a well-formed envelope; nearly all must be refused.
        #expect(failures > trials * 99 / 100)
        #expect(counting.counter.total > 0, "the counting allocator was not used")
        #expect(counting.counter.live == 0, "protobuf-c allocations leaked: \(counting.counter.live)")
    }

    @Test("random mutations of valid messages never crash or leak", arguments: WireSamples.all)
    func mutations(message: WireMessage) {
        var rng = SystemRandomNumberGenerator()
        let original = WireCodec.encode(message)
        let counting = CountingAllocator()
        for _ in 0..<2_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = decode(bytes, counting)
        }
        #expect(counting.counter.live == 0)
    }

    @Test("another schema version is refused by name")
    func schemaVersion() {
        let bytes = WireCodec.encode(.shutdown(reason: "x"), schemaVersion: wireSchemaVersion + 1)
        #expect(throws: WireDecodeError.unsupportedSchemaVersion(received: wireSchemaVersion + 1, supported: wireSchemaVersion)) {
            try WireCodec.decode(bytes)
        }
    }

    @Test("an empty frame is an envelope without schema version and is refused")
    func emptyFrame() {
        #expect(throws: WireDecodeError.unsupportedSchemaVersion(received: 0, supported: wireSchemaVersion)) {
            try WireCodec.decode([UInt8]())
        }
    }

    @Test("frames over the size limit are refused before parsing")
    func oversized() {
        let bytes = WireCodec.encode(.weights(WireSamples.weights))
        #expect(throws: WireDecodeError.oversized(byteCount: bytes.count, limit: 10)) {
            try WireCodec.decode(bytes, maxBytes: 10)
        }
    }

    @Test("a tensor whose bytes do not match its shape is refused")
    func badTensor() {
        var weights = WireSamples.weights
        weights.tensors[0].shape = [4, 2]
        let bytes = WireCodec.encode(.weights(weights))
        #expect(throws: WireDecodeError.badTensor(name: "online.embed.0", detail: "shape [4, 2] needs 32 bytes, got 24")) {
            try WireCodec.decode(bytes)
        }
    }

    @Test("an unknown behaviour value is refused")
    func unknownEnum() throws {
        // Field 11 (behaviour, varint 99) inside an experience chunk inside envelope field 10.
        let chunk: [UInt8] = [0x58, 99]
        let bytes: [UInt8] = [0x08, UInt8(wireSchemaVersion), 0x52, UInt8(chunk.count)] + chunk
        #expect(throws: WireDecodeError.invalidField(name: "behaviour", detail: "unknown value 99")) {
            try WireCodec.decode(bytes)
        }
    }

    @Test("an actor's time split is clamped on the way in: NaN, negative and huge values cannot poison the learner's sums")
    func hostileTimeSplit() throws {
        var stats = ActorStats(actorID: "a", incarnation: 1, envSteps: 0, episodes: 0, successes: 0, envStepsPerSecond: 0,
                               inferenceMilliseconds: 0, chunksSent: 0, chunksDropped: 0)
        // Set after the initialiser (which clamps) to put raw values on the wire.
        stats.time.wall = .nan
        stats.time.env = -3
        stats.time.inference = .infinity
        stats.time.send = 1e300
        stats.time.backpressure = 2
        stats.time.weights = 0.5
        guard case .stats(let decoded) = try WireCodec.decode(WireCodec.encode(.stats(stats))) else {
            Issue.record("not stats")
            return
        }
        #expect(decoded.time == ActorTimeSplit(wall: 0, env: 0, inference: 1e6, send: 1e6, backpressure: 2, weights: 0.5))
    }
}
