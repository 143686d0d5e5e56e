import Foundation

/// Training checkpoints in safetensors format.
///
/// Tensors (all F32, shapes as in `ParameterLayout`):
/// - `online.<name>`: the online network, e.g. `online.blocks.0.attn.qkv.weight`
/// - `target.<name>`: the target network (when saved)
/// - `adam.m.<name>`, `adam.v.<name>`: AdamW moments (when saved)
///
/// `__metadata__` (all strings):
/// - `format`: `icrl.checkpoint.v1`
/// - `config`: the `TransformerConfig` as JSON; `fingerprint`: its 16-hex-digit fingerprint
/// - `counters`: training counters as a JSON object of integers (caller-defined)
/// - `optimizer`: `{"step": t, "hyperparameters": {…}}` when AdamW state is saved
/// - `checksum`: `crc32:xxxxxxxx` of the data section (zlib's CRC-32)
/// - `extra.<key>`: the caller's opaque strings (RNG states, run ids, …)
///
/// Files are replaced atomically (temporary file, fsync, rename, fsync of the folder).
/// Any Python safetensors reader opens them (`safe_open(path, "np")`).
public enum Checkpoint {
    public static let format = "icrl.checkpoint.v1"

    /// Writes a checkpoint of `online` and, when given, the target network and AdamW state.
    public static func write(
        to url: URL, online: Transformer, target: Transformer? = nil, optimizer: AdamW? = nil,
        counters: [String: Int] = [:], extra: [String: String] = [:]
    ) throws {
        if let target { try online.requireSameArchitecture(target) }
        var tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)] = []
        func add(_ prefix: String, _ buffer: ParameterBuffer) {
            for spec in online.layout.tensors {
                tensors.append((prefix + spec.name, spec.shape, UnsafeBufferPointer(buffer[spec])))
            }
        }
        add("online.", online.parameters)
        if let target { add("target.", target.parameters) }
        if let optimizer {
            precondition(optimizer.layout == online.layout, "optimizer state belongs to another layout")
            add("adam.m.", optimizer.m)
            add("adam.v.", optimizer.v)
        }
        var metadata: [String: String] = [:]
        for (key, value) in extra { metadata["extra." + key] = value }
        metadata["format"] = format
        metadata["config"] = try jsonText(online.config)
        metadata["fingerprint"] = online.config.fingerprintHex
        metadata["counters"] = try jsonText(counters)
        if let optimizer {
            metadata["optimizer"] = try jsonText(OptimizerState(step: optimizer.step, hyperparameters: optimizer.hyperparameters))
        }
        let bytes = try SafeTensors.encode(tensors: tensors, metadata: metadata)
        try AtomicFile.store(bytes, to: url)
    }

    /// Reads and validates a checkpoint's header and checksum.
    public static func info(at url: URL) throws -> CheckpointInfo {
        try CheckpointInfo(file: try open(url), path: url.path)
    }

    /// Restores `online` (and `target`, `optimizer` when given) from a checkpoint written
    /// for the same architecture. Validates everything before changing anything.
    @discardableResult
    public static func restore(from url: URL, online: Transformer, target: Transformer? = nil, optimizer: AdamW? = nil) throws -> CheckpointInfo {
        let file = try open(url)
        let info = try CheckpointInfo(file: file, path: url.path)
        try requireConfig(info.config, matches: online.config, path: url.path)
        var prefixes = ["online."]
        if target != nil { prefixes.append("target.") }
        if optimizer != nil { prefixes += ["adam.m.", "adam.v."] }
        let known: Set<String> = ["online.", "target.", "adam.m.", "adam.v."]
        for entry in file.entries where !known.contains(where: { entry.name.hasPrefix($0) }) {
            throw CheckpointError(path: url.path, .unexpectedTensor(name: entry.name))
        }
        var plan: [(SafeTensors.Entry, UnsafeMutableBufferPointer<Float>)] = []
        for prefix in prefixes {
            let buffer: ParameterBuffer
            switch prefix {
            case "online.": buffer = online.parameters
            case "target.": buffer = target!.parameters
            case "adam.m.": buffer = optimizer!.m
            default: buffer = optimizer!.v
            }
            for spec in online.layout.tensors {
                plan.append((try entry(prefix + spec.name, shape: spec.shape, in: file, path: url.path), buffer[spec]))
            }
        }
        if let optimizer {
            guard let state = info.optimizerState else {
                throw CheckpointError(path: url.path, .malformedHeader(detail: "AdamW tensors requested but no 'optimizer' metadata"))
            }
            optimizer.step = state.step
            optimizer.hyperparameters = state.hyperparameters
        }
        for (entry, destination) in plan { file.copy(entry, into: destination) }
        online.parameters.markModified()
        target?.parameters.markModified()
        return info
    }

    /// Weights only (actors, evaluation): a new model with the checkpoint's config and its
    /// `online.*` tensors.
    public static func loadModel(from url: URL, pool: WorkerPool = .shared) throws -> Transformer {
        let file = try open(url)
        let info = try CheckpointInfo(file: file, path: url.path)
        let model = try Transformer(config: info.config, pool: pool)
        for spec in model.layout.tensors {
            file.copy(try entry("online." + spec.name, shape: spec.shape, in: file, path: url.path), into: model.parameters[spec])
        }
        model.parameters.markModified()
        return model
    }

    static func open(_ url: URL) throws -> SafeTensors {
        try SafeTensors(bytes: try AtomicFile.read(url), path: url.path)
    }

    static func entry(_ name: String, shape: [Int], in file: SafeTensors, path: String) throws -> SafeTensors.Entry {
        guard let entry = file.entry(named: name) else { throw CheckpointError(path: path, .missingTensor(name: name)) }
        guard entry.shape == shape else { throw CheckpointError(path: path, .shapeMismatch(name: name, expected: shape, found: entry.shape)) }
        return entry
    }

    static func requireConfig(_ found: TransformerConfig, matches expected: TransformerConfig, path: String) throws {
        if found.fingerprint != expected.fingerprint {
            throw CheckpointError(path: path, .configMismatch(expected: expected.canonicalDescription, found: found.canonicalDescription))
        }
    }

    static func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// AdamW's scalar state as stored in the `optimizer` metadata entry.
public struct OptimizerState: Codable, Hashable, Sendable {
    public var step: Int
    public var hyperparameters: AdamW.Hyperparameters
}
