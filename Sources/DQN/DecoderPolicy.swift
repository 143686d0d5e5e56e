import NN

/// The model as an actor's batched policy: a KV-cache decoder over its environments.
public final class DecoderPolicy: BatchedQPolicy {
    public let decoder: KVCacheDecoder
    /// (N, A) Q-values of the last step; stable storage, since `step` hands out a view of it.
    let q: UnsafeMutableBufferPointer<Float>
    /// Seconds spent in `step`, for the actor's logs.
    public private(set) var inferenceSeconds: Double = 0
    public private(set) var inferenceCalls = 0

    /// - Parameter keep: tokens of history kept when a sequence fills the context and is
    ///   re-encoded (default: half the context). More keeps more of a long trial in view,
    ///   at one re-encoding every `contextLength − keep` steps.
    /// - Parameter carry: tokens a re-encoding keeps in view although older than the last
    ///   `keep` (`KVCacheDecoder.salientToken`), and at most how many; nil keeps only the
    ///   most recent.
    public init(model: Transformer, sequences: Int, keep: Int? = nil,
                carry: (salient: @Sendable (UnsafePointer<Int32>) -> Bool, limit: Int)? = nil) throws {
        // Re-encoding keeps what the model sees shaped like the windows it was trained on
        // (a multi-block ring cache would carry context from before the window).
        decoder = try KVCacheDecoder(
            model: model, sequences: sequences, window: .reencode(keep: keep ?? model.config.contextLength / 2))
        decoder.salientToken = carry?.salient
        decoder.salientLimit = carry?.limit ?? Int.max
        q = .allocate(capacity: sequences * model.config.actions)
        q.initialize(repeating: 0)
    }

    /// A policy that acts as a run's learner trains: with `dqn.carriedLandings`, it keeps
    /// older landing tokens in view when it re-encodes, as the training windows carry them.
    public convenience init(model: Transformer, sequences: Int, run: RunConfig) throws {
        let carry = run.dqn.carriedLandings > 0
            ? (salient: DecoderPolicy.landings(Tokenizer(config: run.tokenizer)), limit: run.dqn.carriedLandings) : nil
        try self.init(model: model, sequences: sequences, carry: carry)
    }

    /// The tokens `KVCacheDecoder.salientToken` carries for landings (`Tokenizer.showsLanding`).
    public static func landings(_ tokenizer: Tokenizer) -> @Sendable (UnsafePointer<Int32>) -> Bool {
        { token in tokenizer.showsLanding(token) }
    }

    deinit { q.deallocate() }

    public var sequences: Int { decoder.sequences }

    public func step(tokens: UnsafeBufferPointer<Int32>, active: [Bool]) -> UnsafeBufferPointer<Float> {
        let start = ContinuousClock.now
        decoder.step(tokens: tokens, active: active, into: q)
        let elapsed = ContinuousClock.now - start
        inferenceSeconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        inferenceCalls += 1
        return UnsafeBufferPointer(q)
    }

    public func reset(sequence i: Int) {
        decoder.reset(sequence: i)
    }

    /// Empties every sequence.
    public func resetAll() {
        decoder.resetAll()
    }

    /// Re-encodes every sequence's window with the current weights: call after loading new
    /// ones, or the cached keys and values mix several weight versions until the next
    /// re-encoding or trial. Timed in `refreshSeconds`, not `inferenceSeconds`.
    public func refreshAfterWeightsChange() {
        let start = ContinuousClock.now
        decoder.refreshAll()
        let elapsed = ContinuousClock.now - start
        refreshSeconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        refreshes += 1
    }

    /// Times `refreshAfterWeightsChange` ran, and the seconds it took in all.
    public private(set) var refreshes = 0
    public private(set) var refreshSeconds: Double = 0
}
