import CZeroMQ
import Cluster
import DQN
import Foundation
import Logging
import NN
import Synchronization
import Testing
import Transport

/// A whole learner service (ingest, control, training loop, metrics) running in this
/// process, fed over real sockets by a test actor that also sends garbage.
@Suite("running learner under bad input", .serialized)
struct RunningLearnerTests {
    final class StopFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    static func tinyConfig() -> RunConfig {
        var config = RunConfig.preset(.smoke)
        config.model = TransformerConfig(
            featureVocabularies: Tokenizer(config: config.tokenizer).vocabularies,
            dModel: 16, heads: 2, layers: 1, mlpHidden: 32, contextLength: 16)
        config.dqn.batchSize = 4
        config.dqn.windowLength = 16
        config.minReplaySteps = 40
        config.metricsSeconds = 0.3
        config.checkpointSeconds = 3_600
        config.replayRatio = 1
        return config
    }

    /// Right along the top row of a 4x4 map, then down into the goal column: a valid episode.
    static func chunk(_ config: RunConfig, trial: UInt64, sequence: UInt64) -> ExperienceChunk {
        ExperienceChunk(
            actorID: "tester", incarnation: 42, trialID: trial, sequence: sequence, policyVersion: 0,
            configFingerprint: config.fingerprint, mapRows: 4, mapCols: 4, firstStep: 0, trialDone: true, behaviour: .random,
            observations: [0, 1, 2, 3, 7, 11], actions: [2, 2, 2, 1, 1, 1], rewards: [0, 0, 0, 0, 0, 1],
            nextObservations: [1, 2, 3, 7, 11, 15],
            flags: [StepFlags([.episodeStart, .mapStart]).rawValue, 0, 0, 0, 0, StepFlags.terminated.rawValue])
    }

