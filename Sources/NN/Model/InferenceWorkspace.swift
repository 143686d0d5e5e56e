/// Scratch of an inference-only forward pass: every block overwrites the same buffers, so
/// it holds one block's worth of activations. Shapes for the actual `(B, T)`, N = B·T.
final class InferenceWorkspace {
    let batchCapacity: Int
    let timeCapacity: Int
    private let arena: FloatArena
    /// (N, C) residual stream, updated in place
    let x: UnsafeMutablePointer<Float>
    /// (N, C) LayerNorm output
    let ln: UnsafeMutablePointer<Float>
    /// (N, 3C)
    let qkv: UnsafeMutablePointer<Float>
    /// (N, C)
    let atty: UnsafeMutablePointer<Float>
    /// (N, M)
    let fch: UnsafeMutablePointer<Float>
    /// (shards, T, T) attention probabilities of one (sequence, head) per shard
    let attScratch: UnsafeMutablePointer<Float>
    /// (N) position of each row
    let positions: UnsafeMutablePointer<Int32>

    init(config: TransformerConfig, batch: Int, time: Int, shards: Int) {
        batchCapacity = batch
        timeCapacity = time
        let n = batch * time, c = config.dModel, m = config.mlpHidden
        arena = FloatArena(sizes: [n * c, n * c, 3 * n * c, n * c, n * m, shards * time * time, n])
        x = arena.take(n * c)
        ln = arena.take(n * c)
        qkv = arena.take(3 * n * c)
        atty = arena.take(n * c)
        fch = arena.take(n * m)
        attScratch = arena.take(shards * time * time)
        positions = UnsafeMutableRawPointer(arena.take(n)).bindMemory(to: Int32.self, capacity: n)
    }

    func fits(batch: Int, time: Int) -> Bool {
        batch * time <= batchCapacity * timeCapacity && time <= timeCapacity
    }

    var byteCount: Int { arena.byteCount }
}
