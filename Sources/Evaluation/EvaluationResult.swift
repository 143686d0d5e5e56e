/// Outcome of one agent on a set of trials: which episodes reached a goal.
public struct EvaluationResult: Sendable, Hashable {
    /// The agent's name as given to the harness (e.g. `oracle`).
    public let agent: String
    /// Number of trials (maps).
    public let trials: Int
    /// Episodes per trial.
    public let episodes: Int
    /// `successes[trial][episode]`: the episode ended on a goal.
    public let successes: [[Bool]]
    /// `episodeLengths[trial][episode]`: steps the episode took.
    public let episodeLengths: [[Int]]
    /// `outcomes[trial][episode]`: how the episode ended (empty when not recorded).
    public let outcomes: [[EpisodeOutcome]]

    public init(agent: String, successes: [[Bool]], episodeLengths: [[Int]], outcomes: [[EpisodeOutcome]] = []) {
        self.agent = agent
        self.trials = successes.count
        self.episodes = successes.first?.count ?? 0
        self.successes = successes
        self.episodeLengths = episodeLengths
        self.outcomes = outcomes
    }

    /// Fraction of trials whose episode `k` succeeded, for `k = 0..<episodes`: the
    /// in-context learning curve.
    public var successByEpisode: [Double] {
        guard trials > 0 else { return [] }
        return (0..<episodes).map { k in
            Double(successes.reduce(0) { $0 + ($1[k] ? 1 : 0) }) / Double(trials)
        }
    }

    /// Success rate over all episodes of all trials.
    public var meanSuccess: Double {
        let curve = successByEpisode
        return curve.isEmpty ? 0 : curve.reduce(0, +) / Double(curve.count)
    }

    /// Fraction of trials that had reached a goal at least once by episode `k` (inclusive):
    /// separates "never found the goal" from "found it but did not repeat it".
    public var foundGoalByEpisode: [Double] {
        guard trials > 0 else { return [] }
        var found = [Bool](repeating: false, count: trials)
        return (0..<episodes).map { k in
            for t in 0..<trials where successes[t][k] { found[t] = true }
            return Double(found.filter { $0 }.count) / Double(trials)
        }
    }
}
