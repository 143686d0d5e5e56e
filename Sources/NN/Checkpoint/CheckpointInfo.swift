import Foundation

/// What a checkpoint's header says, validated.
public struct CheckpointInfo: Sendable {
    public let config: TransformerConfig
    /// Training counters given to `Checkpoint.write`.
    public let counters: [String: Int]
    /// The caller's extra metadata, keys without the `extra.` prefix.
    public let extra: [String: String]
    /// AdamW's step and settings, when saved.
    public let optimizerState: OptimizerState?
    /// Whether target-network and AdamW tensors are present.
    public let hasTarget: Bool
    public let hasOptimizer: Bool

    init(file: SafeTensors, path: String) throws {
        func fail(_ detail: String) -> CheckpointError { CheckpointError(path: path, .malformedHeader(detail: detail)) }
        let meta = file.metadata
        guard meta["format"] == Checkpoint.format else { throw CheckpointError(path: path, .unsupportedFormat(found: meta["format"] ?? "none")) }
        guard let configText = meta["config"], let config = try? JSONDecoder().decode(TransformerConfig.self, from: Data(configText.utf8)) else {
            throw fail("metadata 'config' is missing or not a TransformerConfig")
        }
        do { try config.validate() } catch { throw fail("metadata 'config': \(error)") }
        guard meta["fingerprint"] == config.fingerprintHex else {
            throw fail("metadata 'fingerprint' \(meta["fingerprint"] ?? "none") does not match the config's \(config.fingerprintHex)")
        }
        guard let countersText = meta["counters"], let counters = try? JSONDecoder().decode([String: Int].self, from: Data(countersText.utf8)) else {
            throw fail("metadata 'counters' is missing or not a JSON object of integers")
        }
        if let text = meta["optimizer"] {
            guard let state = try? JSONDecoder().decode(OptimizerState.self, from: Data(text.utf8)) else {
                throw fail("metadata 'optimizer' is not {step, hyperparameters}")
            }
            optimizerState = state
        } else {
            optimizerState = nil
        }
        self.config = config
        self.counters = counters
        var extra: [String: String] = [:]
        for (key, value) in meta where key.hasPrefix("extra.") { extra[String(key.dropFirst(6))] = value }
        self.extra = extra
        hasTarget = file.entries.contains { $0.name.hasPrefix("target.") }
        hasOptimizer = file.entries.contains { $0.name.hasPrefix("adam.m.") }
    }
}
