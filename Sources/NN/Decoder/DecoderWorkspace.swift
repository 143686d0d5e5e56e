/// Scratch of one decode step: one row per sequence (rows are the active sequences,
/// compacted), plus per-thread attention scores.
final class DecoderWorkspace {
    private let arena: FloatArena
    /// (N, C) residual stream
    let x: UnsafeMutablePointer<Float>
    /// (N, C) LayerNorm output
    let ln: UnsafeMutablePointer<Float>
    /// (N, 3C)
    let qkv: UnsafeMutablePointer<Float>
    /// (N, C)
    let atty: UnsafeMutablePointer<Float>
    /// (N, M)
    let fch: UnsafeMutablePointer<Float>
    /// (N, A)
    let q: UnsafeMutablePointer<Float>
    /// (N, hs/2) rotary cosines and sines of each row's position
    let cos, sin: UnsafeMutablePointer<Float>
    /// (threads, W) attention scores
    let scores: UnsafeMutablePointer<Float>
    /// (N, K) the step's tokens, compacted
    let tokens: UnsafeMutablePointer<Int32>
    /// (N) each row's position (learned position embeddings)
    let positions: UnsafeMutablePointer<Int32>

    init(config: TransformerConfig, rows n: Int, threads: Int) {
        let c = config.dModel, m = config.mlpHidden, half = max(1, config.headSize / 2), w = config.contextLength
        arena = FloatArena(sizes: [n * c, n * c, 3 * n * c, n * c, n * m, n * config.actions, n * half, n * half,
                                   threads * w, n * config.featureCount, n])
        x = arena.take(n * c)
        ln = arena.take(n * c)
        qkv = arena.take(3 * n * c)
        atty = arena.take(n * c)
        fch = arena.take(n * m)
        q = arena.take(n * config.actions)
        cos = arena.take(n * half)
        sin = arena.take(n * half)
        scores = arena.take(threads * w)
        tokens = UnsafeMutableRawPointer(arena.take(n * config.featureCount)).bindMemory(to: Int32.self, capacity: n * config.featureCount)
        positions = UnsafeMutableRawPointer(arena.take(n)).bindMemory(to: Int32.self, capacity: n)
    }

    var byteCount: Int { arena.byteCount }
}
