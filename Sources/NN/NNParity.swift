import Foundation

/// Writes what the Python parity scripts (`Benchmarks/numpy_reference.py`,
/// `Benchmarks/pytorch_reference.py`) compare against:
///
/// - `checkpoint.safetensors`: a checkpoint of a model with random weights
/// - `tokens.bin`: (B, T, K) little-endian int32
/// - `q.bin`: (B, T, A) little-endian float32, this module's Q-values for those tokens
/// - `fixture.json`: `{"batch": B, "time": T, "features": K, "actions": A}`
public enum NNParity {
    /// Parameters are drawn N(0, scale²) (LayerNorm gains 1 + N(0, scale²)) rather than
    /// GPT-2's 0.02 so that Q-values are of order one and a 1e-4 agreement means something.
    public static func writeFixture(
        to folder: URL, config: TransformerConfig, batch: Int = 2, time: Int? = nil, seed: UInt64 = 1, scale: Double = 0.1
    ) throws {
        let t = time ?? config.contextLength
        let model = try Transformer(config: config, seed: seed)
        var rng = SplitMix64(seed: seed &+ 1)
        for spec in model.layout.tensors {
            let values = model.parameters[spec]
            let gain = spec.name.hasSuffix("ln1.weight") || spec.name.hasSuffix("ln2.weight") || spec.name == "ln_f.weight"
            for i in values.indices { values[i] = Float((gain ? 1 : 0) + rng.nextGaussian() * scale) }
        }
        model.parameters.markModified()
        var tokens: [Int32] = []
        for _ in 0..<(batch * t) {
            for v in config.featureVocabularies { tokens.append(Int32(rng.next() % UInt64(v))) }
        }
        let q = model.predict(tokens: tokens, batch: batch, time: t)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Checkpoint.write(to: folder.appendingPathComponent("checkpoint.safetensors"), online: model, counters: ["fixture": 1])
        try tokens.withUnsafeBytes { try Data($0).write(to: folder.appendingPathComponent("tokens.bin")) }
        try q.withUnsafeBytes { try Data($0).write(to: folder.appendingPathComponent("q.bin")) }
        let meta = ["batch": batch, "time": t, "features": config.featureCount, "actions": config.actions]
        try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys]).write(to: folder.appendingPathComponent("fixture.json"))
    }
}