    static func lastMetrics(_ url: URL) -> [String: Double] {
        guard let text = try? String(contentsOf: url, encoding: .utf8), let line = text.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return [:] }
        return object.compactMapValues { $0 as? Double }
    }

    @Test("malformed, oversized and mismatched frames are counted by reason while training goes on")
    func badPeers() throws {
        let config = Self.tinyConfig()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("icrl-learner-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = Int.random(in: 40_000...45_000)
        var options = LearnerService.Options(
            endpoints: try Endpoints(base: "tcp://127.0.0.1:\(port)"), runFolder: folder, config: config, learnerID: "test")
        options.maxFrameBytes = 32 << 10
        options.maxSeconds = 60
        let learner = InProcessLearner(options: options, label: "test.learner")
        defer { learner.stop() }
        let context = try ZMQContext()
        let push = try ZMQSocket(context, .push)
        defer { push.close() }
        try push.setLinger(milliseconds: 0)
        try push.connect("tcp://127.0.0.1:\(port)")
        var sequence: UInt64 = 0
        func sendGood(_ n: Int) throws {
            for _ in 0..<n {
                try push.send(WireCodec.encode(Self.chunk(config, trial: sequence, sequence: sequence)))
                sequence += 1
            }
        }
        try sendGood(20)
        // Garbage of every kind, interleaved with good experience.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            try push.send((0..<Int.random(in: 1...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        var wrongConfig = Self.chunk(config, trial: 9_999, sequence: 9_999)
        wrongConfig.configFingerprint ^= 1
        try push.send(WireCodec.encode(wrongConfig))
        var badAction = Self.chunk(config, trial: 9_998, sequence: 9_998)
        badAction.actions[0] = 7
        try push.send(WireCodec.encode(badAction))
        try push.send(WireCodec.encode(.shutdown(reason: "not on this socket")))
        // The oversized sender stays connected, so the only way its connection can drop
        // is libzmq refusing the frame (ZMQ_MAXMSGSIZE), which the monitor counts.
        let big = try ZMQSocket(context, .push)
        defer { big.close() }
        try big.setLinger(milliseconds: 0)
        try big.connect("tcp://127.0.0.1:\(port)")
        try big.send([UInt8](repeating: 7, count: 100 << 10))
        try sendGood(20)

        let metricsURL = folder.appendingPathComponent("metrics.jsonl")
        var metrics: [String: Double] = [:]
        for _ in 0..<300 {
            try sendGood(2)
            Thread.sleep(forTimeInterval: 0.1)
            metrics = Self.lastMetrics(metricsURL)
            if metrics["charts/updates", default: 0] >= 20, metrics["rejected/config_fingerprint"] == 1,
               metrics["transport/connections_dropped", default: 0] >= 1 { break }
        }
        #expect(metrics["transport/connections_dropped", default: 0] >= 1, "the oversized frame's dropped connection is counted")
        #expect(metrics["transport/connections_accepted", default: 0] >= 2)
        #expect(metrics["charts/updates", default: 0] >= 20, "the learner stopped training")
        #expect(metrics["rejected/config_fingerprint"] == 1)
        #expect(metrics["rejected/action_range"] == 1)
        #expect(metrics["rejected/wrong_socket"] == 1)
        // Random bytes fail to decode, or decode as something that is not experience.
        let garbage = metrics["rejected/decode_error", default: 0] + metrics["rejected/schema_version", default: 0]
            + metrics["rejected/empty_envelope", default: 0] + metrics["rejected/invalid_field", default: 0]
            + metrics["rejected/wrong_socket", default: 0] - 1
        #expect(garbage == 50, "every random frame is counted: \(metrics.filter { $0.key.hasPrefix("rejected") })")
        #expect(metrics["charts/env_steps_received", default: 0] >= 40 * 6)
    }

    @Test("100,000 random and truncated frames: no crash, every frame counted as rejected, training goes on")
    func frameFlood() throws {
        let config = Self.tinyConfig()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("icrl-flood-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = Int.random(in: 45_001...50_000)
        var options = LearnerService.Options(
            endpoints: try Endpoints(base: "tcp://127.0.0.1:\(port)"), runFolder: folder, config: config, learnerID: "flood")
        options.maxSeconds = 120
        let learner = InProcessLearner(options: options, label: "test.flood")
        defer { learner.stop() }
        let context = try ZMQContext()
        let push = try ZMQSocket(context, .push)
        defer { push.close() }
        try push.setLinger(milliseconds: 0)
        try push.connect("tcp://127.0.0.1:\(port)")
        for i in 0..<40 { try push.send(WireCodec.encode(Self.chunk(config, trial: UInt64(i), sequence: UInt64(i)))) }
        var rng = SystemRandomNumberGenerator()
        let valid = WireCodec.encode(Self.chunk(config, trial: 1_000, sequence: 1_000))
        let flood = 100_000
        for i in 0..<flood {
            if i % 2 == 0 {
                try push.send((0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            } else {
                // A strict prefix of a valid frame (every prefix fails to decode).
                try push.send(Array(valid.prefix(Int.random(in: 1..<valid.count, using: &rng))))
            }
        }
        let metricsURL = folder.appendingPathComponent("metrics.jsonl")
        var metrics: [String: Double] = [:]
        for i in 0..<600 {
            if i % 5 == 0 { try push.send(WireCodec.encode(Self.chunk(config, trial: UInt64(2_000 + i), sequence: UInt64(2_000 + i)))) }
            Thread.sleep(forTimeInterval: 0.1)
            metrics = Self.lastMetrics(metricsURL)
            if metrics["rejected/total", default: 0] >= Double(flood), metrics["charts/updates", default: 0] >= 20 { break }
        }
        #expect(metrics["rejected/total", default: 0] == Double(flood), "every frame counted: \(metrics.filter { $0.key.hasPrefix("rejected") })")
        #expect(metrics["charts/updates", default: 0] >= 20, "the learner kept training")
    }
}
