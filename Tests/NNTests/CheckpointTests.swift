import Foundation
import Testing
@testable import NN

@Suite("Checkpoints")
struct CheckpointTests {
    /// A fresh temporary folder per test.
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nn-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Online, target and AdamW state after two real updates.
    func trainedState() throws -> (Transformer, Transformer, AdamW) {
        let config = smallConfig()
        let online = try Transformer(config: config, seed: 1), target = try Transformer(config: config, seed: 2)
        let optimizer = AdamW(layout: online.layout)
        var random = TestRandom(3)
        for _ in 0..<2 {
            online.forward(tokens: random.tokens(14, config: config), batch: 2, time: 7)
            online.backward(dQ: random.floats(14 * config.actions))
            optimizer.update(parameters: online.parameters, gradients: online.gradients)
        }
        return (online, target, optimizer)
    }

    func expectError(_ url: URL, _ body: () throws -> Void, matching: (CheckpointError.Kind) -> Bool) {
        do {
            try body()
            Issue.record("loading \(url.lastPathComponent) should have failed")
        } catch let error as CheckpointError {
            #expect(matching(error.kind), "unexpected error: \(error)")
            #expect(error.description.contains(url.path))
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
    }

    @Test("round trip of online, target, AdamW, counters and extra metadata")
    func roundTrip() throws {
        let (online, target, optimizer) = try trainedState()
        let url = try folder().appendingPathComponent("run.safetensors")
        try Checkpoint.write(to: url, online: online, target: target, optimizer: optimizer,
                             counters: ["updates": 2, "env_steps": 12345], extra: ["rng": "SplitMix64:42"])
        let (online2, target2, optimizer2) = (try Transformer(config: online.config, seed: 9), try Transformer(config: online.config, seed: 9), AdamW(layout: online.layout))
        let info = try Checkpoint.restore(from: url, online: online2, target: target2, optimizer: optimizer2)
        #expect(online2.parameters.toArray() == online.parameters.toArray())
        #expect(target2.parameters.toArray() == target.parameters.toArray())
        #expect(optimizer2.m.toArray() == optimizer.m.toArray() && optimizer2.v.toArray() == optimizer.v.toArray())
        #expect(optimizer2.step == 2)
        #expect(info.counters == ["updates": 2, "env_steps": 12345])
        #expect(info.extra == ["rng": "SplitMix64:42"])
        #expect(info.hasTarget && info.hasOptimizer)
        // Only the checkpoint remains: the temporary file was renamed over it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["run.safetensors"])
        // Overwriting an existing checkpoint works.
        try Checkpoint.write(to: url, online: online2)
        #expect(try Checkpoint.info(at: url).hasTarget == false)
    }

    @Test("weights-only load reproduces the online network's Q-values")
    func weightsOnly() throws {
        let (online, target, optimizer) = try trainedState()
        let url = try folder().appendingPathComponent("w.safetensors")
        try Checkpoint.write(to: url, online: online, target: target, optimizer: optimizer)
        let loaded = try Checkpoint.loadModel(from: url)
        var random = TestRandom(5)
        let tokens = random.tokens(7, config: online.config)
        #expect(loaded.config == online.config)
        #expect(loaded.predict(tokens: tokens, batch: 1, time: 7) == online.predict(tokens: tokens, batch: 1, time: 7))
    }

    @Test("a corrupted byte fails the checksum")
    func corrupt() throws {
        let (online, _, _) = try trainedState()
        let url = try folder().appendingPathComponent("c.safetensors")
        try Checkpoint.write(to: url, online: online)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 10] ^= 0x40
        try bytes.write(to: url)
        expectError(url, { _ = try Checkpoint.loadModel(from: url) }) {
            if case .checksumMismatch = $0 { return true } else { return false }
        }
    }

    @Test("truncated files are reported as truncated", arguments: [100, 4, 0])
    func truncated(keep: Int) throws {
        let (online, _, _) = try trainedState()
        let url = try folder().appendingPathComponent("t.safetensors")
        try Checkpoint.write(to: url, online: online)
        let bytes = try Data(contentsOf: url)
        // keep = 100 cuts inside the header, 4 inside the length; 0 drops the last 64 data bytes.
        try (keep > 0 ? bytes.prefix(keep) : bytes.dropLast(64)).write(to: url)
        expectError(url, { _ = try Checkpoint.info(at: url) }) {
            if case .truncated = $0 { return true } else { return false }
        }
    }

    @Test("a checkpoint of another architecture is refused")
    func mismatchedConfig() throws {
        let (online, _, _) = try trainedState()
        let url = try folder().appendingPathComponent("m.safetensors")
        try Checkpoint.write(to: url, online: online)
        var other = online.config
        other.mlpHidden = 48
        let model = try Transformer(config: other)
        expectError(url, { try Checkpoint.restore(from: url, online: model) }) {
            if case .configMismatch = $0 { return true } else { return false }
        }
    }

    @Test("missing target or optimizer tensors are named")
    func missingTensors() throws {
        let (online, target, optimizer) = try trainedState()
        let url = try folder().appendingPathComponent("o.safetensors")
        try Checkpoint.write(to: url, online: online)
        expectError(url, { try Checkpoint.restore(from: url, online: online, target: target) }) {
            $0 == .missingTensor(name: "target.embed.features.0.weight")
        }
        expectError(url, { try Checkpoint.restore(from: url, online: online, optimizer: optimizer) }) {
            $0 == .missingTensor(name: "adam.m.embed.features.0.weight")
        }
    }

    @Test("a tensor of the wrong shape is named")
    func wrongShape() throws {
        let config = smallConfig()
        let model = try Transformer(config: config)
        var tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)] = []
        for spec in model.layout.tensors {
            let shape = spec.name == "head.weight" ? [spec.shape[1], spec.shape[0]] : spec.shape
            tensors.append(("online." + spec.name, shape, UnsafeBufferPointer(model.parameters[spec])))
        }
        let metadata = ["format": Checkpoint.format, "config": try Checkpoint.jsonText(config),
                        "fingerprint": config.fingerprintHex, "counters": "{}"]
        let url = try folder().appendingPathComponent("s.safetensors")
        try Data(try SafeTensors.encode(tensors: tensors, metadata: metadata)).write(to: url)
        expectError(url, { _ = try Checkpoint.loadModel(from: url) }) {
            $0 == .shapeMismatch(name: "online.head.weight", expected: [4, 16], found: [16, 4])
        }
    }

    @Test("files that are not ICRL checkpoints are refused")
    func notACheckpoint() throws {
        let url = try folder().appendingPathComponent("x.safetensors")
        let values: [Float] = [1, 2, 3]
        let bytes = try values.withUnsafeBufferPointer { try SafeTensors.encode(tensors: [("w", [3], $0)], metadata: [:]) }
        try Data(bytes).write(to: url)
        expectError(url, { _ = try Checkpoint.info(at: url) }) { $0 == .unsupportedFormat(found: "none") }
        try Data("not a checkpoint at all".utf8).write(to: url)
        expectError(url, { _ = try Checkpoint.info(at: url) }) {
            if case .truncated = $0 { return true } else { return false }
        }
    }

    @Test("a header whose shapes overflow when multiplied is refused, not trapped on")
    func overflowingShape() throws {
        let url = try folder().appendingPathComponent("overflow.safetensors")
        let header = Array(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904,4],"data_offsets":[0,0]}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        bytes += header
        try Data(bytes).write(to: url)
        expectError(url, { _ = try Checkpoint.info(at: url) }) {
            if case .malformedHeader = $0 { return true } else { return false }
        }
    }
}
