/// Incremental inference for many sequences at once (an actor's environments): each
/// `step` appends one token to every active sequence and returns its Q-values, reusing
/// the keys and values of earlier tokens from a per-block cache.
///
/// Without overflow, `step` gives the Q-values a full `forward` over the sequence's tokens
/// gives at its last position (tested to 1e-4). When a sequence outgrows `contextLength`
/// the `WindowPolicy` decides what the model sees.
///
/// The decoder reads `model.parameters` on every step, so weights loaded into the model are
/// used from the next step on; keys and values already cached stay those of the old weights
/// until the sequence is reset.
///
/// Not thread-safe; one owner at a time. Work is split across `model.pool` by sequence.
public final class KVCacheDecoder {
    /// What happens when a sequence already holds `contextLength` tokens and another comes.
    public enum WindowPolicy: Hashable, Sendable {
        /// Keep the most recent `contextLength` keys and values of every block in a ring
        /// buffer (rotary only: attention depends on relative offsets, so keys keep the
        /// rotation of their absolute position). Each token attends to itself and the
        /// previous `contextLength − 1`, in every block. With one block this equals a full
        /// forward pass over the last `contextLength` tokens; with more, the cached keys of
        /// older tokens also carry context from before the window (Transformer-XL style) —
        /// exactly a full pass with a banded causal mask of width `contextLength`.
        /// Cost per step is constant.
        case ring
        /// Re-encode the most recent `keep` tokens as a fresh sequence (positions from 0),
        /// then append the new one. Every Q-value then equals a full forward pass over a
        /// window that starts at the last re-encoding, like the windows sampled in
        /// training; works with learned positions. Costs a `keep`-token prefill once every
        /// `contextLength − keep` steps.
        case reencode(keep: Int)
    }

    public let model: Transformer
    /// Number of sequences.
    public let sequences: Int
    public let window: WindowPolicy
    /// Cached tokens per sequence at most: `contextLength`.
    public let capacity: Int
    /// With `.reencode`: tokens worth carrying past a re-encoding (a token's K features in,
    /// true to carry). nil: a re-encoding keeps only the most recent `keep` tokens.
    ///
    /// A re-encoding then keeps, in order, the salient tokens it would drop (at most
    /// `salientLimit`, the newest) and the most recent `keep − carried` tokens, so the window's
    /// size and the re-encoding's cadence are unchanged. Carried tokens stay salient, so they
    /// are carried again at the next re-encoding: a long trial keeps, say, every episode's
    /// landing cell in view after its steps have scrolled out.
    public var salientToken: (@Sendable (UnsafePointer<Int32>) -> Bool)?
    /// Salient tokens a re-encoding carries at most; clamped to `keep / 2`.
    public var salientLimit = Int.max

    /// Per block, (N, H, hs, W) keys after rotary, transposed (see `decodeAttention`).
    let keys: [UnsafeMutablePointer<Float>]
    /// Per block, (N, H, W, hs) values.
    let values: [UnsafeMutablePointer<Float>]
    /// (N, W, K) the tokens in each sequence's window, by slot, for re-encoding.
    let history: UnsafeMutablePointer<Int32>
    /// (N) valid cache slots per sequence (≤ W). Raw storage because re-encoding updates
    /// different sequences from different threads.
    let lengths: UnsafeMutablePointer<Int>
    /// (N) tokens appended since the sequence's last reset or re-encoding: the next token's
    /// position; its slot is `position % W`.
    let positions: UnsafeMutablePointer<Int>

    /// (N) scratch: the active sequences of a step, and those among them that are full.
    let activeRows: UnsafeMutablePointer<Int>
    let fullRows: UnsafeMutablePointer<Int>

    let cacheArena: FloatArena
    let stepWorkspace: DecoderWorkspace
    /// One single-sequence prefill workspace per thread.
    let prefillWorkspaces: [InferenceWorkspace]

    /// A decoder for `sequences` sequences, all empty. `window` defaults to `.ring` for
    /// rotary models and `.reencode(keep: contextLength / 2)` for learned positions.
    public init(model: Transformer, sequences: Int, window: WindowPolicy? = nil) throws {
        let config = model.config
        let policy = window ?? (config.positional == .rotary ? .ring : .reencode(keep: config.contextLength / 2))
        switch policy {
        case .ring where config.positional != .rotary:
            throw ConfigError(message: "a ring-buffer KV cache needs rotary positions; use .reencode(keep:) with learned positions")
        case let .reencode(keep) where keep < 0 || keep >= config.contextLength:
            throw ConfigError(message: "reencode keep \(keep) must be in 0..<contextLength (\(config.contextLength))")
        default: break
        }
        guard sequences >= 1 else { throw ConfigError(message: "a decoder needs at least one sequence") }
        self.model = model
        self.sequences = sequences
        self.window = policy
        capacity = config.contextLength
        let cacheFloats = sequences * config.dModel * capacity
        var sizes = [Int](repeating: cacheFloats, count: 2 * config.layers)
        sizes.append(sequences * capacity * config.featureCount)
        let arena = FloatArena(sizes: sizes)
        cacheArena = arena
        keys = (0..<config.layers).map { _ in arena.take(cacheFloats) }
        values = (0..<config.layers).map { _ in arena.take(cacheFloats) }
        let historyFloats = sequences * capacity * config.featureCount
        history = UnsafeMutableRawPointer(arena.take(historyFloats)).bindMemory(to: Int32.self, capacity: historyFloats)
        lengths = .allocate(capacity: sequences)
        lengths.initialize(repeating: 0, count: sequences)
        positions = .allocate(capacity: sequences)
        positions.initialize(repeating: 0, count: sequences)
        activeRows = .allocate(capacity: sequences)
        fullRows = .allocate(capacity: sequences)
        stepWorkspace = DecoderWorkspace(config: config, rows: sequences, threads: model.pool.threadCount)
        prefillWorkspaces = (0..<model.pool.threadCount).map { _ in
            InferenceWorkspace(config: config, batch: 1, time: config.contextLength, shards: 1)
        }
    }

    deinit {
        lengths.deallocate()
        positions.deallocate()
        activeRows.deallocate()
        fullRows.deallocate()
    }

    /// Empties one sequence (a new trial starts).
    public func reset(sequence: Int) {
        precondition(sequence >= 0 && sequence < sequences, "sequence \(sequence) is outside 0..<\(sequences)")
        lengths[sequence] = 0
        positions[sequence] = 0
    }

    /// Empties every sequence.
    public func resetAll() {
        for i in 0..<sequences { reset(sequence: i) }
    }

    /// Tokens currently in a sequence's window (at most `capacity`).
    public func length(of sequence: Int) -> Int { lengths[sequence] }

    /// Bytes held by the caches and workspaces.
    public var byteCount: Int {
        cacheArena.byteCount + stepWorkspace.byteCount + prefillWorkspaces.reduce(0) { $0 + $1.byteCount }
    }
}
