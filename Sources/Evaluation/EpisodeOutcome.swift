/// How an evaluation episode ended. Failures are told apart because they call for
/// different skills: a hole the trial had already shown means the context was not used,
/// a new hole is the price of exploring, and a timeout is a loop or an aimless walk.
public enum EpisodeOutcome: String, Sendable, Hashable, CaseIterable {
    /// Reached a goal.
    case success
    /// Fell into a hole no earlier episode of the trial, on this map, had fallen into.
    case newHole = "hole_new"
    /// Fell into a hole an earlier episode of the trial, on this map, had already shown.
    case seenHole = "hole_seen"
    /// Cut by the step limit.
    case timeout
}

extension EvaluationResult {
    /// Fraction of all episodes of all trials that ended each way (they sum to 1); empty
    /// when the harness did not record outcomes.
    public var outcomeFractions: [EpisodeOutcome: Double] {
        let all = outcomes.joined()
        guard !all.isEmpty else { return [:] }
        var counts: [EpisodeOutcome: Int] = [:]
        for outcome in all { counts[outcome, default: 0] += 1 }
        return counts.mapValues { Double($0) / Double(all.count) }
    }
}
