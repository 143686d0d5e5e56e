/// Activations kept by a training forward pass for its backward pass, and the backward
/// pass's scratch, sized for at most `batchCapacity × timeCapacity` tokens.
///
/// Buffers are laid out compactly for the actual `(B, T)` of each pass, so a smaller batch
/// uses a prefix of each region. Shapes below are for that actual `(B, T)`; N = B·T. The
/// activation and scratch buffers (all but `q`, `dQ`, `tokens`, `positions`) hold only
/// `activationSequences` sequences: all of the batch for `forward` + `backward`, one cache
/// block per thread for `trainingPass`, which reuses them block after block.
final class TrainingWorkspace {
    let batchCapacity: Int
    let timeCapacity: Int
    /// Sequences of `timeCapacity` tokens the activation buffers hold.
    let activationSequences: Int
    private let arena: FloatArena

    /// Per block.
    struct Layer {
        /// (N, C) LayerNorm 1 output; mean, rstd: (N)
        let ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>
        /// (N, 3C), q and k rotated when rotary
        let qkv: UnsafeMutablePointer<Float>
        /// (B, H, T, T) attention probabilities
        let att: UnsafeMutablePointer<Float>
        /// (N, C) attention output before the projection
        let atty: UnsafeMutablePointer<Float>
        /// (N, C) residual stream after attention
        let res1: UnsafeMutablePointer<Float>
        /// (N, C) LayerNorm 2 output; mean, rstd: (N)
        let ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>
        /// (N, M) MLP pre-activation, replaced by GELU's slope at it during the forward pass
        let fch: UnsafeMutablePointer<Float>
        /// (N, M) GELU output
        let fchGelu: UnsafeMutablePointer<Float>
        /// (N, C) residual stream after the MLP: the block's output
        let res2: UnsafeMutablePointer<Float>
    }

    /// (N, C) summed embeddings: the first block's input
    let encoded: UnsafeMutablePointer<Float>
    let layers: [Layer]
    /// (N, C) final LayerNorm output; mean, rstd: (N)
    let lnf, lnfMean, lnfRstd: UnsafeMutablePointer<Float>
    /// (N, A) Q-values
    let q: UnsafeMutablePointer<Float>
    /// (N, A) ∂loss/∂Q of a `trainingPass`
    let dQ: UnsafeMutablePointer<Float>
    /// (N, K) the tokens of the last forward pass, kept for the embedding backward
    let tokens: UnsafeMutablePointer<Int32>
    /// (N) position of each row (t), for learned position embeddings
    let positions: UnsafeMutablePointer<Int32>

    // Backward scratch, reused by every block.
    /// (N, C) gradient of the residual stream
    let dres: UnsafeMutablePointer<Float>
    /// (N, C) gradient of a LayerNorm output
    let dln: UnsafeMutablePointer<Float>
    /// (N, C) gradient of the attention output
    let datty: UnsafeMutablePointer<Float>
    /// (N, 3C)
    let dqkv: UnsafeMutablePointer<Float>
    /// (N, M) gradient of the MLP pre-activation (the fp32 GEMM multiplies in GELU's slope;
    /// the other matmul paths hold the activation's gradient for a moment first)
    let dfch: UnsafeMutablePointer<Float>
    /// (shards, T, T) attention dP/dS scratch, one per shard
    let attScratch: UnsafeMutablePointer<Float>

    /// - activationSequences: sequences of `time` tokens the activation buffers hold, at
    ///   most `batch`
    init(config: TransformerConfig, batch: Int, time: Int, shards: Int, activationSequences: Int) {
        batchCapacity = batch
        timeCapacity = time
        self.activationSequences = activationSequences
        let n = batch * time, c = config.dModel, m = config.mlpHidden, h = config.heads, k = config.featureCount
        let na = activationSequences * time
        let perLayer = [na * c, na, na, 3 * na * c, activationSequences * h * time * time, na * c, na * c, na * c, na, na,
                        na * m, na * m, na * c]
        var sizes = [na * c]
        for _ in 0..<config.layers { sizes += perLayer }
        sizes += [na * c, na, na, n * config.actions, n * config.actions, n * k, n]
        sizes += [na * c, na * c, na * c, 3 * na * c, na * m, shards * time * time]
        arena = FloatArena(sizes: sizes)
        encoded = arena.take(na * c)
        var layers: [Layer] = []
        for _ in 0..<config.layers {
            layers.append(Layer(
                ln1: arena.take(na * c), ln1Mean: arena.take(na), ln1Rstd: arena.take(na), qkv: arena.take(3 * na * c),
                att: arena.take(activationSequences * h * time * time), atty: arena.take(na * c), res1: arena.take(na * c),
                ln2: arena.take(na * c), ln2Mean: arena.take(na), ln2Rstd: arena.take(na),
                fch: arena.take(na * m), fchGelu: arena.take(na * m), res2: arena.take(na * c)))
        }
        self.layers = layers
        lnf = arena.take(na * c)
        lnfMean = arena.take(na)
        lnfRstd = arena.take(na)
        q = arena.take(n * config.actions)
        dQ = arena.take(n * config.actions)
        tokens = UnsafeMutableRawPointer(arena.take(n * k)).bindMemory(to: Int32.self, capacity: n * k)
        positions = UnsafeMutableRawPointer(arena.take(n)).bindMemory(to: Int32.self, capacity: n)
        dres = arena.take(na * c)
        dln = arena.take(na * c)
        datty = arena.take(na * c)
        dqkv = arena.take(3 * na * c)
        dfch = arena.take(na * m)
        attScratch = arena.take(shards * time * time)
    }

    /// Whether a pass over (batch, time) fits, with activations for `activationSequences`
    /// sequences of `time` tokens.
    func fits(batch: Int, time: Int, activationSequences: Int) -> Bool {
        batch * time <= batchCapacity * timeCapacity && time <= timeCapacity
            && activationSequences * time <= self.activationSequences * timeCapacity
            && activationSequences * time * time <= self.activationSequences * timeCapacity * timeCapacity
    }

    var byteCount: Int { arena.byteCount }
}
