import DQN
import FrozenLake
import NN

/// The trained transformer as an evaluation agent: all lanes share one KV-cache decoder,
/// so a batch of held-out maps costs one model call per step. Greedy by default; the
/// paper's forced exploration is available as `warmup`.
public struct TransformerAgent: BatchedInContextAgent {
    /// The paper's forced random warm-up: in episode `e` the model acts with probability
    /// `min(1, (e / 2) / 10)` — 0.0, 0.0, 0.1, 0.1, …, 0.9, 0.9, then 1.0 — and a random action is taken otherwise.
    public enum Warmup: String, Sendable, CaseIterable {
        case none
        case paper

        func modelProbability(episode: Int) -> Double {
            switch self {
            case .none: 1
            case .paper: min(1, Double(episode / 2) / 10)
            }
        }
    }

    struct Lane {
        var rows = 1
        var cols = 1
        var placement: UInt8 = 0
        var previous: TrialStep?
        var episodeStart = true
        var episode = 0
    }

    public let tokenizer: Tokenizer
    public let epsilon: Double
    public let warmup: Warmup
    let policy: DecoderPolicy
    let features: Int
    var lanes: [Lane] = []
    var tokens: [Int32]

    /// - Parameters:
    ///   - lanes: trials played at once (the harness's batch size).
    ///   - epsilon: probability of a random action at every step (0: greedy).
    ///   - contextKeep: tokens kept when a trial outgrows the context (`DecoderPolicy`'s `keep`).
    ///   - carriedLandings: a re-encoding also keeps at most this many older tokens that show
    ///     where an episode ended in a hole or on a goal (`Tokenizer.showsLanding`; the
    ///     decoder clamps it to half of what it keeps); 0: none.
    public init(
        model: Transformer, tokenizer: Tokenizer, lanes: Int, epsilon: Double = 0, warmup: Warmup = .none, contextKeep: Int? = nil,
        carriedLandings: Int = 0
    ) throws {
        self.tokenizer = tokenizer
        self.epsilon = epsilon
        self.warmup = warmup
        let carry = carriedLandings > 0 ? (salient: DecoderPolicy.landings(tokenizer), limit: carriedLandings) : nil
        policy = try DecoderPolicy(model: model, sequences: lanes, keep: contextKeep, carry: carry)
        features = tokenizer.featureCount
        tokens = [Int32](repeating: 0, count: lanes * tokenizer.featureCount)
    }

    /// A trial whose map the model cannot see: larger than the tokenizer's canvas.
    public struct MapDoesNotFit: Error, CustomStringConvertible {
        public var trial: Int
        public var rows: Int
        public var cols: Int
        public var canvas: Int
        public var description: String {
            "trial \(trial + 1) plays a \(rows)x\(cols) map, but this model's tokenizer places maps on a \(canvas)x\(canvas) canvas; "
                + "evaluate it on maps that fit (e.g. --suite 4x4 or --map ROWS) or train a model with a larger tokenizer.canvas"
        }
    }

    /// Checks, before any trial runs, that every map of `specs` fits the model's canvas:
    /// a cell outside it has no embedding.
    public func checkFits(_ specs: [TrialSpec]) throws(MapDoesNotFit) {
        for (i, spec) in specs.enumerated() {
            for map in spec.maps where !tokenizer.fits(rows: map.rows, cols: map.cols) {
                throw MapDoesNotFit(trial: i, rows: map.rows, cols: map.cols, canvas: tokenizer.config.canvas)
            }
        }
    }

    public mutating func beginTrials(_ setups: [TrialSetup]) {
        precondition(setups.count <= policy.sequences, "more trials than decoder lanes")
        policy.resetAll()
        lanes = setups.map { setup in
            let g = setup.info.geometry
            // Placement on the canvas as in training, drawn from the trial's index.
            let placement = tokenizer.placement(
                rows: g.rows, cols: g.cols, seed: Tokenizer.placementSeed(incarnation: 0xE7A1, trialID: UInt64(setup.index), step: 0))
            return Lane(rows: g.rows, cols: g.cols, placement: placement)
        }
    }

    public mutating func act(lanes ids: [Int], observations: [Int], rngs: inout [Xoshiro256]) -> [Int] {
        var active = [Bool](repeating: false, count: policy.sequences)
        for (i, lane) in ids.enumerated() {
            active[lane] = true
            let l = lanes[lane]
            tokens.withUnsafeMutableBufferPointer { out in
                tokenizer.encode(
                    into: out.baseAddress! + lane * features, observation: observations[i], cols: l.cols,
                    placement: l.placement, previous: l.previous, startsEpisode: l.episodeStart)
            }
        }
        let q = tokens.withUnsafeBufferPointer { policy.step(tokens: $0, active: active) }
        var actions: [Int] = []
        actions.reserveCapacity(ids.count)
        for lane in ids {
            let useModel = rngs[lane].nextDouble() < warmup.modelProbability(episode: lanes[lane].episode)
            if !useModel || (epsilon > 0 && rngs[lane].nextDouble() < epsilon) {
                actions.append(rngs[lane].nextInt(below: 4))
                continue
            }
            let row = q.baseAddress! + lane * 4
            var best = 0
            for a in 1..<4 where row[a] > row[best] { best = a }
            actions.append(best)
        }
        return actions
    }

    public mutating func observe(lane: Int, _ t: Transition) {
        var flags: UInt8 = 0
        if t.terminated { flags |= TrialStep.terminatedBit }
        if t.truncated { flags |= TrialStep.truncatedBit }
        if lanes[lane].episodeStart { flags |= TrialStep.episodeStartBit }
        lanes[lane].previous = TrialStep(
            observation: UInt16(t.observation), nextObservation: UInt16(t.nextObservation), action: UInt8(t.action),
            reward: t.reward > 0 ? 1 : 0, flags: flags, rows: UInt8(lanes[lane].rows), cols: UInt8(lanes[lane].cols), placement: lanes[lane].placement)
        lanes[lane].episodeStart = false
    }

    public mutating func endEpisode(lane: Int) {
        lanes[lane].episodeStart = true
        lanes[lane].episode += 1
    }
}
