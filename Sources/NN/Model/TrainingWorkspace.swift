/// Activations kept by a training forward pass for its backward pass, and the backward
/// pass's scratch, sized for at most `batchCapacity × timeCapacity` tokens.
///
/// Buffers are laid out compactly for the actual `(B, T)` of each pass, so a smaller batch
/// uses a prefix of each region. Shapes below are for that actual `(B, T)`; N = B·T.
final class TrainingWorkspace {
    let batchCapacity: Int
    let timeCapacity: Int
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
    /// (N, M) gradient of the MLP activation, then of its pre-activation
    let dfch: UnsafeMutablePointer<Float>
    /// (shards, T, T) attention dP/dS scratch, one per shard
    let attScratch: UnsafeMutablePointer<Float>

    init(config: TransformerConfig, batch: Int, time: Int, shards: Int) {
        batchCapacity = batch
        timeCapacity = time
        let n = batch * time, c = config.dModel, m = config.mlpHidden, h = config.heads, k = config.featureCount
        let perLayer = [n * c, n, n, 3 * n * c, batch * h * time * time, n * c, n * c, n * c, n, n, n * m, n * m, n * c]
        var sizes = [n * c]
        for _ in 0..<config.layers { sizes += perLayer }
        sizes += [n * c, n, n, n * config.actions, n * config.actions, n * k, n]
        sizes += [n * c, n * c, n * c, 3 * n * c, n * m, shards * time * time]
        arena = FloatArena(sizes: sizes)
        encoded = arena.take(n * c)
        var layers: [Layer] = []
        for _ in 0..<config.layers {
            layers.append(Layer(
                ln1: arena.take(n * c), ln1Mean: arena.take(n), ln1Rstd: arena.take(n), qkv: arena.take(3 * n * c),
                att: arena.take(batch * h * time * time), atty: arena.take(n * c), res1: arena.take(n * c),
                ln2: arena.take(n * c), ln2Mean: arena.take(n), ln2Rstd: arena.take(n),
                fch: arena.take(n * m), fchGelu: arena.take(n * m), res2: arena.take(n * c)))
        }
        self.layers = layers
        lnf = arena.take(n * c)
        lnfMean = arena.take(n)
        lnfRstd = arena.take(n)
        q = arena.take(n * config.actions)
        dQ = arena.take(n * config.actions)
        tokens = UnsafeMutableRawPointer(arena.take(n * k)).bindMemory(to: Int32.self, capacity: n * k)
        positions = UnsafeMutableRawPointer(arena.take(n)).bindMemory(to: Int32.self, capacity: n)
        dres = arena.take(n * c)
        dln = arena.take(n * c)
        datty = arena.take(n * c)
        dqkv = arena.take(3 * n * c)
        dfch = arena.take(n * m)
        attScratch = arena.take(shards * time * time)
    }

    func fits(batch: Int, time: Int) -> Bool {
        batch * time <= batchCapacity * timeCapacity && time <= timeCapacity
            && batch * time * time <= batchCapacity * timeCapacity * timeCapacity
    }

    var byteCount: Int { arena.byteCount }
}
