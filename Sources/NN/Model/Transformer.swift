import Foundation
import Synchronization
/// A decoder-only causal transformer Q-network: token features → embeddings → `layers`
/// pre-LayerNorm blocks (causal multi-head attention, GELU MLP) → final LayerNorm →
/// a linear head giving `actions` Q-values at every position.
///
/// All parameters live in one contiguous buffer (`parameters`, laid out by `layout`), and
/// so do their gradients (`gradients`), which makes AdamW, target-network updates, weight
/// broadcasts and checkpoints single loops or copies.
///
/// Training: `forward(tokens:batch:time:)` keeps activations, `backward(dQ:)` fills
/// `gradients`. Inference (target network, evaluation): `predict`, which keeps nothing.
/// Work is split across `pool`'s threads by sequence.
///
/// Not thread-safe: use one instance from one thread at a time.
public final class Transformer {
    public let config: TransformerConfig
    public let layout: ParameterLayout
    /// All parameters, `layout.count` floats.
    public let parameters: ParameterBuffer
    /// Gradients of the last `backward`, laid out like `parameters`.
    public let gradients: ParameterBuffer
    /// Threads the passes are split across.
    public let pool: WorkerPool

    let rotary: RotaryTable?
    var training: TrainingWorkspace?
    var inference: InferenceWorkspace?
    /// Gradient buffers of shards 1…; shard 0 writes `gradients` directly.
    var shardGradients: [ParameterBuffer] = []
    /// (B, T) of the last training forward pass, nil when backward has nothing to use.
    var lastForward: (batch: Int, time: Int)?
    private var packedStorage: PackedWeights?

    /// A freshly initialised model (GPT-2 initialisation, see `initializeParameters(seed:)`).
    public init(config: TransformerConfig, seed: UInt64 = 0, pool: WorkerPool = .shared) throws {
        try config.validate()
        self.config = config
        self.pool = pool
        layout = ParameterLayout(config: config)
        parameters = ParameterBuffer(count: layout.count)
        gradients = ParameterBuffer(count: layout.count)
        rotary = config.positional == .rotary
            ? RotaryTable(headSize: config.headSize, positions: config.contextLength, base: config.rotaryBase) : nil
        initializeParameters(seed: seed)
    }

    /// GPT-2 initialisation, deterministic in `seed`: every matrix and embedding
    /// N(0, 0.02²), the residual projections (`attn.proj.weight`, `mlp.proj.weight`)
    /// N(0, (0.02/√(2·layers))²) so the residual stream's variance does not grow with depth,
    /// biases 0, LayerNorm gains 1. Values are drawn in layout order from one `SplitMix64`.
    public func initializeParameters(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let residualStd = 0.02 / (2 * Double(config.layers)).squareRoot()
        for spec in layout.tensors {
            let values = parameters[spec]
            if spec.name.hasSuffix("ln1.weight") || spec.name.hasSuffix("ln2.weight") || spec.name == "ln_f.weight" {
                values.update(repeating: 1)
            } else if spec.shape.count == 1 {
                values.update(repeating: 0)
            } else {
                let std = spec.name.hasSuffix("attn.proj.weight") || spec.name.hasSuffix("mlp.proj.weight") ? residualStd : 0.02
                for i in values.indices { values[i] = Float(rng.nextGaussian() * std) }
            }
        }
        parameters.markModified()
    }

    /// Number of parameters.
    public var parameterCount: Int { layout.count }

    /// The linear weights packed for the fp32 GEMM and current with `parameters`, or nil
    /// when `path` is another matmul path. Call on the thread that drives the model, before
    /// a pass.
    func packedWeights(path: MatmulPath = .current) -> PackedWeights? {
        guard path == .fp32 else { return nil }
        let packed = packedStorage ?? PackedWeights(config: config)
        packedStorage = packed
        packed.refresh(from: self)
        return packed
    }

    /// Allocates training activations for `forward` + `backward(dQ:)` on batches up to
    /// `batch × time` now rather than on the first forward pass: every sequence's.
    public func reserveTraining(batch: Int, time: Int) {
        reserveTraining(batch: batch, time: time, activationSequences: batch)
    }

    /// Allocates what `trainingPass` needs for batches up to `batch × time`: activations for
    /// one cache block per thread (~4× less memory than `reserveTraining` at the reference
    /// config, batch 32).
    public func reserveTrainingPass(batch: Int, time: Int) {
        reserveTraining(batch: batch, time: time, activationSequences: trainingPassSequences(batch: batch, time: time))
    }

    /// Sequences whose activations `trainingPass` keeps at once: a block per thread's region
    /// (`scratchRow`), or the whole batch when it is too small for a region per thread.
    func trainingPassSequences(batch: Int, time: Int) -> Int {
        let block = max(1, Self.cacheBlockRows / max(time, 1))
        return hasThreadRegions(batch: batch, time: time) ? pool.threadCount * block : batch
    }

