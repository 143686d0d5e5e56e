/// Turns environment steps into the categorical features of transformer tokens.
///
/// One token per decision: token `t` describes the cell the agent stands on before
/// choosing action `t`, plus what just happened — the previous action and reward,
/// whether an episode starts here, and, at an episode start, the cell where the
/// previous episode ended (its hole or goal: without it the model could never tell
/// where it fell). Q-values are read at every token.
///
/// Feature layout (each an index into its own embedding table):
/// - `.tile`:        [cell, prevAction, prevReward, episodeStart, landing]
/// - `.canvasTile`:  [canvasCell, prevAction, prevReward, episodeStart, landing]
/// - `.rowColumn`:   [row, col, prevAction, prevReward, episodeStart, landingRow, landingCol]
/// `prevAction` is 4 on a trial's first token; `landing*` is 0 except on an episode's
/// first token after an earlier episode that ended in a hole or on a goal, where it is the
/// landing cell (or coordinate) + 1 (`TokenizerConfig.landingsOnlyOnTermination`).
public struct Tokenizer: Sendable {
    public let config: TokenizerConfig

    public init(config: TokenizerConfig) {
        self.config = config
    }

    /// Features per token.
    public var featureCount: Int { config.observation == .rowColumn ? 7 : 5 }

    /// Embedding table sizes, in feature order (`TransformerConfig.featureVocabularies`).
    public var vocabularies: [Int] {
        let c = config.canvas
        switch config.observation {
        case .tile, .canvasTile: return [c * c, 5, 2, 2, c * c + 1]
        case .rowColumn: return [c, c, 5, 2, 2, c + 1, c + 1]
        }
    }

    /// Whether `token` (its `featureCount` features) opens an episode after one that ended in
    /// a hole or on a goal: the only tokens that say where holes and goals are.
    public func showsLanding(_ token: UnsafePointer<Int32>) -> Bool {
        token[config.observation == .rowColumn ? 5 : 4] != 0
    }

    /// Whether every feature of `tokens` (`(T, K)`, `K = featureCount`) indexes its embedding table.
    public func inVocabulary(_ tokens: UnsafeBufferPointer<Int32>) -> Bool {
        let vocabularies = self.vocabularies.map(Int32.init)
        let k = vocabularies.count
        for (i, index) in tokens.enumerated() where index < 0 || index >= vocabularies[i % k] { return false }
        return true
    }

    /// Whether a map of this size fits on the canvas.
    public func fits(rows: Int, cols: Int) -> Bool {
        rows >= 1 && cols >= 1 && rows <= config.canvas && cols <= config.canvas
    }

    /// Packs a placement (offsets on the canvas) into `TrialStep.placement`.
    public static func placement(rowOffset: Int, colOffset: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (rowOffset << 4) | (colOffset & 15))
    }

    /// A placement for a new map: random when configured, else the top-left corner.
    /// A map that does not fit gets the corner, which `TrialInvariants` then refuses.
    public func newPlacement<G: RandomNumberGenerator>(rows: Int, cols: Int, using rng: inout G) -> UInt8 {
        guard config.randomPlacement, fits(rows: rows, cols: cols) else { return 0 }
        let r = Int.random(in: 0...(config.canvas - rows), using: &rng)
        let c = Int.random(in: 0...(config.canvas - cols), using: &rng)
        return Self.placement(rowOffset: r, colOffset: c)
    }

    /// A placement for a new map, derived from `seed` alone, so that an actor and the
    /// learner agree on it without sending it (seed: trial identity and the map's first step).
    /// A map that does not fit gets the corner, which `TrialInvariants` then refuses.
    public func placement(rows: Int, cols: Int, seed: UInt64) -> UInt8 {
        guard config.randomPlacement, fits(rows: rows, cols: cols) else { return 0 }
        // SplitMix64 finaliser: neighbouring seeds give unrelated offsets.
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let r = Int(z % UInt64(config.canvas - rows + 1))
        let c = Int((z >> 32) % UInt64(config.canvas - cols + 1))
        return Self.placement(rowOffset: r, colOffset: c)
    }

    /// The seed `placement(rows:cols:seed:)` uses for the map that starts at `step` of a trial.
    public static func placementSeed(incarnation: UInt64, trialID: UInt64, step: UInt64) -> UInt64 {
        incarnation &* 0x9E37_79B9_7F4A_7C15 ^ trialID &* 0xC2B2_AE3D_27D4_EB4F ^ step
    }

    /// Writes the features of the token for standing on `observation`.
    ///
    /// - Parameters:
    ///   - out: `featureCount` slots.
    ///   - previous: the step before this token in the trial, nil on the trial's first token.
    ///   - startsEpisode: this token begins an episode.
    @inlinable
    public func encode(
        into out: UnsafeMutablePointer<Int32>, observation: Int, cols: Int, placement: UInt8,
        previous: TrialStep?, startsEpisode: Bool
    ) {
        let canvas = config.canvas
        let rowOffset = config.observation == .tile ? 0 : Int(placement >> 4)
        let colOffset = config.observation == .tile ? 0 : Int(placement & 15)
        let prevAction = Int32(previous.map { Int($0.action) } ?? 4)
        let prevReward = Int32(previous?.reward ?? 0)
        let start: Int32 = startsEpisode ? 1 : 0
        // The landing cell is only news at an episode start: mid-episode it is where we stand.
        // After a timeout there is no landing (the agent stood on a safe cell), unless the
        // config predates the distinction.
        let landing: TrialStep? = startsEpisode && (previous?.terminated ?? false || !config.landingsOnlyOnTermination)
            ? previous : nil
        switch config.observation {
        case .tile:
            out[0] = Int32(observation)
            out[4] = landing.map { Int32($0.nextObservation) + 1 } ?? 0
        case .canvasTile:
            out[0] = Int32((observation / cols + rowOffset) * canvas + observation % cols + colOffset)
            out[4] = landing.map { step in
                let c = Int(step.cols)
                let r0 = Int(step.placement >> 4), c0 = Int(step.placement & 15)
                return Int32((Int(step.nextObservation) / c + r0) * canvas + Int(step.nextObservation) % c + c0 + 1)
            } ?? 0
        case .rowColumn:
            out[0] = Int32(observation / cols + rowOffset)
            out[1] = Int32(observation % cols + colOffset)
            if let step = landing {
                let c = Int(step.cols)
                out[5] = Int32(Int(step.nextObservation) / c + Int(step.placement >> 4) + 1)
                out[6] = Int32(Int(step.nextObservation) % c + Int(step.placement & 15) + 1)
            } else {
                out[5] = 0
                out[6] = 0
            }
            out[2] = prevAction
            out[3] = prevReward
            out[4] = start
            return
        }
        out[1] = prevAction
        out[2] = prevReward
        out[3] = start
    }

    /// Encodes a window of stored steps, one token per step.
    ///
    /// - Parameters:
    ///   - out: `(T, K)` features, `T = window.count`, `K = featureCount`.
    ///   - window: consecutive steps of one trial.
    ///   - previous: the step just before the window, nil when the window starts the trial.
    public func encode(into out: UnsafeMutablePointer<Int32>, window: UnsafeBufferPointer<TrialStep>, previous: TrialStep?) {
        let k = featureCount
        var before = previous
        for (t, step) in window.enumerated() {
            encode(
                into: out + t * k, observation: Int(step.observation), cols: Int(step.cols),
                placement: step.placement, previous: before, startsEpisode: step.startsEpisode)
            before = step
        }
    }
}
