/// Reorders the whole episodes a window holds on each map: a data augmentation for offline
/// training (`DQNConfig.episodeShuffleFraction`).
///
/// On a fixed map, an episode's transitions do not depend on the episodes before it: only the
/// actor's choices do. So any order of a map's episodes is a history some actor could have
/// written, and the teacher's relabelling (`TeacherLabels`) says what the oracle would do
/// knowing exactly that history. For a demonstrator's trial this makes states the
/// demonstrator never visits: an exploring episode after the goal was already found, a hole
/// walked into after the safe route was shown. Those are the states a learner's own mistakes
/// lead to, which a success-heavy dataset lacks; a random actor's episodes are exchangeable
/// already, so random-heavy data changes little.
///
/// A window may open inside an episode and close inside one; those partial episodes stay
/// where they are, and every map keeps its episodes (map boundaries are not crossed).
public enum EpisodeShuffle {
    /// Shuffles the complete episodes of each map in `window` in place, then moves the
    /// map-start flag to each map's new first step. The window keeps `TrialInvariants` after
    /// the step before it; rewards, flags of episode ends and placements travel with their
    /// episodes.
    ///
    /// - window: (T) consecutive steps of one trial
    public static func shuffle<G: RandomNumberGenerator>(_ window: UnsafeMutableBufferPointer<TrialStep>, using rng: inout G) {
        guard window.count > 1 else { return }
        var segmentStart = 0
        for t in 1...window.count where t == window.count || window[t].flags & TrialStep.mapStartBit != 0 {
            shuffleMap(UnsafeMutableBufferPointer(rebasing: window[segmentStart..<t]), using: &rng)
            segmentStart = t
        }
    }

    /// One map's steps: the episodes that both start and end inside `steps` are permuted.
    static func shuffleMap<G: RandomNumberGenerator>(_ steps: UnsafeMutableBufferPointer<TrialStep>, using rng: inout G) {
        guard steps.count > 1 else { return }
        var episodes: [Range<Int>] = []
        var start: Int? = nil
        for t in steps.indices {
            if steps[t].startsEpisode { start = t }
            if let s = start, steps[t].endsEpisode {
                episodes.append(s..<(t + 1))
                start = nil
            }
        }
        guard episodes.count > 1 else { return }
        let opensMap = steps[episodes[0].lowerBound].flags & TrialStep.mapStartBit != 0
        let order = episodes.shuffled(using: &rng)
        let original = Array(steps[episodes[0].lowerBound..<episodes[episodes.count - 1].upperBound])
        let base = episodes[0].lowerBound
        var out = base
        for episode in order {
            for t in episode {
                var step = original[t - base]
                step.flags &= ~TrialStep.mapStartBit
                steps[out] = step
                out += 1
            }
        }
        if opensMap { steps[base].flags |= TrialStep.mapStartBit }
    }
}
