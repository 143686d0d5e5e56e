/// Double-DQN regression targets for one window of consecutive trial steps.
public struct DQNTargets: Sendable {
    /// Where bootstrapping stops.
    public enum Bootstrap: String, Codable, Sendable, CaseIterable {
        /// The paper's choice: every episode is its own return; no value flows from
        /// the next episode back into this one.
        case episode
        /// RL²-style: the whole trial is one return, so the value of what the next
        /// episode will know flows back — exploring early pays off later.
        case trial
    }

    /// Discount per step within an episode.
    public var gamma: Float
    /// Discount applied across an episode boundary (only with `.trial`).
    public var gammaAcrossEpisodes: Float
    /// Rewards are multiplied by this before regression (the paper used 30).
    public var rewardScale: Float
    public var bootstrap: Bootstrap
    /// With `.episode`: a step cut by the step limit (truncated, not terminated) gets no
    /// target, instead of the target 0 a terminal step gets. Its true value is that of the
    /// cell it stopped on, which no later token shows (the next token is the next
    /// episode's start); a target of 0 teaches that walking on is worth nothing: the
    /// time-limit bias. With `.trial` such steps bootstrap across the boundary anyway.
    public var masksTimeouts: Bool

    public init(
        gamma: Float = 0.9, gammaAcrossEpisodes: Float = 0.9, rewardScale: Float = 30, bootstrap: Bootstrap = .episode,
        masksTimeouts: Bool = true
    ) {
        self.gamma = gamma
        self.gammaAcrossEpisodes = gammaAcrossEpisodes
        self.rewardScale = rewardScale
        self.bootstrap = bootstrap
        self.masksTimeouts = masksTimeouts
    }

    /// The step has no regression target at all: a timeout under per-episode bootstrap.
    @inlinable
    func hasNoTarget(_ step: TrialStep) -> Bool {
        masksTimeouts && bootstrap == .episode && step.truncated && !step.terminated
    }

    /// The discount between token `t` and the next one: 0 where nothing follows.
    @inlinable
    func discount(after step: TrialStep, isLast: Bool, endsTrial: Bool) -> Float {
        guard step.endsEpisode else { return gamma }
        // Per-episode: nothing follows. Trial: the next episode's first token follows,
        // except after the trial's very last step.
        return (bootstrap == .trial && !(isLast && endsTrial)) ? gammaAcrossEpisodes : 0
    }

    /// Writes the mask `fill` writes, without the targets: which tokens have a target
    /// depends on the window alone, not on Q, so a learner can know the loss's normaliser
    /// before it runs the online network.
    @inlinable
    public func fillMask(mask: UnsafeMutablePointer<Float>, window: UnsafeBufferPointer<TrialStep>, endsTrial: Bool) {
        let count = window.count
        for t in 0..<count {
            let isLast = t + 1 == count
            mask[t] = !hasNoTarget(window[t]) && (discount(after: window[t], isLast: isLast, endsTrial: endsTrial) == 0 || !isLast) ? 1 : 0
        }
    }

    /// Fills the targets of one window.
    ///
    /// - Parameters:
    ///   - targets: `(T)` regression target for the action taken at each token.
    ///   - mask: `(T)` 1 where the target is defined, 0 where it is not (the last token,
    ///     unless it needs no bootstrap).
    ///   - window: `(T)` the steps; token `t` chose `window[t].action`.
    ///   - qOnline: `(T, A)` online Q-values over the window, to pick the next action.
    ///   - qTarget: `(T, A)` target-network Q-values over the window, to value it.
    ///   - endsTrial: the window's last step is the trial's last step.
    @inlinable
    public func fill(
        targets: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
        window: UnsafeBufferPointer<TrialStep>, qOnline: UnsafePointer<Float>, qTarget: UnsafePointer<Float>,
        actions: Int, endsTrial: Bool
    ) {
        let count = window.count
        for t in 0..<count {
            let step = window[t]
            if hasNoTarget(step) {
                targets[t] = 0
                mask[t] = 0
                continue
            }
            let reward = Float(step.reward) * rewardScale
            let isLast = t + 1 == count
            let discount = discount(after: step, isLast: isLast, endsTrial: endsTrial)
            if discount == 0 {
                targets[t] = reward
                mask[t] = 1
                continue
            }
            guard !isLast else {
                // The next token lies outside the window: no target here.
                targets[t] = 0
                mask[t] = 0
                continue
            }
            let next = (t + 1) * actions
            var best = 0
            var bestValue = qOnline[next]
            for a in 1..<actions where qOnline[next + a] > bestValue {
                best = a
                bestValue = qOnline[next + a]
            }
            targets[t] = reward + discount * qTarget[next + best]
            mask[t] = 1
        }
    }
}
