/// One named tensor inside a flat parameter buffer.
public struct TensorSpec: Hashable, Sendable {
    /// Stable name, e.g. `blocks.0.attn.qkv.weight` (see `ParameterLayout`).
    public let name: String
    /// Row-major shape; linear weights are `(out, in)` like PyTorch's `nn.Linear`.
    public let shape: [Int]
    /// First element in the flat buffer.
    public let offset: Int
    /// Whether AdamW applies weight decay: matrices of linear layers only.
    public let decays: Bool

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// `offset ..< offset + count`.
    public var range: Range<Int> { offset..<(offset + count) }
}
