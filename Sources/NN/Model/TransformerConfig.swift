/// The architecture of the transformer Q-network, stored as JSON in every checkpoint.
///
/// A token is one environment step, described by `featureVocabularies.count` categorical
/// features; feature `k` is an index in `0..<featureVocabularies[k]` into its own embedding
/// table, and the token's embedding is the sum of the looked-up rows (plus a position row
/// when `positional == .learned`). The tokenizer (module DQN) decides what the features
/// mean — a tile index, or a row and a column as two features so that unseen map sizes
/// stay expressible, the previous action, a reward bucket, an episode-start flag, … —
/// this module only needs their vocabulary sizes.
///
/// Defaults follow the reference configuration, like cleanrl's `Args`:
/// d=128, 4 heads, 2 layers, MLP 512, context 256, 4 actions, rotary positions.
public struct TransformerConfig: Codable, Hashable, Sendable {
    /// How positions enter the model.
    public enum Positional: String, Codable, Sendable, CaseIterable {
        /// A learned `(contextLength, dModel)` table added to the token embedding.
        /// Decoding past the context needs re-encoding (`KVCacheDecoder.WindowPolicy.reencode`).
        case learned
        /// Rotary embeddings on queries and keys (rotate-half convention, as in GPT-NeoX
        /// and Hugging Face Llama). Attention then depends only on relative offsets, which
        /// is what lets a KV cache slide as a ring buffer.
        case rotary
    }

    /// Vocabulary size of each token feature, in the order the tokenizer emits them.
    public var featureVocabularies: [Int]
    /// Width of the residual stream.
    public var dModel: Int = 128
    /// Attention heads; `dModel` must be divisible by it (head size `dModel / heads`).
    public var heads: Int = 4
    /// Transformer blocks.
    public var layers: Int = 2
    /// Hidden width of each block's MLP.
    public var mlpHidden: Int = 512
    /// Longest window the model sees in training, and the KV cache's capacity.
    public var contextLength: Int = 256
    /// Q-values produced at every position.
    public var actions: Int = 4
    /// Position encoding; rotary by default because a sliding KV cache needs relative positions.
    public var positional: Positional = .rotary
    /// Rotary base θ: frequency `i` of a head is `θ^(-2i / headSize)`.
    public var rotaryBase: Double = 10_000
    /// LayerNorm ε (PyTorch's default).
    public var layerNormEpsilon: Double = 1e-5

    public init(
        featureVocabularies: [Int],
        dModel: Int = 128,
        heads: Int = 4,
        layers: Int = 2,
        mlpHidden: Int = 512,
        contextLength: Int = 256,
        actions: Int = 4,
        positional: Positional = .rotary,
        rotaryBase: Double = 10_000,
        layerNormEpsilon: Double = 1e-5
    ) {
        self.featureVocabularies = featureVocabularies
        self.dModel = dModel
        self.heads = heads
        self.layers = layers
        self.mlpHidden = mlpHidden
        self.contextLength = contextLength
        self.actions = actions
        self.positional = positional
        self.rotaryBase = rotaryBase
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// The reference configuration, with an illustrative feature set
    /// (tile 0..<64, previous action 0..<5 with 4 = none, reward bucket 0..<2,
    /// episode-start flag 0..<2, terminal tile of the previous episode 0..<65 with 64 = none).
    public static let reference = TransformerConfig(featureVocabularies: [64, 5, 2, 2, 65])

    /// Size of one attention head.
    public var headSize: Int { dModel / heads }
    /// Number of features per token (`K` in the shape notes).
    public var featureCount: Int { featureVocabularies.count }

    /// Throws `ConfigError` naming the first field that cannot describe a model.
    public func validate() throws {
        func fail(_ message: String) -> ConfigError { ConfigError(message: message) }
        if featureVocabularies.isEmpty { throw fail("featureVocabularies is empty: a token needs at least one feature") }
        if let bad = featureVocabularies.firstIndex(where: { $0 < 1 }) {
            throw fail("featureVocabularies[\(bad)] = \(featureVocabularies[bad]); every vocabulary needs at least one entry")
        }
        if dModel < 1 || heads < 1 || layers < 1 || mlpHidden < 1 || contextLength < 1 || actions < 1 {
            throw fail("dModel, heads, layers, mlpHidden, contextLength and actions must all be positive")
        }
        if dModel % heads != 0 { throw fail("dModel \(dModel) is not divisible by heads \(heads)") }
        if positional == .rotary && headSize % 2 != 0 {
            throw fail("rotary positions need an even head size; dModel / heads = \(headSize)")
        }
        if !(rotaryBase > 1) { throw fail("rotaryBase must be greater than 1, got \(rotaryBase)") }
        if !(layerNormEpsilon > 0) { throw fail("layerNormEpsilon must be positive, got \(layerNormEpsilon)") }
    }

    /// A stable 64-bit hash of every field that changes the parameters' meaning: FNV-1a over
    /// `canonicalDescription`. Identical across processes, runs and machines (unlike `Hasher`),
    /// so actors and learner can compare it to refuse mismatched peers.
    public var fingerprint: UInt64 { FNV1a64.hash(Array(canonicalDescription.utf8)) }

    /// The fingerprint as 16 lowercase hex digits.
    public var fingerprintHex: String { FNV1a64.hex(fingerprint) }

    /// The canonical text the fingerprint hashes; versioned so a future format change
    /// cannot collide with this one.
    public var canonicalDescription: String {
        "icrl.transformer.v1;features=\(featureVocabularies.map(String.init).joined(separator: ","))"
            + ";d=\(dModel);heads=\(heads);layers=\(layers);mlp=\(mlpHidden);context=\(contextLength)"
            + ";actions=\(actions);positional=\(positional.rawValue);rotaryBase=\(rotaryBase)"
            + ";lnEps=\(layerNormEpsilon)"
    }
}

/// A `TransformerConfig` that cannot describe a model.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, naming the field.
    public let message: String
    public var description: String { "invalid transformer config: \(message)" }
}
