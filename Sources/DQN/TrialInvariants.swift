/// What every stored trial must satisfy, so that any window of it tokenizes into indices the
/// model's embedding tables hold and into a context that does not lie.
///
/// The replay checks every step it stores against these rules, whoever sent it: chunks from
/// the network (each chunk was validated alone; these rules span chunk boundaries), experience
/// files and replay snapshots. The checks follow a trial step by step, so a continuation is
/// checked against the last step already stored.
public struct TrialInvariants: Sendable, Hashable {
    /// Why steps were refused; `rawValue` names the learner's `rejected/<reason>` counter.
    public enum Violation: String, Error, Sendable, CaseIterable {
        /// A map larger than the tokenizer's canvas, or a placement that does not fit on it.
        case outsideCanvas = "outside_canvas"
        /// A cell index outside the map, an unknown action, a reward other than 0 or 1, or unknown flag bits.
        case stepRange = "step_range"
        /// The map size or placement changed without the map-start flag.
        case mapSizeChange = "map_size_change"
        /// A map start that does not start an episode, a trial that does not begin with a map
        /// start, an episode start that does not follow an episode end, or the reverse.
        case episodeFlags = "episode_flags"
        /// A step inside an episode does not begin where the previous step landed.
        case discontinuity
    }

    /// Side of the tokenizer's canvas (`TokenizerConfig.canvas`); at most 16, the most a
    /// placement nibble holds.
    public var canvas: Int
    /// Number of actions (FrozenLake: 4).
    public var actions: Int

    public init(canvas: Int = 16, actions: Int = 4) {
        self.canvas = min(max(canvas, 1), 16)
        self.actions = actions
    }

    /// The rules for steps a tokenizer will encode.
    public init(tokenizer: TokenizerConfig, actions: Int = 4) {
        self.init(canvas: tokenizer.canvas, actions: actions)
    }

    /// Throws the first rule `step` breaks, given the trial's step before it (nil: `step`
    /// opens the trial).
    public func check(_ step: TrialStep, after previous: TrialStep?) throws(Violation) {
        let mapStart = step.flags & TrialStep.mapStartBit != 0
        if let previous, !mapStart {
            guard step.rows == previous.rows, step.cols == previous.cols, step.placement == previous.placement else {
                throw .mapSizeChange
            }
        }
        let rows = Int(step.rows), cols = Int(step.cols)
        let rowOffset = Int(step.placement >> 4), colOffset = Int(step.placement & 15)
        guard rows >= 1, cols >= 1, rowOffset + rows <= canvas, colOffset + cols <= canvas else { throw .outsideCanvas }
        let cells = rows * cols
        guard Int(step.observation) < cells, Int(step.nextObservation) < cells, Int(step.action) < actions,
              step.reward <= 1, step.flags & ~Self.knownFlags == 0 else { throw .stepRange }
        guard !mapStart || step.startsEpisode else { throw .episodeFlags }
        guard let previous else {
            guard mapStart else { throw .episodeFlags }
            return
        }
        guard step.startsEpisode == previous.endsEpisode else { throw .episodeFlags }
        guard step.startsEpisode || step.observation == previous.nextObservation else { throw .discontinuity }
    }

    /// Checks consecutive steps of one trial; `previous` is the stored step before `steps[0]`.
    public func check(_ steps: some Collection<TrialStep>, after previous: TrialStep?) throws(Violation) {
        var before = previous
        for step in steps {
            try check(step, after: before)
            before = step
        }
    }

    static let knownFlags = TrialStep.terminatedBit | TrialStep.truncatedBit | TrialStep.episodeStartBit | TrialStep.mapStartBit
}
