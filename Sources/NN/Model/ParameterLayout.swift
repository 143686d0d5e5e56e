/// Where every parameter lives in the one contiguous `Float` buffer of a `Transformer`.
///
/// Order (stable; checkpoints, weight broadcasts and optimizer state rely on it):
///
/// | name | shape | decays |
/// |---|---|---|
/// | `embed.features.{k}.weight` for each feature k | (V_k, d) | no |
/// | `embed.position.weight` (learned positions only) | (context, d) | no |
/// | `blocks.{l}.ln1.weight`, `blocks.{l}.ln1.bias` | (d) | no |
/// | `blocks.{l}.attn.qkv.weight` / `.bias` | (3d, d) / (3d) | yes / no |
/// | `blocks.{l}.attn.proj.weight` / `.bias` | (d, d) / (d) | yes / no |
/// | `blocks.{l}.ln2.weight`, `blocks.{l}.ln2.bias` | (d) | no |
/// | `blocks.{l}.mlp.fc.weight` / `.bias` | (h, d) / (h) | yes / no |
/// | `blocks.{l}.mlp.proj.weight` / `.bias` | (d, h) / (d) | yes / no |
/// | `ln_f.weight`, `ln_f.bias` | (d) | no |
/// | `head.weight` / `head.bias` | (A, d) / (A) | yes / no |
///
/// The qkv output rows are `[q | k | v]`, each `d` wide with head `i` at columns
/// `i*headSize ..< (i+1)*headSize` — the layout of GPT-2's `c_attn` transposed to `(out, in)`.
/// Tensors are packed with no gaps, so the buffer has exactly `count` floats.
public struct ParameterLayout: Hashable, Sendable {
    /// Every tensor, in buffer order.
    public let tensors: [TensorSpec]
    /// Total number of floats.
    public let count: Int
    /// Offsets the kernels use, so the hot path does no name look-ups.
    let offsets: ModelOffsets

    public init(config: TransformerConfig) {
        var specs: [TensorSpec] = []
        var next = 0
        func add(_ name: String, _ shape: [Int], decays: Bool = false) -> Int {
            let spec = TensorSpec(name: name, shape: shape, offset: next, decays: decays)
            specs.append(spec)
            next += spec.count
            return spec.offset
        }
        let d = config.dModel, h = config.mlpHidden
        let features = config.featureVocabularies.enumerated().map { k, v in add("embed.features.\(k).weight", [v, d]) }
        let position = config.positional == .learned ? add("embed.position.weight", [config.contextLength, d]) : nil
        var blocks: [BlockOffsets] = []
        for l in 0..<config.layers {
            let p = "blocks.\(l)."
            blocks.append(BlockOffsets(
                ln1Weight: add(p + "ln1.weight", [d]), ln1Bias: add(p + "ln1.bias", [d]),
                qkvWeight: add(p + "attn.qkv.weight", [3 * d, d], decays: true), qkvBias: add(p + "attn.qkv.bias", [3 * d]),
                projWeight: add(p + "attn.proj.weight", [d, d], decays: true), projBias: add(p + "attn.proj.bias", [d]),
                ln2Weight: add(p + "ln2.weight", [d]), ln2Bias: add(p + "ln2.bias", [d]),
                fcWeight: add(p + "mlp.fc.weight", [h, d], decays: true), fcBias: add(p + "mlp.fc.bias", [h]),
                fcProjWeight: add(p + "mlp.proj.weight", [d, h], decays: true), fcProjBias: add(p + "mlp.proj.bias", [d])))
        }
        let lnfWeight = add("ln_f.weight", [d]), lnfBias = add("ln_f.bias", [d])
        let headWeight = add("head.weight", [config.actions, d], decays: true), headBias = add("head.bias", [config.actions])
        tensors = specs
        count = next
        offsets = ModelOffsets(
            features: features, position: position, blocks: blocks,
            lnfWeight: lnfWeight, lnfBias: lnfBias, headWeight: headWeight, headBias: headBias)
    }

    /// The tensor called `name`, if any.
    public func spec(named name: String) -> TensorSpec? { tensors.first { $0.name == name } }
}

/// Offsets of one block's tensors in the flat buffer.
struct BlockOffsets: Hashable, Sendable {
    let ln1Weight, ln1Bias, qkvWeight, qkvBias, projWeight, projBias: Int
    let ln2Weight, ln2Bias, fcWeight, fcBias, fcProjWeight, fcProjBias: Int
}

/// Offsets of every tensor the forward and backward passes touch.
struct ModelOffsets: Hashable, Sendable {
    let features: [Int]
    let position: Int?
    let blocks: [BlockOffsets]
    let lnfWeight, lnfBias, headWeight, headBias: Int
}