    private func reserveTraining(batch: Int, time: Int, activationSequences: Int) {
        // Checked on every call: a shape that fits the workspace can still split into more
        // cache blocks (their size depends on T alone), so more gradient groups.
        let slots = gradientSlots(batch: batch, time: time)
        if shardGradients.count < slots - 1 {
            shardGradients += (shardGradients.count..<(slots - 1)).map { _ in ParameterBuffer(count: layout.count) }
        }
        if let training, training.fits(batch: batch, time: time, activationSequences: activationSequences) { return }
        // Grow, never shrink, in every dimension: a model used both ways (`forward` on small
        // batches, `trainingPass` on large ones) would otherwise reallocate on every call.
        let old = training
        let t = max(time, old?.timeCapacity ?? 0)
        let tokens = max(batch * time, old.map { $0.batchCapacity * $0.timeCapacity } ?? 0)
        let activationTokens = max(activationSequences * time, old.map { $0.activationSequences * $0.timeCapacity } ?? 0)
        let attention = max(activationSequences * time * time,
                            old.map { $0.activationSequences * $0.timeCapacity * $0.timeCapacity } ?? 0)
        let sequences = max((activationTokens + t - 1) / t, (attention + t * t - 1) / (t * t))
        training = TrainingWorkspace(config: config, batch: (tokens + t - 1) / t, time: t, shards: pool.threadCount,
                                     activationSequences: sequences)
    }

    /// Allocates inference scratch for batches up to `batch × time`.
    public func reserveInference(batch: Int, time: Int) {
        if let inference, inference.fits(batch: batch, time: time) { return }
        inference = InferenceWorkspace(config: config, batch: batch, time: time, shards: pool.threadCount)
    }

    /// Bytes held by workspaces (activations and scratch), for memory reports.
    public var workspaceBytes: Int {
        (training?.byteCount ?? 0) + (inference?.byteCount ?? 0) + shardGradients.count * layout.count * 4
            + (packedStorage?.byteCount ?? 0)
    }

    /// Sequence ranges of each shard: contiguous, as equal as possible, at most one per thread.
    func shards(batch: Int) -> [Range<Int>] {
        let count = max(1, min(pool.threadCount, batch))
        return (0..<count).map { s in (s * batch / count)..<((s + 1) * batch / count) }
    }

    /// A shard's sequences in groups of about `cacheBlockRows` rows. Each pass runs its
    /// layers group by group, so one kernel's output (qkv, the MLP's hidden rows) is still in
    /// L2 when the next kernel reads it; run over a whole shard (4,096 rows), every
    /// intermediate made a round trip through memory.
    func cacheBlocks(_ range: Range<Int>, time: Int) -> [Range<Int>] {
        let size = max(1, Self.cacheBlockRows / max(time, 1))
        return stride(from: range.lowerBound, to: range.upperBound, by: size).map { $0..<min($0 + size, range.upperBound) }
    }

    /// Runs `body(thread, block)` over the cache blocks of sequences 0..<batch on the pool,
    /// each thread taking the next block when it is free. With a fixed half each, the main
    /// thread spent ~11% of a train step waiting: this VM's two cores often differ in speed
    /// by a third (a profile put the same work at 20% of samples on one, 27% on the other).
    /// Each block's results depend only on its rows, so this stays deterministic.
    func forEachBlock(batch: Int, time: Int, _ body: (Int, Range<Int>) -> Void) {
        let blocks = cacheBlocks(0..<batch, time: time)
        let next = Atomic<Int>(0)
        pool.parallelFor(min(pool.threadCount, blocks.count)) { thread in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= blocks.count { return }
                body(thread, blocks[i])
            }
        }
    }

    /// First row of `thread`'s own region in a workspace's per-block scratch (rows no later
    /// block reads: the inference pass's activations, the backward pass's gradients, and in
    /// `trainingPass` the forward activations of the block in flight). Reusing one
    /// region per thread keeps those rows in L2 from block to block instead of walking a
    /// fresh (B·T)-row buffer through memory. Falls back to the block's own rows when the
    /// batch is too small to hold a region for every thread.
    func scratchRow(thread: Int, block: Range<Int>, batch: Int, time: Int) -> Int {
        let rows = max(1, Self.cacheBlockRows / max(time, 1)) * time
        return hasThreadRegions(batch: batch, time: time) ? thread * rows : block.lowerBound * time
    }

    /// Whether the batch's rows hold a region per thread. All threads or none: a thread on
    /// its region beside one on a block's own rows could share rows (the block at row 0).
    func hasThreadRegions(batch: Int, time: Int) -> Bool {
        pool.threadCount * max(1, Self.cacheBlockRows / max(time, 1)) <= batch
    }

    /// Weight-gradient buffers the backward pass sums over (see `backward`): one per group
    /// of cache blocks, at most `maxGradientSlots`, so that threads can take groups in any
    /// order while every gradient is still summed in the same order.
    func gradientSlots(batch: Int, time: Int) -> Int {
        pool.threadCount == 1 ? 1 : min(Self.maxGradientSlots, cacheBlocks(0..<batch, time: time).count)
    }

    /// 16 groups balance two threads to within a few percent when one runs a third slower.
    static let maxGradientSlots = 16

    /// Rows per cache block (see `cacheBlocks`); `ICRL_NN_BLOCK_ROWS` overrides it for tuning.
    static let cacheBlockRows: Int = ProcessInfo.processInfo.environment["ICRL_NN_BLOCK_ROWS"].flatMap { Int($0) } ?? 512

    func checkShape(tokens: Int, batch: Int, time: Int) {
        precondition(batch >= 1 && time >= 1, "batch and time must be positive")
        precondition(time <= config.contextLength, "time \(time) exceeds contextLength \(config.contextLength)")
        precondition(tokens == batch * time * config.featureCount,
                     "tokens has \(tokens) values; (B, T, K) = (\(batch), \(time), \(config.featureCount)) needs \(batch * time * config.featureCount)")
    }
}
